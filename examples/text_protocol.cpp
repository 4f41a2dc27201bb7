// A user-defined protocol: a human-readable text frame, registered under the name "text" and
// used by a client through PeerConfig::proto — the same Proto interface the built-in protocols
// implement. Its probe() lets a server detect it on a shared port: the server below speaks raw
// by default and serves a text client and a raw client on one listener.
//
//   frame = "TP1 <seq> <mtype> <codec> <service method> <meta|-> <status|-> <body length>\n" body
#include <charconv>
#include <iostream>
#include <vector>

#include "math_service.hpp"
#include "teleport/proto/registry.hpp"

namespace {

class TextProto final : public tp::Proto {
 public:
  explicit TextProto(tp::RawProtoOptions options) : limit_(options.size_limit) {}
  std::uint8_t id() const noexcept override { return 't'; }
  std::string_view name() const noexcept override { return "text"; }

  tp::Status encode(tp::Message& msg, std::string& out) const override {
    if (!msg.xfer_pipe.empty()) {
      return tp::Status::from_code(tp::code::kWriteFailed, "the text protocol carries no filters");
    }
    if (msg.service_method.find_first_of(" \n") != std::string::npos) {
      return tp::Status::from_code(tp::code::kWriteFailed, "service method with a space");
    }
    const std::string meta = msg.meta.encode();
    const std::string status = msg.status.ok() ? "" : msg.status.to_query();
    std::string frame = "TP1 " + std::to_string(msg.seq) + " " +
                        std::to_string(static_cast<int>(msg.type)) + " " +
                        std::to_string(msg.body_codec) + " " + msg.service_method + " " +
                        (meta.empty() ? "-" : meta) + " " + (status.empty() ? "-" : status) + " " +
                        std::to_string(msg.body.size()) + "\n" + msg.body;
    if (frame.size() > limit_) return tp::Status::from_code(tp::code::kWriteFailed, "too large");
    msg.size = static_cast<std::uint32_t>(frame.size());
    out += frame;
    return {};
  }

  // "TP1 " opens every frame: four bytes tell.
  tp::Probe probe(std::string_view first) const override {
    constexpr std::string_view kMagic = "TP1 ";
    if (first.size() < kMagic.size()) {
      return kMagic.starts_with(first) ? tp::Probe::kNeedMore : tp::Probe::kNo;
    }
    return first.starts_with(kMagic) ? tp::Probe::kYes : tp::Probe::kNo;
  }

  tp::DecodeResult decode(std::string_view bytes, tp::Message& out) const override {
    constexpr std::size_t kMaxLine = 64 * 1024;
    const std::size_t eol = bytes.find('\n');
    if (eol == std::string_view::npos) {
      return bytes.size() > kMaxLine ? error("header line too long") : tp::DecodeResult{};
    }
    std::vector<std::string_view> f;  // the eight header fields
    for (std::string_view line = bytes.substr(0, eol); !line.empty();) {
      const std::size_t space = line.find(' ');
      f.push_back(line.substr(0, space));
      line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    }
    long long seq = 0;
    int type = 0;
    int codec = 0;
    std::size_t body_size = 0;
    if (f.size() != 8 || f[0] != "TP1" || !number(f[1], seq) || !number(f[2], type) ||
        !number(f[3], codec) || !number(f[7], body_size) || type < 1 || type > 5 || codec > 255) {
      return error("malformed header line");
    }
    if (body_size > limit_) return error("body larger than the size limit");
    if (bytes.size() - eol - 1 < body_size) return {};  // the body is still coming
    out.seq = static_cast<std::int32_t>(seq);
    out.type = static_cast<tp::MsgType>(type);
    out.body_codec = static_cast<std::uint8_t>(codec);
    out.service_method.assign(f[4]);
    out.meta.clear();
    if (f[5] != "-" && !tp::Meta::decode(f[5], out.meta).ok()) return error("malformed meta");
    out.status = tp::Status();
    if (f[6] != "-" && !tp::Status::parse_query(f[6], out.status).ok()) return error("bad status");
    out.body.assign(bytes.substr(eol + 1, body_size));
    out.xfer_pipe.clear();
    out.size = static_cast<std::uint32_t>(eol + 1 + body_size);
    return {tp::DecodeResult::Kind::kMessage, out.size, {}};
  }

 private:
  template <class N>
  static bool number(std::string_view text, N& value) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
  }
  static tp::DecodeResult error(const char* why) {
    return {tp::DecodeResult::Kind::kError, 0,
            tp::Status::bad_message(std::string("text: ") + why)};
  }
  std::uint32_t limit_;
};

}  // namespace

int main() {
  if (auto st = tp::register_proto(
          "text", [](tp::RawProtoOptions o) { return std::make_unique<TextProto>(std::move(o)); });
      !st.ok()) {
    std::cerr << st.to_string() << "\n";
    return 1;
  }
  // What a call looks like on the wire.
  tp::Message sample;
  sample.seq = 1;
  sample.type = tp::MsgType::kCall;
  sample.service_method = "/math/add?author=text";
  sample.body_codec = tp::codec_id::kJson;
  sample.body = "[1,2,3]";
  std::string frame;
  (void)tp::make_proto("text", {})->encode(sample, frame);
  std::cout << "frame: " << frame << "\n";

  // One listener, raw by default; protocol detection asks each registered protocol's probe()
  // about a connection's first bytes, so text clients are served too.
  tp::Peer server({.listen_address = "127.0.0.1:0"});
  tp::Status st = demo::register_math(server);
  if (st.ok()) st = server.listen();
  if (!st.ok()) {
    std::cerr << st.to_string() << "\n";
    return 1;
  }
  const std::string addr = "127.0.0.1:" + std::to_string(server.listen_port());
  tp::Peer text_client({.proto = "text"});
  auto text = text_client.dial(addr);
  if (!text.ok()) {
    std::cerr << text.status.to_string() << "\n";
    return 1;
  }
  auto sum = text.value->call<long long>("/math/add?author=text", std::vector<long long>{1, 2, 3});
  std::cout << "text protocol: /math/add [1,2,3] = " << sum.value << " (" << sum.status.to_string()
            << ")\n";
  auto missing = text.value->call<long long>("/math/sub", std::vector<long long>{1});
  std::cout << "text protocol: /math/sub -> " << missing.status.to_string() << "\n";

  tp::Peer raw_client;  // the same port, the default protocol
  auto raw = raw_client.dial(addr);
  tp::Result<long long> raw_sum = raw.status;
  if (raw.ok()) raw_sum = raw.value->call<long long>("/math/add", std::vector<long long>{4, 5});
  std::cout << "raw protocol, same port: /math/add [4,5] = " << raw_sum.value << " ("
            << raw_sum.status.to_string() << ")\n";
  const bool all_right = sum.ok() && sum.value == 6 &&
                         missing.status.code() == tp::code::kNotFound && raw_sum.ok() &&
                         raw_sum.value == 9;
  return all_right ? 0 : 1;
}
