// etcd targets, service key prefixes, and the JSON value a backend is registered with.
#include <boost/json.hpp>
#include <charconv>

#include "teleport/etcd.hpp"

#include "etcd/json_text.hpp"

namespace tp::etcd {
namespace {

constexpr std::string_view kScheme = "etcd://";

Status bad_target(std::string_view target, std::string why) {
  return Status::bad_message("etcd target '" + std::string(target) + "': " + std::move(why) +
                             " (want etcd://HOST:PORT[,HOST:PORT...]/SERVICE)");
}

bool valid_port(std::string_view text) {
  unsigned port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port > 0 && port <= 65535;
}

// "host:port" or "[v6]:port".
bool valid_endpoint(std::string_view ep) {
  const auto colon = ep.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view host = ep.substr(0, colon);
  if (host.front() == '[' && host.back() != ']') return false;
  for (char c : host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@') return false;
  }
  return valid_port(ep.substr(colon + 1));
}

}  // namespace

Result<Target> parse_target(std::string_view target) {
  // Several members share one authority ("h1:2379,h2:2379"), which a URL parser reads as one
  // host with a bad port: the target is split here, each piece checked on its own.
  if (!target.starts_with(kScheme)) return bad_target(target, "not an etcd:// target");
  std::string_view rest = target.substr(kScheme.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad_target(target, "no /SERVICE");
  Target out;
  std::string_view hosts = rest.substr(0, slash);
  if (hosts.empty()) return bad_target(target, "no etcd member");
  for (std::size_t from = 0;;) {
    const auto comma = hosts.find(',', from);
    std::string_view ep = hosts.substr(from, comma - from);
    if (!valid_endpoint(ep)) return bad_target(target, "bad member '" + std::string(ep) + "'");
    out.endpoints.emplace_back(ep);
    if (comma == std::string_view::npos) break;
    from = comma + 1;
  }
  std::string_view service = rest.substr(slash + 1);
  while (service.ends_with('/')) service.remove_suffix(1);
  if (service.empty()) return bad_target(target, "no service name");
  for (char c : service) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '?' || c == '#' || c == 0x7f) {
      return bad_target(target, "the service name has a space, control character, ? or #");
    }
  }
  out.service = std::string(service);
  return out;
}

std::string service_prefix(std::string_view service) {
  return std::string(kKeyPrefix) + std::string(service) + "/";
}

Result<std::string> encode_backend(const Backend& backend) {
  if (backend.addr.empty()) return Status::bad_message("a backend needs an address");
  if (backend.weight < 1) return Status::bad_message("a backend's weight must be at least 1");
  std::string text = boost::json::serialize(
      boost::json::object{{"addr", backend.addr}, {"weight", backend.weight}});
  if (!backend.meta.empty()) {
    boost::system::error_code ec;
    boost::json::value meta = boost::json::parse(backend.meta, ec);
    if (ec || !meta.is_object()) {
      return Status::bad_message("a backend's meta must be a JSON object: " +
                                 (ec ? ec.message() : std::string("not an object")));
    }
    // Written as text, not from the parsed value: its numbers stay as they were written.
    text.pop_back();  // the object's '}'
    text += ",\"meta\":" + detail::canonical_json(backend.meta) + "}";
  }
  return text;
}

Result<Backend> decode_backend(std::string_view value) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(value, ec);
  if (ec) return Status::bad_message("not JSON: " + ec.message());
  const auto* obj = v.if_object();
  if (!obj) return Status::bad_message("not a JSON object");
  Backend out;
  const auto* addr = obj->if_contains("addr");
  if (!addr || !addr->is_string() || addr->as_string().empty()) {
    return Status::bad_message("no \"addr\" string");
  }
  out.addr = std::string(addr->as_string());
  if (const auto* weight = obj->if_contains("weight")) {
    if (!weight->is_int64() || weight->as_int64() < 1 || weight->as_int64() > 10000) {
      return Status::bad_message("\"weight\" is not an integer from 1 to 10000");
    }
    out.weight = static_cast<int>(weight->as_int64());
  }
  if (const auto* meta = obj->if_contains("meta"); meta && !meta->is_null()) {
    if (!meta->is_object()) return Status::bad_message("\"meta\" is not an object");
    // The last "meta", as in the parsed object; its numbers as written.
    out.meta = detail::canonical_member(value, "meta").value_or(std::string());
  }
  return out;
}

}  // namespace tp::etcd
