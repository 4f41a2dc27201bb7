#include "teleport/router.hpp"

#include <cctype>

namespace tp {
namespace {

// eRPC's name folding: "__" stands for a literal '_', a single '_' becomes the separator
// (and, as in Go, where `last` starts as NUL, a leading '_' is dropped).
std::string fold_underscores(std::string_view name, char sep) {
  std::string out;
  char last = '\0';
  for (char c : name) {
    if (last == '_') {
      if (c == '_') {
        last = '\0';
        continue;
      }
      out.back() = sep;
    }
    if (last == '\0' && c == '_') continue;
    last = c;
    out += c;
  }
  return out;
}

// goutil.SnakeString: an upper-case letter after a lower-case run starts a new word.
std::string snake(std::string_view s) {
  std::string out;
  bool after_lower = false;
  for (char c : s) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (after_lower) out += '_';
      after_lower = false;
    } else if (c != '_') {
      after_lower = true;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, from.size()) == from) {
      out += to;
      i += from.size();
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace

std::string map_service_method(std::string_view name, NameStyle style) {
  if (style == NameStyle::kRpc) return fold_underscores(name, '.');
  std::string out = "/";
  out += replace_all(replace_all(snake(fold_underscores(name, '/')), "__", "_"), "/_", "/");
  return out;
}

Status RouteTable::add(MsgType type, std::string service_method, Route route) {
  auto& table = type == MsgType::kCall ? calls_ : pushes_;
  {
    std::unique_lock lock(mutex_);
    table.insert_or_assign(service_method, std::move(route));
  }
  // The hooks run without the lock (a plugin may announce the route to remote peers, which may
  // call it at once).
  if (Status st =
          run_hooks({peer_plugins_}, &Plugin::post_reg, std::string_view(service_method), type);
      !st.ok()) {
    std::unique_lock lock(mutex_);
    table.erase(service_method);
    return st;
  }
  return {};
}

const Route* RouteTable::find(MsgType type, const std::string& path) const {
  std::shared_lock lock(mutex_);
  const auto& table = type == MsgType::kCall ? calls_ : pushes_;
  if (auto it = table.find(path); it != table.end()) return &it->second;
  const Route& unknown = type == MsgType::kCall ? unknown_call_ : unknown_push_;
  return unknown.handler || unknown.async ? &unknown : nullptr;
}

bool RouteTable::routed_as_other_type(MsgType type, const std::string& path) const {
  std::shared_lock lock(mutex_);
  return (type == MsgType::kCall ? pushes_ : calls_).contains(path);
}

void RouteTable::set_unknown(MsgType type, Route route) {
  std::unique_lock lock(mutex_);
  (type == MsgType::kCall ? unknown_call_ : unknown_push_) = std::move(route);
}

RouteGroup RouteGroup::sub_route(std::string_view prefix, Plugins plugins) const {
  RouteGroup group(*table_);
  group.prefix_ = service_method_of(prefix);
  group.plugins_ = plugins_;
  group.plugins_.insert(group.plugins_.end(), plugins.begin(), plugins.end());
  return group;
}

std::string RouteGroup::service_method_of(std::string_view name) const {
  if (prefix_.empty()) return std::string(name);
  if (table_->style == NameStyle::kRpc) return prefix_ + "." + std::string(name);
  std::string out = prefix_;
  if (!out.empty() && out.back() == '/') out.pop_back();
  if (name.empty() || name.front() != '/') out += '/';
  return out + std::string(name);
}

Status RouteGroup::route_call_async(std::string path, AsyncHandler handler, RouteOptions opts) {
  Route route{nullptr, std::move(handler), plugins_, false};
  route.plugins.insert(route.plugins.end(), opts.plugins.begin(), opts.plugins.end());
  return table_->add(MsgType::kCall, service_method_of(path), std::move(route));
}

Status RouteGroup::add(MsgType type, std::string path, Handler handler, RouteOptions opts) {
  Route route{std::move(handler), nullptr, plugins_, opts.blocking};
  route.plugins.insert(route.plugins.end(), opts.plugins.begin(), opts.plugins.end());
  return table_->add(type, service_method_of(path), std::move(route));
}

}  // namespace tp
