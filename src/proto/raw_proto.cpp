#include "teleport/proto/raw_proto.hpp"

#include <string>

#include "proto/byte_reader.hpp"
#include "proto/reply_error_v5.hpp"
#include "proto/seq_text.hpp"

namespace tp {
namespace {

constexpr std::size_t kLengthBytes = 4;
// Length field + xfer count: the smallest frame that is not obviously malformed.
constexpr std::uint32_t kMinFrame = kLengthBytes + 1;
constexpr std::size_t kMaxShortField = 255;
constexpr std::size_t kMaxLongField = 65535;

Status write_failed(std::string cause) { return Status::from_code(code::kWriteFailed, std::move(cause)); }

DecodeResult decode_error(Status st) { return {DecodeResult::Kind::kError, 0, std::move(st)}; }

std::string hex_byte(std::uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {'0', 'x', kHex[b >> 4], kHex[b & 15]};
}

}  // namespace

RawProto::RawProto(RawProtoOptions options) : options_(std::move(options)) {
  if (!options_.filters) {
    options_.filters = options_.version == RawVersion::kV5 ? XferRegistry::global_v5() : XferRegistry::global();
  }
}

std::uint8_t RawProto::id() const noexcept { return options_.version == RawVersion::kV5 ? 'r' : 6; }

std::string_view RawProto::name() const noexcept {
  return options_.version == RawVersion::kV5 ? "raw-v5" : "raw";
}

Status RawProto::encode_payload(const Message& msg, std::string& out) const {
  if (msg.service_method.size() > kMaxShortField) {
    return write_failed("raw proto: not support service method longer than 255");
  }
  const std::size_t seq_at = out.size();
  out += '\0';
  detail::append_seq_text(msg.seq, out);
  out[seq_at] = static_cast<char>(out.size() - seq_at - 1);
  out += static_cast<char>(msg.type);
  out += static_cast<char>(msg.service_method.size());
  out += msg.service_method;

  const bool v5 = options_.version == RawVersion::kV5;
  auto append_long_field = [&](auto&& fill, std::string_view what) -> Status {
    const std::size_t len_at = out.size();
    out.append(2, '\0');
    fill();
    const std::size_t n = out.size() - len_at - 2;
    if (n > kMaxLongField) return write_failed(std::string(what) + " longer than 65535 bytes");
    out[len_at] = static_cast<char>(n >> 8);
    out[len_at + 1] = static_cast<char>(n);
    return {};
  };
  if (!v5) {
    if (auto st = append_long_field([&] { msg.status.append_query(out); }, "status"); !st.ok()) return st;
  }
  auto fill_meta = [&] {
    msg.meta.append_encoded(out);
    if (v5 && !msg.status.ok() && !msg.meta.get(kReplyErrorMetaKey)) {
      if (!msg.meta.empty()) out += '&';
      out += kReplyErrorMetaKey;
      out += '=';
      append_escaped(detail::reply_error_json(msg.status), out);
    }
  };
  if (auto st = append_long_field(fill_meta, "meta"); !st.ok()) return st;
  out += static_cast<char>(msg.body_codec);
  out += msg.body;
  return {};
}

Status RawProto::encode(Message& msg, std::string& out) const {
  const std::size_t start = out.size();
  auto fail = [&](Status st) {
    out.resize(start);
    return st;
  };
  if (msg.xfer_pipe.size() > kMaxShortField) return fail(write_failed("xfer pipe longer than 255 filters"));
  out.append(kLengthBytes, '\0');
  out += static_cast<char>(msg.xfer_pipe.size());
  for (auto id : msg.xfer_pipe) out += static_cast<char>(id);

  if (msg.xfer_pipe.empty()) {
    if (auto st = encode_payload(msg, out); !st.ok()) return fail(std::move(st));
  } else {
    std::string payload;
    if (auto st = encode_payload(msg, payload); !st.ok()) return fail(std::move(st));
    std::string filtered;
    // Pack applies the filters last to first, so the reader undoes them first to last.
    for (auto it = msg.xfer_pipe.rbegin(); it != msg.xfer_pipe.rend(); ++it) {
      const XferFilter* filter = options_.filters->find(*it);
      if (!filter) return fail(write_failed("unknown xfer filter id " + hex_byte(*it)));
      if (auto st = filter->pack(payload, filtered); !st.ok()) return fail(write_failed(st.cause()));
      payload.swap(filtered);
    }
    out += payload;
  }
  const std::size_t size = out.size() - start;
  if (size > options_.size_limit) {
    return fail(write_failed("size of package exceeds limit: " + std::to_string(size) + " > " +
                             std::to_string(options_.size_limit)));
  }
  detail::store_be32(out.data() + start, static_cast<std::uint32_t>(size));
  msg.size = static_cast<std::uint32_t>(size);
  return {};
}

DecodeResult RawProto::decode(std::string_view bytes, Message& out) const {
  if (bytes.size() < kLengthBytes) return {};
  const std::uint32_t size = detail::load_be32(bytes.data());
  if (size > options_.size_limit) {
    return decode_error(Status::bad_message("frame size " + std::to_string(size) + " exceeds limit " +
                                            std::to_string(options_.size_limit)));
  }
  if (size < kMinFrame) {
    return decode_error(Status::bad_message("frame length " + std::to_string(size) + " below minimum 5"));
  }
  if (bytes.size() < size) return {};

  detail::ByteReader frame(bytes.substr(kLengthBytes, size - kLengthBytes));
  const std::uint8_t filters = *frame.u8();
  auto ids = frame.bytes(filters);
  if (!ids) return decode_error(Status::bad_message("xfer pipe of " + std::to_string(filters) + " ids overruns the frame"));
  out.xfer_pipe.assign(ids->begin(), ids->end());

  std::string_view payload = frame.rest();
  std::string unfiltered;
  if (!out.xfer_pipe.empty()) {
    std::string scratch;
    for (auto id : out.xfer_pipe) {
      const XferFilter* filter = options_.filters->find(id);
      if (!filter) return decode_error(Status::bad_message("unknown xfer filter id " + hex_byte(id)));
      if (auto st = filter->unpack(payload, scratch, options_.size_limit); !st.ok()) {
        return decode_error(Status::bad_message(std::string(filter->name()) + " filter: " + st.cause()));
      }
      unfiltered.swap(scratch);
      payload = unfiltered;
    }
  }
  if (auto st = decode_payload(payload, out); !st.ok()) return decode_error(std::move(st));
  out.size = size;
  return {DecodeResult::Kind::kMessage, size, {}};
}

Status RawProto::decode_payload(std::string_view payload, Message& out) const {
  detail::ByteReader r(payload);
  auto truncated = [](std::string_view field) {
    return Status::bad_message("truncated payload: no room for " + std::string(field));
  };

  auto seq_len = r.u8();
  if (!seq_len) return truncated("seq length");
  auto seq_text = r.bytes(*seq_len);
  if (!seq_text) return truncated("seq");
  auto seq = detail::parse_seq_text(*seq_text);
  if (!seq) return Status::bad_message("bad base-36 seq \"" + std::string(*seq_text) + "\"");
  out.seq = *seq;

  auto type = r.u8();
  if (!type) return truncated("message type");
  if (!is_valid_msg_type(*type)) return Status::bad_message("invalid message type " + std::to_string(*type));
  out.type = static_cast<MsgType>(*type);

  auto sm_len = r.u8();
  if (!sm_len) return truncated("service method length");
  auto sm = r.bytes(*sm_len);
  if (!sm) return truncated("service method");
  out.service_method.assign(*sm);

  out.status = Status();
  if (options_.version == RawVersion::kV7) {
    auto status_len = r.u16();
    if (!status_len) return truncated("status length");
    auto status = r.bytes(*status_len);
    if (!status) return truncated("status");
    if (auto st = Status::parse_query(*status, out.status); !st.ok()) return st;
  }

  auto meta_len = r.u16();
  if (!meta_len) return truncated("meta length");
  auto meta = r.bytes(*meta_len);
  if (!meta) return truncated("meta");
  if (auto st = Meta::decode(*meta, out.meta); !st.ok()) return st;
  if (options_.version == RawVersion::kV5) {
    if (auto err = out.meta.get(kReplyErrorMetaKey)) {
      if (auto st = detail::parse_reply_error_json(*err, out.status); !st.ok()) return st;
      out.meta.del(kReplyErrorMetaKey);
    }
  }

  auto codec = r.u8();
  if (!codec) return truncated("body codec");
  out.body_codec = *codec;
  out.body.assign(r.rest());
  return {};
}

}  // namespace tp
