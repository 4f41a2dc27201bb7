#include "teleport/message.hpp"

#include <boost/url/parse.hpp>

#include "message_path.hpp"

namespace tp {

std::string_view msg_type_name(MsgType type) noexcept {
  switch (type) {
    case MsgType::kCall:
      return "CALL";
    case MsgType::kReply:
      return "REPLY";
    case MsgType::kPush:
      return "PUSH";
    case MsgType::kAuthCall:
      return "AUTH_CALL";
    case MsgType::kAuthReply:
      return "AUTH_REPLY";
  }
  return "UNKNOWN";
}

bool is_valid_msg_type(std::uint8_t byte) noexcept { return byte >= 1 && byte <= 5; }

std::string Message::path() const {
  // Most service methods are a bare path: no query or fragment, nothing for Boost.URL to split.
  if (detail::is_bare_path(service_method)) return service_method;
  auto ref = boost::urls::parse_relative_ref(service_method);
  if (!ref) return std::string(service_method.substr(0, service_method.find('?')));
  return std::string(ref->encoded_path());
}

std::string_view Message::query() const {
  const auto q = service_method.find('?');
  return q == std::string::npos ? std::string_view()
                                : std::string_view(service_method).substr(q + 1);
}

}  // namespace tp
