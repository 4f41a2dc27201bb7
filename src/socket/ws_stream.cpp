// WsStream over Boost.Beast (kept in this file: its templates are heavy to compile).
#include "socket/ws_stream.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

namespace tp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {
constexpr std::uint32_t kHeaderLimit = 8 * 1024;  // an upgrade request needs no more
using Done = WsStream::Done;
}  // namespace

struct WsStream::Impl {
  virtual ~Impl() = default;
  virtual void handshake(const std::string& host, const std::string& target, Done done) = 0;
  virtual void accept(const std::string& path, Done done) = 0;
  virtual void read_some(
      asio::mutable_buffer room,
      std::function<void(boost::system::error_code, std::size_t, bool)> done) = 0;
  virtual void write(std::string_view message,
                     std::function<void(boost::system::error_code)> done) = 0;
};

namespace {

template <class Next>
class WsOver final : public WsStream::Impl {
 public:
  WsOver(Next next, std::size_t max_message) : ws_(next) {
    ws_.binary(true);
    ws_.auto_fragment(false);
    ws_.read_message_max(max_message);
  }

  void handshake(const std::string& host, const std::string& target, Done done) override {
    // Go's x/net/websocket peers expect an Origin; any value serves.
    const std::string origin = "http://" + host;
    ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
      req.set(http::field::origin, origin);
      req.set(http::field::user_agent, "teleport");
    }));
    ws_.async_handshake(host, target, std::move(done));
  }

  void accept(const std::string& path, Done done) override {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(0);
    http::async_read(
        ws_.next_layer(), buffer_, *parser_,
        [this, path, done = std::move(done)](boost::system::error_code ec, std::size_t) mutable {
          if (ec) return done(ec);
          const auto& req = parser_->get();
          const std::string_view target(req.target().data(), req.target().size());
          if (!websocket::is_upgrade(req)) {
            return refuse(http::status::bad_request, "not a WebSocket upgrade\n", std::move(done));
          }
          if (target.substr(0, target.find('?')) != path) {
            return refuse(http::status::not_found,
                          "no WebSocket endpoint here; it is at " + path + "\n", std::move(done));
          }
          ws_.set_option(websocket::stream_base::decorator(
              [](websocket::response_type& res) { res.set(http::field::server, "teleport"); }));
          ws_.async_accept(req, std::move(done));
        });
  }

  void read_some(asio::mutable_buffer room,
                 std::function<void(boost::system::error_code, std::size_t, bool)> done) override {
    ws_.async_read_some(
        room, [this, done = std::move(done)](boost::system::error_code ec, std::size_t n) {
          done(ec, n, !ec && ws_.is_message_done());
        });
  }

  void write(std::string_view message,
             std::function<void(boost::system::error_code)> done) override {
    ws_.async_write(
        asio::buffer(message.data(), message.size()),
        [done = std::move(done)](boost::system::error_code ec, std::size_t) { done(ec); });
  }

 private:
  // Answers a request that is not an upgrade to our path, then fails the accept.
  void refuse(http::status status, std::string body, Done done) {
    refusal_.emplace(status, 11);
    refusal_->set(http::field::server, "teleport");
    refusal_->set(http::field::content_type, "text/plain; charset=utf-8");
    refusal_->keep_alive(false);
    refusal_->body() = std::move(body);
    refusal_->prepare_payload();
    http::async_write(
        ws_.next_layer(), *refusal_,
        [done = std::move(done), status](boost::system::error_code, std::size_t) {
          done(status == http::status::not_found
                   ? boost::system::errc::make_error_code(
                         boost::system::errc::no_such_file_or_directory)
                   : boost::system::errc::make_error_code(boost::system::errc::protocol_error));
        });
  }

  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;  // the upgrade request
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> refusal_;
};

}  // namespace

WsStream::WsStream(Socket& socket, asio::ssl::stream<Socket&>* tls, std::size_t max_message) {
  if (tls) {
    impl_ = std::make_unique<WsOver<asio::ssl::stream<Socket&>&>>(*tls, max_message);
  } else {
    impl_ = std::make_unique<WsOver<Socket&>>(socket, max_message);
  }
}

WsStream::~WsStream() = default;

void WsStream::handshake(const std::string& host, const std::string& target, Done done) {
  impl_->handshake(host, target, std::move(done));
}

void WsStream::accept(const std::string& path, Done done) { impl_->accept(path, std::move(done)); }

void WsStream::read_some(asio::mutable_buffer room,
                         std::function<void(boost::system::error_code, std::size_t, bool)> done) {
  impl_->read_some(room, std::move(done));
}

void WsStream::write(std::string_view message,
                     std::function<void(boost::system::error_code)> done) {
  impl_->write(message, std::move(done));
}

}  // namespace tp::detail
