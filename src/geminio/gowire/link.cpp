#include "geminio/gowire/link.hpp"

namespace tp::geminio::gowire {

Link::Link(Options options) : options_(std::move(options)) {}

Frame Link::reply_to(const Frame& f, Type type) const {
  Frame r;
  r.type = type;
  r.packet_id = f.packet_id;  // an answer reuses the ID of what it answers
  r.session_id = f.session_id;
  return r;
}

Frame Link::new_frame(Type type, std::uint64_t stream) {
  Frame f;
  f.type = type;
  f.packet_id = options_.next_id();
  f.session_id = stream;
  return f;
}

std::uint64_t Link::new_stream_id() {
  return options_.next_stream_id ? options_.next_stream_id() : options_.next_id();
}

void Link::answer_close(const Frame& f, Type ack_type, std::string ack_body, bool ours_sent,
                        std::vector<Frame>& out) {
  Frame ack = reply_to(f, ack_type);
  ack.body = std::move(ack_body);
  out.push_back(std::move(ack));
  if (ours_sent) return;
  Frame ours = new_frame(f.type, f.session_id);
  if (f.type == Type::kDismiss) ours.body = to_json(SessionData{});  // DISCONN has no payload
  out.push_back(std::move(ours));
}

bool Link::heartbeat_missed(Clock::time_point now) const {
  return options_.server && connected_ && now - last_heartbeat_ > 2 * heartbeat_period_;
}

Status Link::on_handshake(const Frame& f, Clock::time_point now, std::vector<Frame>& out,
                          std::vector<LinkEvent>& events) {
  using Kind = LinkEvent::Kind;
  if (connected_) return Status::bad_message("geminio: a second handshake");
  ConnData data;
  if (Status st = from_json(f.body, data); !st.ok()) return st;
  if (options_.server) {
    if (f.type != Type::kConn) return {};  // Go drops frames before CONN
    client_id_ = options_.client_id(f.client_id, data.meta);
    heartbeat_period_ = std::chrono::seconds(heartbeat_seconds(f.flags));
    last_heartbeat_ = now;
    Frame ack = reply_to(f, Type::kConnAck);
    ack.client_id = client_id_;
    ack.body = to_json(ConnData{});
    out.push_back(std::move(ack));
  } else {
    if (f.type != Type::kConnAck || f.packet_id != conn_packet_) return {};
    if (f.ret_code != 0) {
      events.push_back({.kind = Kind::kRefused, .data = {.error = data.error}});
      return Status::from_code(code::kUnauthorized, "geminio: connection refused: " + data.error);
    }
    client_id_ = f.client_id;
  }
  connected_ = true;
  streams_.insert(kDefaultStream);
  events.push_back({.kind = Kind::kConnected, .id = client_id_, .bytes = data.meta});
  return {};
}

Status Link::receive(const Frame& f, Clock::time_point now, std::vector<Frame>& out,
                     std::vector<LinkEvent>& events) {
  using Kind = LinkEvent::Kind;
  if (f.type == Type::kConn || f.type == Type::kConnAck || !connected_) {
    if (f.type == Type::kConn && !options_.server) return Status::bad_message("geminio: CONN");
    if (f.type == Type::kConnAck && options_.server)
      return Status::bad_message("geminio: CONN_ACK");
    if (f.type != Type::kConn && f.type != Type::kConnAck) return {};  // before the handshake
    return on_handshake(f, now, out, events);
  }
  // Frames for a stream that is not open are dropped without an answer, as Go drops them.
  const bool per_stream = f.type != Type::kDisconn && f.type != Type::kDisconnAck &&
                          f.type != Type::kHeartbeat && f.type != Type::kHeartbeatAck &&
                          f.type != Type::kSession && f.type != Type::kSessionAck;
  if (per_stream && !streams_.contains(f.session_id)) return {};
  switch (f.type) {
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
        e.kind = Kind::kUnserved;
        events.push_back(std::move(e));
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
      // The opener asks the server to choose the ID (sessionIDAcquire), else its negotiateID is
      // the ID; only a server chooses.
      const bool choose = options_.server && (f.flags & kSessionIdAcquire);
      const std::uint64_t id = choose ? new_stream_id() : f.negotiate_id;
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
    case Type::kSessionAck: {
      if (opening_.erase(f.negotiate_id) == 0) return {};  // not ours to accept: dropped
      // A server's ID is its own negotiateID; a client's comes from the server.
      const std::uint64_t id = options_.server ? f.negotiate_id : f.session_id;
      streams_.insert(id);
      events.push_back({.kind = Kind::kStreamAccepted, .stream = id, .packet_id = f.packet_id});
      return {};
    }
    case Type::kDismiss: {
      const bool ours_sent = dismissing_.erase(f.session_id) > 0;
      answer_close(f, Type::kDismissAck, to_json(SessionData{}), ours_sent, out);
      if (ours_sent) {
        streams_.erase(f.session_id);
        served_.erase(f.session_id);
      }
      events.push_back({.kind = Kind::kStreamClosed, .stream = f.session_id});
      return {};
    }
    case Type::kDismissAck:
      // Our DISMISS is acked: the stream ends once the peer's own DISMISS has been acked by us.
      if (!dismissing_.contains(f.session_id)) {
        streams_.erase(f.session_id);
        served_.erase(f.session_id);
      }
      return {};
    case Type::kDisconn:
      answer_close(f, Type::kDisconnAck, to_json(ConnData{}), disconnecting_, out);
      events.push_back({.kind = Kind::kDisconnected});
      return {};
    case Type::kDisconnAck:
    case Type::kRegisterAck:
    case Type::kHeartbeatAck:
    case Type::kRequestCancel:  // deadlines are local; Go never sends it either
      return {};
    case Type::kConn:
    case Type::kConnAck:
      break;  // handled above
  }
  return {};
}

Frame Link::connect(const std::string& meta, std::uint64_t wanted_id, std::uint32_t heartbeat_s) {
  Frame f = new_frame(Type::kConn);
  f.flags = conn_flags_for(heartbeat_s);
  f.client_id = wanted_id;
  f.body = to_json(ConnData{.meta = meta});
  conn_packet_ = f.packet_id;
  return f;
}

Frame Link::heartbeat() { return new_frame(Type::kHeartbeat); }

Frame Link::serve(std::uint64_t stream, const std::string& method) {
  served_[stream].insert(method);
  Frame f = new_frame(Type::kRegister, stream);
  f.body = method;
  return f;
}

Frame Link::open_stream(const SessionData& data) {
  Frame f = new_frame(Type::kSession);
  f.flags = options_.server ? 0 : kSessionIdAcquire;
  f.negotiate_id = new_stream_id();
  f.body = to_json(data);
  opening_.insert(f.negotiate_id);
  return f;
}

Frame Link::request(std::uint64_t stream, const std::string& method, std::string value,
                    GoTime deadline) {
  Frame f = new_frame(Type::kRequest, stream);
  MessageData d;
  d.key = method;
  d.value = std::move(value);
  d.context_deadline = deadline;  // as a Go caller's ctx with a timeout
  f.body = to_json(d);
  return f;
}

Frame Link::message(std::uint64_t stream, MessageData data) {
  Frame f = new_frame(Type::kMessage, stream);
  f.body = to_json(data);
  return f;
}

Frame Link::data(std::uint64_t stream, std::string bytes) {
  Frame f = new_frame(Type::kStream, stream);
  f.body = std::move(bytes);
  return f;
}

Frame Link::dismiss(std::uint64_t stream) {
  dismissing_.insert(stream);
  Frame f = new_frame(Type::kDismiss, stream);
  f.body = to_json(SessionData{});
  return f;
}

Frame Link::disconnect() {
  disconnecting_ = true;
  return new_frame(Type::kDisconn);
}

Frame Link::respond(std::uint64_t stream, std::uint64_t packet_id, const std::string& method,
                    const std::string& value, const std::string& error) const {
  Frame f = reply_to({.packet_id = packet_id, .session_id = stream}, Type::kResponse);
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

Frame Link::ack(std::uint64_t stream, std::uint64_t packet_id, const std::string& error) const {
  Frame f = reply_to({.packet_id = packet_id, .session_id = stream}, Type::kMessageAck);
  f.body = to_json(MessageData{.error = error});
  return f;
}

}  // namespace tp::geminio::gowire
