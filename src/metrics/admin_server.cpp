// AdminServer: Boost.Beast HTTP/1.1 on its own thread and io_context.
#include "metrics/admin_server.hpp"

#include "metrics/debug_data.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <thread>

#include "teleport/xfer/filters.hpp"

namespace tp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t kHeaderLimit = 8 * 1024;    // a GET needs no more
constexpr auto kTimeout = std::chrono::seconds(5);  // to send the request, or to take the answer
constexpr auto kSamplePeriod = std::chrono::seconds(1);  // the charts' resolution
constexpr std::size_t kSamplesKept = 300;                // five minutes of them

// What the endpoint reads and keeps; lives on the admin thread.
struct AdminState {
  AdminSource source;
  MetricsHistory history{kSamplesKept};
};

http::response<http::string_body> answer(const http::request<http::empty_body>& req,
                                         const AdminState& state) {
  http::response<http::string_body> res;
  res.version(req.version());
  res.keep_alive(false);
  res.set(http::field::server, "teleport");
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const bool readable = req.method() == http::verb::get || req.method() == http::verb::head;
  std::optional<AdminPage> page;
  if (readable) page = admin_page(path, state.source, state.history);
  if (readable && !page) {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "not found: this endpoint serves GET " + std::string(kAdminPaths) + "\n";
  } else if (!readable) {
    // Every path refuses other methods, known or not: nothing here changes state.
    res.result(http::status::method_not_allowed);
    res.set(http::field::allow, "GET, HEAD");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "method not allowed: GET only\n";
  } else {
    res.result(http::status::ok);
    res.set(http::field::content_type, page->content_type);
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(page->body);
    // Prometheus asks for gzip: a scrape of many routes shrinks about tenfold.
    const auto accept = req[http::field::accept_encoding];
    if (std::string_view(accept.data(), accept.size()).find("gzip") != std::string_view::npos) {
      static const auto gzip = make_gzip_filter();
      std::string packed;
      if (gzip->pack(res.body(), packed).ok()) {
        res.body() = std::move(packed);
        res.set(http::field::content_encoding, "gzip");
      }
    }
    if (req.method() == http::verb::head) {
      res.content_length(res.body().size());
      res.body().clear();
      return res;
    }
  }
  res.prepare_payload();
  return res;
}

// One connection: read a request (within kTimeout), answer, close.
class AdminConnection : public std::enable_shared_from_this<AdminConnection> {
 public:
  AdminConnection(tcp::socket socket, const AdminState& state)
      : stream_(std::move(socket)), buffer_(kHeaderLimit), state_(state) {
    parser_.header_limit(kHeaderLimit);
    parser_.body_limit(0);  // a GET has no body; a request with one is refused
  }

  void start() {
    stream_.expires_after(kTimeout);
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (!ec) {
      res_ = answer(parser_.get(), state_);
    } else if (ec == http::error::header_limit || ec == http::error::body_limit ||
               ec == http::error::bad_target || ec == http::error::bad_method ||
               ec == http::error::bad_version) {
      res_ = {ec == http::error::header_limit ? http::status::request_header_fields_too_large
                                              : http::status::bad_request,
              11};
      res_.keep_alive(false);
      res_.body() = ec.message() + "\n";
      res_.prepare_payload();
    } else {
      return;  // timed out or gone: nothing to answer
    }
    stream_.expires_after(kTimeout);  // a reader that does not take the answer is dropped
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> res_;
  const AdminState& state_;  // the server's, which outlives its io_context's handlers
};

void accept_next(tcp::acceptor& acceptor, const AdminState& state) {
  acceptor.async_accept([&acceptor, &state](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    // Other errors (out of descriptors and the like): the next accept may work.
    if (!ec) std::make_shared<AdminConnection>(std::move(socket), state)->start();
    accept_next(acceptor, state);
  });
}

// Samples the history once a period, on the admin thread (the I/O threads never wait for it).
void sample_every_period(asio::steady_timer& timer, AdminState& state) {
  state.history.sample(state.source.latency_totals(), std::chrono::system_clock::now());
  timer.expires_after(kSamplePeriod);
  timer.async_wait([&timer, &state](boost::system::error_code ec) {
    if (!ec) sample_every_period(timer, state);
  });
}

}  // namespace

struct AdminServer::Impl {
  explicit Impl(AdminSource source) : state{.source = std::move(source)} {}
  AdminState state;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer sampler{io};
  std::thread thread;
};

Result<std::unique_ptr<AdminServer>> AdminServer::start(const std::string& address,
                                                        AdminSource source) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Status::bad_message("admin address '" + address + "': want HOST:PORT");
  }
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";  // ":9100": loopback unless a host is named
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  unsigned port = 0;
  try {
    port = static_cast<unsigned>(std::stoul(address.substr(colon + 1)));
  } catch (const std::exception&) {
    port = 70000;
  }
  if (ec || port > 65535) {
    return Status::bad_message("admin address '" + address + "': want IP:PORT");
  }
  auto impl = std::make_unique<Impl>(std::move(source));
  const tcp::endpoint endpoint(ip, static_cast<std::uint16_t>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::from_code(code::kDialFailed,
                             "admin endpoint on " + address + ": " + ec.message());
  }
  accept_next(impl->acceptor, impl->state);
  sample_every_period(impl->sampler, impl->state);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t AdminServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace tp::detail
