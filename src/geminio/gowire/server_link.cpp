#include "geminio/gowire/server_link.hpp"

namespace tp::geminio::gowire {

ServerLink::ServerLink(Options options) : options_(std::move(options)) {}

Frame ServerLink::reply_to(const Frame& f, Type type) const {
  Frame r;
  r.type = type;
  r.packet_id = f.packet_id;  // an answer reuses the ID of what it answers
  r.session_id = f.session_id;
  return r;
}

void ServerLink::answer_close(const Frame& f, Type ack_type, std::string ack_body,
                              std::vector<Frame>& out) {
  Frame ack = reply_to(f, ack_type);
  ack.body = std::move(ack_body);
  out.push_back(std::move(ack));
  Frame ours;
  ours.type = f.type;
  ours.packet_id = options_.next_id();
  ours.session_id = f.session_id;
  if (f.type == Type::kDismiss) ours.body = to_json(SessionData{});  // DISCONN has no payload
  out.push_back(std::move(ours));
}

bool ServerLink::heartbeat_missed(Clock::time_point now) const {
  return connected_ && now - last_heartbeat_ > 2 * heartbeat_period_;
}

Status ServerLink::receive(const Frame& f, Clock::time_point now, std::vector<Frame>& out,
                           std::vector<LinkEvent>& events) {
  using Kind = LinkEvent::Kind;
  if (!connected_ && f.type != Type::kConn) return {};  // Go drops data frames before CONN
  // Frames for a stream that is not open are dropped without an answer, as Go drops them.
  const bool per_stream = f.type != Type::kConn && f.type != Type::kDisconn &&
                          f.type != Type::kDisconnAck && f.type != Type::kHeartbeat &&
                          f.type != Type::kSession && f.type != Type::kSessionAck;
  if (per_stream && !streams_.contains(f.session_id)) return {};
  switch (f.type) {
    case Type::kConn: {
      if (connected_) return Status::bad_message("geminio: a second CONN");
      ConnData data;
      if (Status st = from_json(f.body, data); !st.ok()) return st;
      client_id_ = options_.client_id(f.client_id, data.meta);
      connected_ = true;
      heartbeat_period_ = std::chrono::seconds(heartbeat_seconds(f.flags));
      last_heartbeat_ = now;
      streams_.insert(kDefaultStream);
      Frame ack = reply_to(f, Type::kConnAck);
      ack.client_id = client_id_;
      ack.body = to_json(ConnData{});
      out.push_back(std::move(ack));
      events.push_back({.kind = Kind::kConnected, .id = client_id_, .bytes = data.meta});
      return {};
    }
    case Type::kHeartbeat:
      last_heartbeat_ = now;
      out.push_back(reply_to(f, Type::kHeartbeatAck));
      return {};
    case Type::kRegister: {
      Frame ack = reply_to(f, Type::kRegisterAck);
      ack.body = to_json(RegisterData{});
      out.push_back(std::move(ack));
      events.push_back({.kind = Kind::kRegistered, .stream = f.session_id, .method = f.body});
      return {};
    }
    case Type::kRequest: {
      LinkEvent e{.kind = Kind::kRequest, .stream = f.session_id, .packet_id = f.packet_id};
      if (Status st = from_json(f.body, e.data); !st.ok()) return st;
      e.method = e.data.key;
      const auto served = served_.find(f.session_id);
      if (served == served_.end() || !served->second.contains(e.method)) {
        out.push_back(respond(f.session_id, f.packet_id, e.method, "", "no such rpc: " + e.method));
        return {};
      }
      events.push_back(std::move(e));
      return {};
    }
    case Type::kMessage:
    case Type::kResponse:
    case Type::kMessageAck: {
      LinkEvent e{.kind = f.type == Type::kMessage    ? Kind::kMessage
                          : f.type == Type::kResponse ? Kind::kResponse
                                                      : Kind::kMessageAcked,
                  .stream = f.session_id,
                  .packet_id = f.packet_id};
      if (Status st = from_json(f.body, e.data); !st.ok()) return st;
      events.push_back(std::move(e));
      return {};
    }
    case Type::kStream:
      events.push_back({.kind = Kind::kStreamData, .stream = f.session_id, .bytes = f.body});
      return {};
    case Type::kSession: {
      SessionData data;
      if (Status st = from_json(f.body, data); !st.ok()) return st;
      // A client asks us to choose the ID (sessionIDAcquire); otherwise its negotiateID is it.
      const std::uint64_t id = (f.flags & kSessionIdAcquire) ? options_.next_id() : f.negotiate_id;
      if (id == 0 || streams_.contains(id))
        return Status::bad_message("geminio: SESSION for a stream ID in use");
      streams_.insert(id);
      Frame ack = reply_to(f, Type::kSessionAck);
      ack.negotiate_id = f.negotiate_id;
      ack.session_id = id;
      ack.body = to_json(SessionData{});
      out.push_back(std::move(ack));
      events.push_back({.kind = Kind::kStreamOpened, .stream = id, .session = std::move(data)});
      return {};
    }
    case Type::kDismiss:
      answer_close(f, Type::kDismissAck, to_json(SessionData{}), out);
      events.push_back({.kind = Kind::kStreamClosed, .stream = f.session_id});
      return {};
    case Type::kDismissAck:
      streams_.erase(f.session_id);
      served_.erase(f.session_id);
      return {};
    case Type::kDisconn:
      answer_close(f, Type::kDisconnAck, to_json(ConnData{}), out);
      events.push_back({.kind = Kind::kDisconnected});
      return {};
    case Type::kSessionAck:
      if (opening_.erase(f.negotiate_id) == 0) return {};  // not ours to accept: dropped
      streams_.insert(f.negotiate_id);
      events.push_back({.kind = Kind::kStreamAccepted, .stream = f.negotiate_id});
      return {};
    case Type::kDisconnAck:
    case Type::kRegisterAck:
    case Type::kHeartbeatAck:
    case Type::kRequestCancel:  // deadlines are local; Go never sends it either
      return {};
    case Type::kConnAck:
      return Status::bad_message("geminio: a client sent CONN_ACK");
  }
  return Status::bad_message("geminio: unknown frame type");
}

Frame ServerLink::serve(std::uint64_t stream, const std::string& method) {
  served_[stream].insert(method);
  Frame f;
  f.type = Type::kRegister;
  f.packet_id = options_.next_id();
  f.session_id = stream;
  f.body = method;
  return f;
}

Frame ServerLink::open_stream(const SessionData& data) {
  Frame f;
  f.type = Type::kSession;
  f.packet_id = options_.next_id();
  f.negotiate_id = options_.next_id();
  f.body = to_json(data);
  opening_.insert(f.negotiate_id);
  return f;
}

Frame ServerLink::respond(std::uint64_t stream, std::uint64_t packet_id, const std::string& method,
                          const std::string& value, const std::string& error) const {
  Frame f;
  f.type = Type::kResponse;
  f.packet_id = packet_id;
  f.session_id = stream;
  MessageData d;
  d.key = method;
  if (error.empty()) {
    d.value = value;
  } else {
    d.error = error;  // Go sends no data with an error
  }
  f.body = to_json(d);
  return f;
}

Frame ServerLink::ack(std::uint64_t stream, std::uint64_t packet_id,
                      const std::string& error) const {
  Frame f;
  f.type = Type::kMessageAck;
  f.packet_id = packet_id;
  f.session_id = stream;
  MessageData d;
  d.error = error;
  f.body = to_json(d);
  return f;
}

}  // namespace tp::geminio::gowire
