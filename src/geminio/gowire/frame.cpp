#include "geminio/gowire/frame.hpp"

namespace tp::geminio::gowire {

namespace {

std::uint64_t read_be(std::string_view b, std::size_t at, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
  return v;
}

void write_be(std::uint64_t v, std::size_t n, std::string& out) {
  for (std::size_t i = n; i-- > 0;) out += static_cast<char>(v >> (8 * i) & 0xff);
}

// The fixed fields in front of the body, by type; -1: an unknown type.
int fixed_size(Type t) {
  switch (t) {
    case Type::kConn:
      return 10;  // flags, 0, wantedClientID
    case Type::kConnAck:
      return 9;  // retCode, clientID
    case Type::kDisconn:
    case Type::kHeartbeat:
    case Type::kHeartbeatAck:
      return 0;
    case Type::kDisconnAck:
      return 1;  // retCode
    case Type::kSession:
      return 10;  // priority, flags2, negotiateID
    case Type::kSessionAck:
      return 18;  // 0, 0, negotiateID, sessionID
    case Type::kRequestCancel:
      return 10;  // sessionID, cancelType
    case Type::kDismiss:
    case Type::kDismissAck:
    case Type::kMessage:
    case Type::kMessageAck:
    case Type::kStream:
    case Type::kRequest:
    case Type::kResponse:
    case Type::kRegister:
    case Type::kRegisterAck:
      return 8;  // sessionID
  }
  return -1;
}

bool header_only(Type t) {
  return t == Type::kDisconn || t == Type::kHeartbeat || t == Type::kHeartbeatAck;
}

}  // namespace

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kConn:
      return "CONN";
    case Type::kConnAck:
      return "CONN_ACK";
    case Type::kDisconn:
      return "DISCONN";
    case Type::kDisconnAck:
      return "DISCONN_ACK";
    case Type::kHeartbeat:
      return "HEARTBEAT";
    case Type::kHeartbeatAck:
      return "HEARTBEAT_ACK";
    case Type::kSession:
      return "SESSION";
    case Type::kSessionAck:
      return "SESSION_ACK";
    case Type::kDismiss:
      return "DISMISS";
    case Type::kDismissAck:
      return "DISMISS_ACK";
    case Type::kMessage:
      return "MESSAGE";
    case Type::kMessageAck:
      return "MESSAGE_ACK";
    case Type::kStream:
      return "STREAM";
    case Type::kRequest:
      return "REQUEST";
    case Type::kResponse:
      return "RESPONSE";
    case Type::kRequestCancel:
      return "REQUEST_CANCEL";
    case Type::kRegister:
      return "REGISTER";
    case Type::kRegisterAck:
      return "REGISTER_ACK";
  }
  return "UNKNOWN";
}

std::uint32_t heartbeat_seconds(std::uint8_t conn_flags) {
  std::uint32_t s = 5;
  for (int k = (conn_flags >> 4) & 3; k > 0; --k) s *= 4;
  return s;
}

std::uint8_t conn_flags_for(std::uint32_t seconds) {
  std::uint8_t k = 0;
  for (std::uint32_t s = 20; k < 3 && seconds >= s; s *= 4) ++k;
  return static_cast<std::uint8_t>(kClientIdAcquire | k << 4);
}

bool has_json(Type t) {
  return !header_only(t) && t != Type::kStream && t != Type::kRegister &&
         t != Type::kRequestCancel && fixed_size(t) >= 0;
}

DecodeOutcome decode_frame(std::string_view bytes, std::size_t limit, Frame& out) {
  using Kind = DecodeOutcome::Kind;
  const auto fail = [](std::string why) {
    return DecodeOutcome{Kind::kError, 0, Status::bad_message("geminio: " + why)};
  };
  if (bytes.size() >= 2 && fixed_size(static_cast<Type>(bytes[1])) < 0)
    return fail("unknown frame type " + std::to_string(static_cast<unsigned char>(bytes[1])));
  if (bytes.size() < kHeaderSize) return {};
  const auto type = static_cast<Type>(bytes[1]);
  const std::size_t len = read_be(bytes, 10, 4);
  // Checked from the header alone, before the payload is waited for.
  if (len > limit)
    return fail(std::string(type_name(type)) + " payload of " + std::to_string(len) +
                " bytes is past the limit of " + std::to_string(limit));
  const auto fixed = static_cast<std::size_t>(fixed_size(type));
  if (header_only(type) && len != 0)
    return fail(std::string(type_name(type)) + " carries a payload (Go reads none)");
  if (len < fixed || (has_json(type) && len == fixed))
    return fail(std::string(type_name(type)) + " payload of " + std::to_string(len) +
                " bytes is too short");
  if (bytes.size() < kHeaderSize + len) return {};
  const std::string_view p = bytes.substr(kHeaderSize, len);
  out = Frame{};
  out.version = static_cast<std::uint8_t>(bytes[0]);
  out.type = type;
  out.packet_id = read_be(bytes, 2, 8);
  switch (type) {
    case Type::kConn:
      out.flags = static_cast<std::uint8_t>(p[0]);
      out.client_id = read_be(p, 2, 8);
      break;
    case Type::kConnAck:
      out.ret_code = static_cast<std::uint8_t>(p[0]);
      out.client_id = read_be(p, 1, 8);
      break;
    case Type::kDisconnAck:
      out.ret_code = static_cast<std::uint8_t>(p[0]);
      break;
    case Type::kSession:
      out.priority = static_cast<std::uint8_t>(p[0]);
      out.flags = static_cast<std::uint8_t>(p[1]);
      out.negotiate_id = read_be(p, 2, 8);
      break;
    case Type::kSessionAck:
      out.negotiate_id = read_be(p, 2, 8);
      out.session_id = read_be(p, 10, 8);
      break;
    case Type::kRequestCancel:
      out.session_id = read_be(p, 0, 8);
      out.cancel_type = static_cast<std::uint16_t>(read_be(p, 8, 2));
      break;
    case Type::kDisconn:
    case Type::kHeartbeat:
    case Type::kHeartbeatAck:
      break;
    default:
      out.session_id = read_be(p, 0, 8);
  }
  out.body.assign(p.substr(fixed));
  return {Kind::kFrame, kHeaderSize + len, {}};
}

void encode_frame(const Frame& f, std::string& out) {
  out += static_cast<char>(f.version);
  out += static_cast<char>(f.type);
  write_be(f.packet_id, 8, out);
  const std::size_t length_at = out.size();
  write_be(0, 4, out);
  const std::size_t payload_at = out.size();
  switch (f.type) {
    case Type::kConn:
      out += static_cast<char>(f.flags);
      out += '\0';
      write_be(f.client_id, 8, out);
      break;
    case Type::kConnAck:
      out += static_cast<char>(f.ret_code);
      write_be(f.client_id, 8, out);
      break;
    case Type::kDisconnAck:
      out += static_cast<char>(f.ret_code);
      break;
    case Type::kSession:
      out += static_cast<char>(f.priority);
      out += static_cast<char>(f.flags);
      write_be(f.negotiate_id, 8, out);
      break;
    case Type::kSessionAck:
      out.append(2, '\0');
      write_be(f.negotiate_id, 8, out);
      write_be(f.session_id, 8, out);
      break;
    case Type::kRequestCancel:
      write_be(f.session_id, 8, out);
      write_be(f.cancel_type, 2, out);
      break;
    case Type::kDisconn:
    case Type::kHeartbeat:
    case Type::kHeartbeatAck:
      break;
    default:
      write_be(f.session_id, 8, out);
  }
  if (!header_only(f.type)) out += f.body;
  const std::size_t len = out.size() - payload_at;
  for (std::size_t i = 0; i < 4; ++i)
    out[length_at + i] = static_cast<char>(len >> (8 * (3 - i)) & 0xff);
}

}  // namespace tp::geminio::gowire
