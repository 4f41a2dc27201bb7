#include "benchmark_message.hpp"

namespace tp::bench {

BenchmarkMessage make_benchmark_message() {
  const std::string text = "许多往事在眼前一幕一幕，变的那麼模糊";  // as rpc-benchmark writes it
  constexpr int kNumber = 100000;
  BenchmarkMessage m;
  for (auto* field :
       {m.mutable_field1(), m.mutable_field4(), m.mutable_field7(), m.mutable_field9(),
        m.mutable_field18(), m.mutable_field102(), m.mutable_field103(), m.mutable_field129()}) {
    *field = text;
  }
  m.set_field2(kNumber);
  m.set_field3(kNumber);
  m.set_field6(kNumber);
  m.set_field16(kNumber);
  m.set_field22(kNumber);
  m.set_field23(kNumber);
  m.set_field25(kNumber);
  m.set_field29(kNumber);
  m.set_field60(kNumber);
  m.set_field67(kNumber);
  m.set_field68(kNumber);
  m.set_field100(kNumber);
  m.set_field101(kNumber);
  m.set_field104(kNumber);
  m.set_field128(kNumber);
  m.set_field130(kNumber);
  m.set_field131(kNumber);
  m.set_field150(kNumber);
  m.set_field271(kNumber);
  m.set_field272(kNumber);
  m.set_field280(kNumber);
  for (auto setter : {&BenchmarkMessage::set_field12, &BenchmarkMessage::set_field13,
                      &BenchmarkMessage::set_field14, &BenchmarkMessage::set_field17,
                      &BenchmarkMessage::set_field24, &BenchmarkMessage::set_field30,
                      &BenchmarkMessage::set_field59, &BenchmarkMessage::set_field78,
                      &BenchmarkMessage::set_field80, &BenchmarkMessage::set_field81}) {
    (m.*setter)(true);
  }
  return m;
}

}  // namespace tp::bench
