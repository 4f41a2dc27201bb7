// Encodes a call with the installed library and decodes it back.
#include <teleport/teleport.hpp>

#include <iostream>
#include <vector>

int main() {
  tp::Message call;
  call.seq = 1;
  call.service_method = "/math/add";
  call.body_codec = tp::codec_id::kJson;
  if (!tp::marshal(call.body_codec, std::vector<int>{1, 2, 3}, call.body).ok()) return 1;
  std::string frame;
  tp::RawProto proto;
  if (!proto.encode(call, frame).ok()) return 1;
  tp::Message back;
  if (proto.decode(frame, back).kind != tp::DecodeResult::Kind::kMessage) return 1;
  std::vector<int> xs;
  if (!tp::unmarshal(back.body_codec, back.body, xs).ok() || xs.size() != 3) return 1;
  std::cout << "consumer: " << frame.size() << "-byte frame for " << back.service_method
            << " round-tripped\n";
  return 0;
}
