#include "teleport/proto/ws_sub_proto.hpp"

#include "proto/framing.hpp"

namespace tp {

WsSubProto::WsSubProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {
  options_.version = RawVersion::kV7;
}

Status WsSubProto::encode(Message& msg, std::string& out) const {
  auto fail = [](const std::string& cause) { return Status::from_code(code::kWriteFailed, cause); };
  if (msg.xfer_pipe.size() > 255) return fail("xfer pipe longer than 255 filters");
  std::string filtered;
  std::string_view body = msg.body;
  if (!msg.xfer_pipe.empty()) {
    filtered = msg.body;
    if (Status st = detail::pack_filters(*options_.filters, msg.xfer_pipe, filtered); !st.ok())
      return fail(st.cause());
    body = filtered;
  }
  const std::size_t start = out.size();
  if (Status st = write_message(msg, body, out); !st.ok()) {
    out.resize(start);
    return fail(st.cause());
  }
  const std::size_t size = out.size() - start;
  if (size > options_.size_limit) {
    out.resize(start);
    return fail("size of package exceeds limit: " + std::to_string(size) + " > " +
                std::to_string(options_.size_limit));
  }
  msg.size = static_cast<std::uint32_t>(size);
  return {};
}

DecodeResult WsSubProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult WsSubProto::decode_within(std::string_view bytes, Message& out,
                                       std::size_t unpack_limit) const {
  auto fail = [](Status st) { return DecodeResult{DecodeResult::Kind::kError, 0, std::move(st)}; };
  if (bytes.size() > options_.size_limit) {
    return fail(Status::bad_message(std::string(name()) + ": message of " +
                                    std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                                    std::to_string(options_.size_limit)));
  }
  std::string body;
  if (Status st = read_message(bytes, out, body); !st.ok()) return fail(std::move(st));
  if (out.xfer_pipe.size() > 255) {
    return fail(Status::bad_message(std::string(name()) + ": xfer pipe too long"));
  }
  std::string_view plain = body;
  std::string scratch;
  if (!out.xfer_pipe.empty()) {
    const std::size_t cap = std::min<std::size_t>(options_.size_limit, unpack_limit);
    if (Status st = detail::unpack_filters(*options_.filters, out.xfer_pipe, cap, plain, scratch);
        !st.ok()) {
      return fail(Status::bad_message(st.cause()));
    }
    out.body.assign(plain);
  } else {
    out.body = std::move(body);
  }
  out.size = static_cast<std::uint32_t>(bytes.size());
  return {DecodeResult::Kind::kMessage, bytes.size(), {}};
}

}  // namespace tp
