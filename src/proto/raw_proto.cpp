#include "teleport/proto/raw_proto.hpp"

#include <string>

#include "proto/byte_reader.hpp"
#include "proto/framing.hpp"
#include "proto/header_fields.hpp"
#include "proto/seq_text.hpp"

namespace tp {
namespace {

constexpr std::size_t kMaxShortField = 255;
constexpr std::size_t kMaxLongField = 65535;

Status write_failed(std::string cause) {
  return Status::from_code(code::kWriteFailed, std::move(cause));
}

DecodeResult decode_error(Status st) { return {DecodeResult::Kind::kError, 0, std::move(st)}; }

}  // namespace

RawProto::RawProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {}

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
    if (auto st = append_long_field([&] { msg.status.append_query(out); }, "status"); !st.ok())
      return st;
  }
  auto fill_meta = [&] { detail::append_meta_text(msg, options_.version, out); };
  if (auto st = append_long_field(fill_meta, "meta"); !st.ok()) return st;
  out += static_cast<char>(msg.body_codec);
  out += msg.body;
  return {};
}

Status RawProto::encode(Message& msg, std::string& out) const {
  return detail::Framing(true, options_.size_limit, options_.filters.get())
      .encode(
          msg.xfer_pipe, [&](std::string& payload) { return encode_payload(msg, payload); }, out,
          msg.size);
}

DecodeResult RawProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult RawProto::decode_within(std::string_view bytes, Message& out,
                                     std::size_t unpack_limit) const {
  std::string_view payload;
  std::string scratch;
  DecodeResult r = detail::Framing(true, options_.size_limit, options_.filters.get())
                       .decode(bytes, out.xfer_pipe, payload, scratch, unpack_limit);
  if (r.kind != DecodeResult::Kind::kMessage) return r;
  if (auto st = decode_payload(payload, out); !st.ok()) return decode_error(std::move(st));
  out.size = static_cast<std::uint32_t>(r.consumed);
  return r;
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
  if (auto st = detail::read_msg_type(*type, out); !st.ok()) return st;

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
  if (auto st = detail::read_meta(*meta, options_.version, out); !st.ok()) return st;

  auto codec = r.u8();
  if (!codec) return truncated("body codec");
  out.body_codec = *codec;
  out.body.assign(r.rest());
  return {};
}

Probe RawProto::probe(std::string_view first) const {
  if (first.size() < 6) return Probe::kNeedMore;
  // Unfiltered, the sixth byte is the length of the seq's decimal text, and a connection's first
  // frame has a small seq (1 to 7 digits). A filtered frame is left to the configured protocol.
  if (first[4] != 0) return Probe::kNo;
  const auto b = static_cast<unsigned char>(first[5]);
  return b >= 1 && b <= 7 ? Probe::kYes : Probe::kNo;
}

}  // namespace tp
