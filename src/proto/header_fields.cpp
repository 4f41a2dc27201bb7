#include "proto/header_fields.hpp"

#include "proto/reply_error_v5.hpp"

namespace tp::detail {

void append_meta_text(const Message& msg, RawVersion version, std::string& out) {
  msg.meta.append_encoded(out);
  if (version == RawVersion::kV5 && !msg.status.ok() && !msg.meta.get(kReplyErrorMetaKey)) {
    if (!msg.meta.empty()) out += '&';
    out += kReplyErrorMetaKey;
    out += '=';
    append_escaped(reply_error_json(msg.status), out);
  }
}

Status read_meta(std::string_view text, RawVersion version, Message& out) {
  if (Status st = Meta::decode(text, out.meta); !st.ok()) return st;
  if (version == RawVersion::kV5) {
    out.status = Status();
    if (auto err = out.meta.get(kReplyErrorMetaKey)) {
      if (Status st = parse_reply_error_json(*err, out.status); !st.ok()) return st;
      out.meta.del(kReplyErrorMetaKey);
    }
  }
  return {};
}

Status read_msg_type(std::int64_t mtype, Message& out) {
  if (mtype < 0 || mtype > 255 || !is_valid_msg_type(static_cast<std::uint8_t>(mtype))) {
    return Status::bad_message("invalid message type " + std::to_string(mtype));
  }
  out.type = static_cast<MsgType>(mtype);
  return {};
}

}  // namespace tp::detail
