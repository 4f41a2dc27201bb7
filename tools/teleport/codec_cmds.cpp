#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "commands.hpp"
#include "message_json.hpp"
#include "teleport/proto/pb_proto.hpp"
#include "teleport/proto/registry.hpp"

namespace tp::cli {
namespace {

struct ProtoOptions {
  std::string proto = "raw";
  bool v5 = false;
  std::uint32_t limit = kDefaultSizeLimit;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--proto", proto, "wire protocol: raw (default), json, pb or thrift")
        ->check(CLI::IsMember({"raw", "json", "pb", "thrift"}));
    cmd.add_flag("--v5", v5, "speak Teleport v5.4.2's variant instead of eRPC v7's");
    cmd.add_option("--limit", limit, "frame size limit in bytes (default 1 GiB)");
  }
  std::unique_ptr<Proto> make() const {
    return make_proto(proto,
                      {.version = v5 ? RawVersion::kV5 : RawVersion::kV7, .size_limit = limit});
  }
};

std::string read_all_stdin() {
  std::freopen(nullptr, "rb", stdin);
  return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

// When `bytes` do not decode as `tried`, the protocol they do decode as, if any: a hint that
// --proto is wrong.
std::string other_proto_hint(const ProtoOptions& options, std::string_view tried,
                             std::string_view bytes) {
  for (const char* name : {"raw", "json", "pb", "thrift", "http"}) {
    if (name == tried) continue;
    auto proto = make_proto(name, {.version = options.v5 ? RawVersion::kV5 : RawVersion::kV7,
                                   .size_limit = options.limit});
    Message msg;
    if (proto && proto->decode(bytes, msg).kind == DecodeResult::Kind::kMessage) {
      return std::string(" (this looks like a ") + name + " frame: try --proto " + name + ")";
    }
  }
  return "";
}

// Decodes every frame in `bytes`, printing one JSON object per line. Returns the exit code.
int decode_frames(const ProtoOptions& options, std::string_view bytes) {
  const auto proto = options.make();
  while (!bytes.empty()) {
    Message msg;
    const DecodeResult r = proto->decode(bytes, msg);
    if (r.kind == DecodeResult::Kind::kError) {
      std::cerr << "teleport decode: " << r.status.to_string()
                << other_proto_hint(options, options.proto, bytes) << "\n";
      return 1;
    }
    if (r.kind == DecodeResult::Kind::kNeedMore) {
      std::cerr << "teleport decode: 400 Bad Message: truncated frame: " << bytes.size()
                << " bytes do not make a whole frame"
                << other_proto_hint(options, options.proto, bytes) << "\n";
      return 1;
    }
    std::cout << boost::json::serialize(message_to_json(msg)) << "\n";
    bytes.remove_prefix(r.consumed);
  }
  return 0;
}

int encode_messages(const Proto& proto, std::string_view input) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t count = 0;
  while (!input.empty()) {
    const std::size_t used = parser.write_some(input, ec);
    input.remove_prefix(used);
    if (ec) break;
    if (!parser.done()) continue;
    const auto value = parser.release();
    parser.reset();
    while (!input.empty() && std::isspace(static_cast<unsigned char>(input.front())))
      input.remove_prefix(1);
    if (!value.is_object()) {
      std::cerr << "teleport encode: each input must be a JSON object\n";
      return 1;
    }
    Message msg;
    std::string frame;
    Status st = message_from_json(value.as_object(), msg);
    if (st.ok()) st = proto.encode(msg, frame);
    if (!st.ok()) {
      std::cerr << "teleport encode: " << st.to_string() << "\n";
      return 1;
    }
    std::cout << to_hex(frame) << "\n";
    ++count;
  }
  if (!ec) parser.finish(ec);
  if (ec && !(count > 0 && ec == boost::json::error::incomplete)) {
    std::cerr << "teleport encode: bad JSON input: " << ec.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_codec_commands(CLI::App& app) {
  auto decode_opts = std::make_shared<ProtoOptions>();
  auto hex = std::make_shared<std::string>();
  auto* decode =
      app.add_subcommand("decode", "print raw-protocol frames (hex or stdin bytes) as JSON lines");
  decode->add_option("--hex", *hex,
                     "the frame(s) as hex; without it, raw bytes are read from stdin");
  decode_opts->add_to(*decode);
  decode->callback([=] {
    std::string bytes;
    if (!hex->empty()) {
      if (!from_hex(*hex, bytes)) {
        std::cerr << "teleport decode: --hex is not valid hex\n";
        throw CLI::RuntimeError(1);
      }
    } else {
      bytes = read_all_stdin();
    }
    if (const int rc = decode_frames(*decode_opts, bytes); rc != 0) throw CLI::RuntimeError(rc);
  });

  auto encode_opts = std::make_shared<ProtoOptions>();
  auto* encode = app.add_subcommand(
      "encode", "read message JSON objects from stdin and print each frame as hex");
  encode_opts->add_to(*encode);
  encode->callback([=] {
    if (const int rc = encode_messages(*encode_opts->make(), read_all_stdin()); rc != 0)
      throw CLI::RuntimeError(rc);
  });
}

}  // namespace tp::cli
