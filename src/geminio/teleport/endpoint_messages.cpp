// EndpointImpl's messages: publishing with acknowledgment (the outbox of unacknowledged
// messages), delivery with deduplication, acks, receive and message handlers.
#include <boost/asio/post.hpp>

#include "geminio/teleport/mux.hpp"
#include "geminio/teleport/wire.hpp"

namespace tp::geminio::teleport::detail {
namespace asio = boost::asio;
using boost::system::error_code;

void EndpointImpl::publish(std::uint64_t stream, OutMessage msg, std::function<void(Status)> done) {
  Lock lock(mutex_);
  if (closed_) {
    asio::post(executor, [done = std::move(done)] {
      done(Status::from_code(code::kConnClosed, "endpoint closed"));
    });
    return;
  }
  auto s = find(stream);
  // The default stream's bytes reset with a lost connection; its messages wait for the next.
  if (!s || (stream != 0 && s->reset_reason)) {
    asio::post(executor, [done = std::move(done)] {
      done(Status::from_code(code::kConnClosed, "stream closed"));
    });
    return;
  }
  const std::uint64_t id = ++next_message_id_;
  EndpointCounters::bump(
      counts->published[std::min<std::size_t>(static_cast<std::size_t>(msg.delivery), 2)]);
  Pending& p = outbox_[id];
  p.stream = stream;
  p.msg = std::move(msg);
  p.done = std::move(done);
  if (p.msg.timeout.count() > 0) {
    p.timer = std::make_unique<asio::steady_timer>(executor, p.msg.timeout);
    p.timer->async_wait([weak = weak_from_this(), id](error_code ec) {
      if (auto self = weak.lock(); self && !ec) {
        self->finish_pending(id,
                             Status::from_code(code::kHandleTimeout, "not acknowledged in time"));
      }
    });
  }
  if (session_) {
    send_message(session_, id, p);
  } else if (p.msg.delivery == Delivery::kAtMostOnce || stream != 0) {
    lock.unlock();
    finish_pending(id, Status::from_code(code::kConnClosed, "not connected"));
  }  // else: kept, and sent when the client is back
}

void EndpointImpl::send_message(const std::shared_ptr<Session>& session, std::uint64_t id,
                                const Pending& p) {
  Meta m = wire::stream_meta(p.stream);
  m.add(wire::kIdKey, std::to_string(id));
  if (!p.msg.topic.empty()) m.add(wire::kTopicKey, p.msg.topic);
  if (!p.msg.custom.empty()) m.add(wire::kCustomKey, p.msg.custom);
  m.add(wire::kDeliveryKey, std::to_string(static_cast<int>(p.msg.delivery)));
  send_to(session, wire::kMessage, std::move(m), p.msg.payload);
}

void EndpointImpl::finish_pending(std::uint64_t id, Status st) {
  Lock lock(mutex_);
  auto it = outbox_.find(id);
  if (it == outbox_.end()) return;
  Pending p = std::move(it->second);
  outbox_.erase(it);
  lock.unlock();
  if (st.code() == code::kHandleTimeout) EndpointCounters::bump(counts->timed_out);
  if (p.timer) p.timer->cancel();
  if (p.done) p.done(std::move(st));
}

void EndpointImpl::on_ack(std::uint64_t id, std::optional<std::string> error) {
  EndpointCounters::bump(error ? counts->rejected : counts->acks_done);
  finish_pending(id,
                 error ? Status(code::kInternalServerError, "message rejected", *error) : Status());
}

void EndpointImpl::on_message(std::uint64_t stream, std::uint64_t id, std::string topic,
                              std::string payload, std::string custom, Delivery delivery) {
  if (delivery == Delivery::kEffectivelyOnce) {
    std::optional<std::string> verdict;
    if (!mux->options.dedup->first_sight(client_id, id, verdict)) {
      EndpointCounters::bump(counts->duplicates);
      // A duplicate: answered with the verdict it got, or not at all while it is still pending.
      if (verdict) {
        InboundState again;
        again.stream = stream;
        again.id = id;
        acknowledge(again, verdict->empty() ? std::nullopt : verdict);
      }
      return;
    }
  }
  auto state = std::make_shared<InboundState>();
  state->endpoint = weak_from_this();
  state->stream = stream;
  state->id = id;
  state->topic = std::move(topic);
  state->payload = std::move(payload);
  state->custom = std::move(custom);
  state->delivery = delivery;
  EndpointCounters::bump(counts->received[static_cast<std::size_t>(delivery)]);
  Lock lock(mutex_);
  auto s = find(stream);
  if (!s || (stream != 0 && s->reset_reason))
    return;  // its stream is gone: the publisher sees that
  if (s->on_message) {
    MessageHandler handler = s->on_message;
    lock.unlock();
    handler(Inbound(state));
    return;
  }
  s->inbox.emplace_back(state);
  s->inbox_cv.notify_one();
}

void EndpointImpl::acknowledge(const InboundState& in, std::optional<std::string> error) {
  if (in.delivery == Delivery::kEffectivelyOnce) {
    mux->options.dedup->record(client_id, in.id, error.value_or(""));
  }
  Meta m = wire::stream_meta(in.stream);
  m.add(wire::kIdKey, std::to_string(in.id));
  if (error) m.add(wire::kErrorKey, *error);
  EndpointCounters::bump(counts->acks_sent);
  Lock lock(mutex_);
  send(wire::kAck, std::move(m));  // lost with the connection: the publisher re-sends
}

std::optional<Inbound> EndpointImpl::receive(const std::shared_ptr<StreamImpl>& s,
                                             std::chrono::milliseconds timeout) {
  Lock lock(mutex_);
  s->inbox_cv.wait_for(lock, timeout, [&] {
    return closed_ || (s->id != 0 && s->reset_reason) || !s->inbox.empty();
  });
  if (s->inbox.empty()) return std::nullopt;
  Inbound in = std::move(s->inbox.front());
  s->inbox.pop_front();
  return in;
}

void EndpointImpl::set_message_handler(const std::shared_ptr<StreamImpl>& s,
                                       MessageHandler handler) {
  Lock lock(mutex_);
  s->on_message = std::move(handler);
  // Messages that were already queued go to the handler too.
  auto queued = std::move(s->inbox);
  s->inbox.clear();
  MessageHandler h = s->on_message;
  lock.unlock();
  for (auto& in : queued) h(std::move(in));
}

}  // namespace tp::geminio::teleport::detail
