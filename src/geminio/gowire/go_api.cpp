// The public tp::geminio handles (the Go wire): each call goes to the connection's I/O thread; the
// blocking ones wait there for the async ones to complete.
#include <future>

#include "geminio/gowire/go_anchor.hpp"

namespace tp::geminio {
namespace {

Status on_io_thread_refused() {
  return Status(code::kInvalidOp, "geminio: a blocking call on the I/O thread",
                "use the async_ function there");
}

Status no_stream() { return Status::from_code(code::kConnClosed, "geminio: no stream"); }

// Runs `start(conn, done)` on the I/O thread and waits for `done`'s value.
template <class T, class Start>
T wait_for(const std::shared_ptr<detail::GoConn>& conn, Start start) {
  if (!conn) return T(no_stream());
  if (conn->on_io_thread()) return T(on_io_thread_refused());
  // (Once closed, the I/O thread may be gone: nothing posted would run.)
  if (!conn->open()) return T(Status::from_code(code::kConnClosed, "geminio: connection closed"));
  auto promise = std::make_shared<std::promise<T>>();
  auto result = promise->get_future();
  conn->post([promise, start = std::move(start)](detail::GoConn& c) mutable {
    start(c, [promise](T v) { promise->set_value(std::move(v)); });
  });
  return result.get();
}

}  // namespace

std::uint64_t Request::stream_id() const { return answer_->stream; }
const std::string& Request::method() const { return answer_->method_or_topic; }
const std::string& Request::data() const { return answer_->data; }
const std::string& Request::custom() const { return answer_->custom; }
void Request::reply(std::string data) { answer_->send(std::move(data), ""); }
void Request::fail(std::string error) {
  if (error.empty()) error = "error";  // an empty error text would read as success
  answer_->send("", std::move(error));
}

std::uint64_t Message::stream_id() const { return answer_->stream; }
const std::string& Message::topic() const { return answer_->method_or_topic; }
const std::string& Message::data() const { return answer_->data; }
const std::string& Message::custom() const { return answer_->custom; }
void Message::done() { answer_->send("", ""); }
void Message::error(std::string reason) {
  if (reason.empty()) reason = "error";
  answer_->send("", std::move(reason));
}

Stream::Stream(std::shared_ptr<detail::GoConn> conn, std::uint64_t id)
    : conn_(std::move(conn)), id_(id) {}

Stream::Stream(std::shared_ptr<detail::Anchor> anchor)
    : anchor_(std::move(anchor)), id_(gowire::kDefaultStream) {}

std::shared_ptr<detail::GoConn> Stream::conn() const { return anchor_ ? anchor_->conn() : conn_; }

Stream::executor_type Stream::get_executor() const { return conn()->context().get_executor(); }
std::string Stream::meta() const {
  auto c = conn();
  return c ? c->stream_info(id_).meta : "";
}
std::string Stream::peer() const {
  auto c = conn();
  return c ? c->stream_info(id_).peer : "";
}

void Stream::serve(std::string method, MethodHandler handler) {
  auto c = conn();
  if (!c) return;
  if (c->on_io_thread()) return c->serve(id_, std::move(method), std::move(handler));
  c->post([id = id_, m = std::move(method), h = std::move(handler)](detail::GoConn& c) mutable {
    c.serve(id, std::move(m), std::move(h));
  });
}

Status Stream::wait_methods(const std::vector<std::string>& methods,
                            std::chrono::milliseconds timeout) {
  return wait_for<Status>(conn(), [id = id_, methods, timeout](detail::GoConn& c, auto done) {
    c.wait_methods(id, methods, timeout, std::move(done));
  });
}

Result<std::string> Stream::call(const std::string& method, std::string data,
                                 std::chrono::milliseconds timeout) {
  return wait_for<Result<std::string>>(conn(), [id = id_, method, data = std::move(data), timeout](
                                                   detail::GoConn& c, auto done) mutable {
    c.call(id, method, std::move(data), timeout, std::move(done));
  });
}

void Stream::async_call(const std::string& method, std::string data,
                        std::chrono::milliseconds timeout,
                        std::function<void(Result<std::string>)> done) {
  auto c = conn();
  if (!c) return done(no_stream());
  if (c->on_io_thread()) return c->call(id_, method, std::move(data), timeout, std::move(done));
  c->post([id = id_, method, data = std::move(data), timeout,
           done = std::move(done)](detail::GoConn& c) mutable {
    c.call(id, method, std::move(data), timeout, std::move(done));
  });
}

void Stream::on_message(MessageHandler handler) {
  auto c = conn();
  if (!c) return;
  if (c->on_io_thread()) return c->set_message_handler(id_, std::move(handler));
  c->post([id = id_, h = std::move(handler)](detail::GoConn& c) mutable {
    c.set_message_handler(id, std::move(h));
  });
}

Status Stream::publish(OutMessage msg) {
  auto c = conn();
  if (c && c->on_io_thread()) return on_io_thread_refused();
  if (anchor_) {  // at-least-once: it may wait for a reconnect, so it waits here
    auto done = std::make_shared<std::promise<Status>>();
    auto result = done->get_future();
    anchor_->publish(std::move(msg), [done](Status st) { done->set_value(std::move(st)); });
    return result.get();
  }
  return wait_for<Status>(c,
                          [id = id_, msg = std::move(msg)](detail::GoConn& g, auto done) mutable {
                            g.publish(id, std::move(msg), std::move(done));
                          });
}

void Stream::async_publish(OutMessage msg, std::function<void(Status)> done) {
  if (anchor_) return anchor_->publish(std::move(msg), std::move(done));
  if (!conn_) return done(no_stream());
  if (conn_->on_io_thread()) return conn_->publish(id_, std::move(msg), std::move(done));
  conn_->post([id = id_, msg = std::move(msg), done = std::move(done)](detail::GoConn& c) mutable {
    c.publish(id, std::move(msg), std::move(done));
  });
}

void Stream::start_read(const Stream& s, std::vector<boost::asio::mutable_buffer> buffers,
                        Handler handler) {
  // (std::function needs a copyable callable; the handler is move-only.)
  auto h = std::make_shared<Handler>(std::move(handler));
  s.conn()->post([id = s.id_, b = std::move(buffers), h](detail::GoConn& c) mutable {
    c.read(id, std::move(b), std::move(*h));
  });
}

void Stream::start_write(const Stream& s, std::vector<boost::asio::const_buffer> buffers,
                         Handler handler) {
  auto h = std::make_shared<Handler>(std::move(handler));
  s.conn()->post([id = s.id_, bytes = detail::GoConn::take_write(buffers),
                  h](detail::GoConn& c) mutable { c.write(id, std::move(bytes), std::move(*h)); });
}

void Stream::close() {
  if (auto c = conn()) c->post([id = id_](detail::GoConn& g) { g.dismiss(id); });
}

Endpoint::~Endpoint() {
  anchor_->close();
  auto c = anchor_->conn();
  if (c->open()) c->post([](detail::GoConn& g) { g.disconnect(nullptr); });
}

std::uint64_t Endpoint::client_id() const { return anchor_->conn()->client_id(); }
std::string Endpoint::client_meta() const { return anchor_->conn()->client_meta(); }
std::string Endpoint::remote_address() const { return anchor_->conn()->remote_address(); }
Stream Endpoint::default_stream() const { return Stream(anchor_); }
bool Endpoint::is_open() const { return anchor_->conn()->open(); }

Result<Stream> Endpoint::open_stream(std::string meta, std::string peer,
                                     std::chrono::milliseconds timeout) {
  return wait_for<Result<Stream>>(anchor_->conn(), [meta = std::move(meta), peer = std::move(peer),
                                                    timeout](detail::GoConn& c, auto done) mutable {
    c.open_stream({.meta = std::move(meta), .peer = std::move(peer)}, timeout, std::move(done));
  });
}

void Endpoint::async_open_stream(std::string meta, std::string peer,
                                 std::chrono::milliseconds timeout,
                                 std::function<void(Result<Stream>)> done) {
  auto start = [meta = std::move(meta), peer = std::move(peer), timeout,
                done = std::move(done)](detail::GoConn& c) mutable {
    c.open_stream({.meta = std::move(meta), .peer = std::move(peer)}, timeout, std::move(done));
  };
  if (anchor_->conn()->on_io_thread()) return start(*anchor_->conn());
  anchor_->conn()->post(std::move(start));
}

void Endpoint::on_stream(std::function<void(Stream)> fn) {
  if (anchor_->conn()->on_io_thread()) return anchor_->conn()->set_stream_handler(std::move(fn));
  anchor_->conn()->post(
      [fn = std::move(fn)](detail::GoConn& c) mutable { c.set_stream_handler(std::move(fn)); });
}

void Endpoint::on_closed(std::function<void(const Status&)> fn) {
  if (anchor_->conn()->on_io_thread()) return anchor_->conn()->add_closed_handler(std::move(fn));
  anchor_->conn()->post(
      [fn = std::move(fn)](detail::GoConn& c) mutable { c.add_closed_handler(std::move(fn)); });
}

Status Endpoint::close() {
  auto c = anchor_->conn();
  if (c->on_io_thread()) return on_io_thread_refused();
  anchor_->close();
  return wait_for<Status>(c, [](detail::GoConn& g, auto done) { g.disconnect(std::move(done)); });
}

}  // namespace tp::geminio
