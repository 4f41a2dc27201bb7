// WsStream over Boost.Beast (kept in this file: its templates are heavy to compile).
#include "socket/ws_stream.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

#include "socket/web_front.hpp"

namespace tp::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {
using Done = WsStream::Done;
}  // namespace

struct WsStream::Impl {
  virtual ~Impl() = default;
  virtual void handshake(const std::string& host, const std::string& target, Done done) = 0;
  virtual void accept(WsAcceptOptions options, Done done) = 0;
  virtual void read_some(
      asio::mutable_buffer room,
      std::function<void(boost::system::error_code, std::size_t, bool)> done) = 0;
  virtual void write(std::string_view message,
                     std::function<void(boost::system::error_code)> done) = 0;
  virtual void close(std::uint16_t code, std::string_view reason, Done done) = 0;
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

  void accept(WsAcceptOptions options, Done done) override {
    options_ = std::move(options);
    parser_.emplace();
    parser_->header_limit(kWebHeadLimit);
    parser_->body_limit(0);
    // Bytes protocol detection read before it saw an HTTP request.
    const std::string& read = options_.already_read;
    buffer_.commit(asio::buffer_copy(buffer_.prepare(read.size()), asio::buffer(read)));
    http::async_read(
        ws_.next_layer(), buffer_, *parser_,
        [this, done = std::move(done)](boost::system::error_code ec, std::size_t) mutable {
          if (ec) return done(ec);
          answer(parser_->get(), std::move(done));
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

  void close(std::uint16_t code, std::string_view reason, Done done) override {
    websocket::close_reason why(static_cast<websocket::close_code>(code));
    why.reason.assign(reason.data(), std::min<std::size_t>(reason.size(), why.reason.max_size()));
    ws_.async_close(why, std::move(done));
  }

 private:
  void answer(const http::request<http::empty_body>& req, Done done) {
    const std::string_view target(req.target().data(), req.target().size());
    if (!websocket::is_upgrade(req)) {
      if (req.method() == http::verb::get && !options_.web_root.empty()) {
        if (auto file = find_web_file(options_.web_root, target))
          return serve_file(*file, std::move(done));
        return refuse(http::status::not_found, "not found\n", WsFront::kNotFound, std::move(done));
      }
      return refuse(http::status::bad_request, "not a WebSocket upgrade\n", WsFront::kNotUpgrade,
                    std::move(done));
    }
    if (target.substr(0, target.find('?')) != options_.path) {
      return refuse(http::status::not_found,
                    "no WebSocket endpoint here; it is at " + options_.path + "\n",
                    WsFront::kNotFound, std::move(done));
    }
    if (options_.check) {
      WsHandshake seen{target, options_.remote, {}};
      for (const auto& field : req)
        seen.headers.emplace_back(
            std::string_view(field.name_string().data(), field.name_string().size()),
            std::string_view(field.value().data(), field.value().size()));
      if (Status st = options_.check(seen); !st.ok()) {
        return refuse(
            st.code() == code::kUnauthorized ? http::status::unauthorized : http::status::forbidden,
            st.to_string() + "\n", WsFront::kRefused, std::move(done));
      }
    }
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "teleport"); }));
    ws_.async_accept(req, std::move(done));
  }

  // Answers with `status` and `body`, then fails the accept with `why`.
  void refuse(http::status status, std::string body, WsFront why, Done done) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::content_type, "text/plain; charset=utf-8");
    res->body() = std::move(body);
    send_and_fail(std::move(res), why, std::move(done));
  }

  // Answers with the file, then fails the accept with kServedFile (the connection closes).
  void serve_file(const std::filesystem::path& path, Done done) {
    auto res = std::make_shared<http::response<http::file_body>>(http::status::ok, 11);
    boost::system::error_code ec;
    res->body().open(path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      return refuse(http::status::not_found, "not found\n", WsFront::kNotFound, std::move(done));
    }
    res->set(http::field::content_type, web_content_type(path));
    res->set(http::field::cache_control, "no-cache");
    send_and_fail(std::move(res), WsFront::kServedFile, std::move(done));
  }

  // Writes `res` as the connection's only answer, then fails the accept with `why`.
  template <class Body>
  void send_and_fail(std::shared_ptr<http::response<Body>> res, WsFront why, Done done) {
    res->set(http::field::server, "teleport");
    res->keep_alive(false);
    res->prepare_payload();
    auto& message = *res;
    http::async_write(ws_.next_layer(), message,
                      [res = std::move(res), why, done = std::move(done)](
                          boost::system::error_code, std::size_t) { done(make_error_code(why)); });
  }

  websocket::stream<Next> ws_;
  WsAcceptOptions options_;
  beast::flat_buffer buffer_;  // the upgrade request
  std::optional<http::request_parser<http::empty_body>> parser_;
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

void WsStream::accept(WsAcceptOptions options, Done done) {
  impl_->accept(std::move(options), std::move(done));
}

void WsStream::close(std::uint16_t code, std::string_view reason, Done done) {
  impl_->close(code, reason, std::move(done));
}

const boost::system::error_category& ws_front_category() {
  struct Category final : boost::system::error_category {
    const char* name() const noexcept override { return "teleport.ws_front"; }
    std::string message(int e) const override {
      switch (static_cast<WsFront>(e)) {
        case WsFront::kNotFound:
          return "answered 404: no WebSocket endpoint or file at that path";
        case WsFront::kNotUpgrade:
          return "answered 400: not a WebSocket upgrade";
        case WsFront::kRefused:
          return "refused by a pre_websocket_handshake plugin";
        case WsFront::kServedFile:
          return "served a file";
      }
      return "unknown";
    }
  };
  static const Category category;
  return category;
}

void WsStream::read_some(asio::mutable_buffer room,
                         std::function<void(boost::system::error_code, std::size_t, bool)> done) {
  impl_->read_some(room, std::move(done));
}

void WsStream::write(std::string_view message,
                     std::function<void(boost::system::error_code)> done) {
  impl_->write(message, std::move(done));
}

}  // namespace tp::detail
