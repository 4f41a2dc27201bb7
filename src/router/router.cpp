#include "teleport/router.hpp"

#include <algorithm>
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

struct RouteTable::Entry {
  std::string path;
  Route route;
};

struct RouteTable::Snapshot {
  std::vector<const Entry*> calls;  // sorted by path
  std::vector<const Entry*> pushes;
  const Route* unknown_call = nullptr;
  const Route* unknown_push = nullptr;

  std::vector<const Entry*>& of(MsgType type) { return type == MsgType::kCall ? calls : pushes; }
  const std::vector<const Entry*>& of(MsgType type) const {
    return type == MsgType::kCall ? calls : pushes;
  }
  // The entry routed at `path`, or null.
  static const Entry* find_in(const std::vector<const Entry*>& sorted, std::string_view path) {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), path,
                               [](const Entry* e, std::string_view p) { return e->path < p; });
    return it != sorted.end() && (*it)->path == path ? *it : nullptr;
  }
};

RouteTable::RouteTable() {
  history_.push_back(std::make_unique<Snapshot>());
  current_.store(history_.back().get(), std::memory_order_release);
}

RouteTable::~RouteTable() = default;

template <class Edit>
void RouteTable::publish(Edit edit) {
  // A copy per change: adding n routes costs O(n^2) pointers in all (4 MB for a thousand
  // routes), kept so that a lookup never needs a lock or a reference count.
  auto next = std::make_unique<Snapshot>(current());
  edit(*next);
  current_.store(next.get(), std::memory_order_release);
  history_.push_back(std::move(next));
}

std::vector<RouteInfo> RouteTable::list() const {
  std::vector<RouteInfo> out;
  const Snapshot& now = current();
  for (MsgType type : {MsgType::kCall, MsgType::kPush}) {
    for (const Entry* e : now.of(type)) {
      out.push_back({e->path, type == MsgType::kCall ? "call" : "push", e->route.arg_type,
                     e->route.reply_type});
    }
  }
  return out;
}

Status RouteTable::add(MsgType type, std::string service_method, Route route) {
  {
    std::lock_guard lock(writer_mutex_);
    if (Snapshot::find_in(current().of(type), service_method)) {
      return Status::from_code(code::kInvalidOp, std::string(msg_type_name(type)) + " route " +
                                                     service_method + " is already registered");
    }
    const Entry* entry = &entries_.emplace_back(Entry{service_method, std::move(route)});
    publish([&](Snapshot& next) {
      auto& sorted = next.of(type);
      sorted.insert(
          std::lower_bound(sorted.begin(), sorted.end(), entry,
                           [](const Entry* a, const Entry* b) { return a->path < b->path; }),
          entry);
    });
  }
  // The hooks run without the lock (a plugin may announce the route to remote peers, which may
  // call it at once).
  if (Status st =
          run_hooks({peer_plugins_}, &Plugin::post_reg, std::string_view(service_method), type);
      !st.ok()) {
    std::lock_guard lock(writer_mutex_);
    publish([&](Snapshot& next) {
      auto& sorted = next.of(type);
      std::erase_if(sorted, [&](const Entry* e) { return e->path == service_method; });
    });
    return st;
  }
  return {};
}

const Route* RouteTable::find(MsgType type, std::string_view path) const {
  const Snapshot& routes = current();
  if (const Entry* e = Snapshot::find_in(routes.of(type), path)) return &e->route;
  return type == MsgType::kCall ? routes.unknown_call : routes.unknown_push;
}

bool RouteTable::routed_as_other_type(MsgType type, std::string_view path) const {
  const MsgType other = type == MsgType::kCall ? MsgType::kPush : MsgType::kCall;
  return Snapshot::find_in(current().of(other), path) != nullptr;
}

void RouteTable::set_unknown(MsgType type, Route route) {
  std::lock_guard lock(writer_mutex_);
  const bool set = route.handler || route.async;
  const Route* stored = set ? &entries_.emplace_back(Entry{"", std::move(route)}).route : nullptr;
  publish([&](Snapshot& next) {
    (type == MsgType::kCall ? next.unknown_call : next.unknown_push) = stored;
  });
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
  Route route{nullptr, std::move(handler),       plugins_,
              false,   std::move(opts.arg_type), std::move(opts.reply_type)};
  route.plugins.insert(route.plugins.end(), opts.plugins.begin(), opts.plugins.end());
  return table_->add(MsgType::kCall, service_method_of(path), std::move(route));
}

Status RouteGroup::add(MsgType type, std::string path, Handler handler, RouteOptions opts) {
  Route route{std::move(handler),        nullptr, plugins_, opts.blocking, std::move(opts.arg_type),
              std::move(opts.reply_type)};
  route.plugins.insert(route.plugins.end(), opts.plugins.begin(), opts.plugins.end());
  return table_->add(type, service_method_of(path), std::move(route));
}

}  // namespace tp
