// `teleport stats ADDR`: a peer's routes table, read from its admin endpoint's
// /debug/metrics.json (the peer runs with PeerConfig::admin_address, or `serve --admin`).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"

namespace tp::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// GET http://addr/debug/metrics.json within `timeout`; the body, or why not.
bool fetch(const std::string& addr, std::chrono::milliseconds timeout, std::string& body,
           std::string& why) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    why = "want HOST:PORT, got '" + addr + "'";
    return false;
  }
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  auto endpoints =
      asio::ip::tcp::resolver(io).resolve(addr.substr(0, colon), addr.substr(colon + 1), ec);
  if (!ec) {
    stream.expires_after(timeout);
    stream.connect(endpoints, ec);
  }
  http::request<http::empty_body> req{http::verb::get, "/debug/metrics.json", 11};
  req.set(http::field::host, addr);
  if (!ec) http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (!ec) http::read(stream, buffer, parser, ec);
  if (ec) {
    why = addr + ": " + ec.message();
    return false;
  }
  if (parser.get().result() != http::status::ok) {
    why = addr + " answered " + std::to_string(parser.get().result_int()) +
          " (is it a teleport admin endpoint?)";
    return false;
  }
  body = std::move(parser.get().body());
  return true;
}

std::string ms(const boost::json::value& seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds.to_number<double>() * 1000);
  return buf;
}

int run_stats(const std::string& addr, int timeout_ms) {
  std::string body, why;
  if (!fetch(addr, std::chrono::milliseconds(timeout_ms), body, why)) {
    std::cerr << "teleport stats: " << why << "\n";
    return exit_code::kDialFailed;
  }
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object() || !doc.as_object().contains("routes")) {
    std::cerr << "teleport stats: " << addr << " sent no metrics JSON\n";
    return exit_code::kBadInput;
  }
  const auto& sessions = doc.at("sessions").as_object();
  std::printf("sessions: %lld open, %lld accepted, %lld dialed\n",
              static_cast<long long>(sessions.at("open").to_number<double>()),
              static_cast<long long>(sessions.at("accepted").to_number<double>()),
              static_cast<long long>(sessions.at("dialed").to_number<double>()));
  std::printf("%-32s %-8s %10s %8s %9s %10s %10s %10s\n", "ROUTE", "SIDE", "CALLS", "ERRORS",
              "IN FLIGHT", "P50 ms", "P99 ms", "MAX ms");
  for (const auto& r : doc.at("routes").as_array()) {
    const auto& o = r.as_object();
    std::uint64_t errors = 0;
    for (const auto& [code, n] : o.at("replies_by_code").as_object()) {
      if (code != "0") errors += n.to_number<std::uint64_t>();
    }
    const auto& lat = o.at("latency").as_object();
    const std::string route = o.at("route").as_string().empty()
                                  ? std::string("(no route)")
                                  : std::string(o.at("route").as_string());
    std::printf("%-32s %-8s %10llu %8llu %9lld %10s %10s %10s\n", route.c_str(),
                std::string(o.at("side").as_string()).c_str(),
                static_cast<unsigned long long>(o.at("calls").to_number<std::uint64_t>()),
                static_cast<unsigned long long>(errors),
                static_cast<long long>(o.at("in_flight").to_number<std::int64_t>()),
                ms(lat.at("p50")).c_str(), ms(lat.at("p99")).c_str(), ms(lat.at("max")).c_str());
  }
  return exit_code::kOk;
}

}  // namespace

void add_stats_command(CLI::App& app) {
  auto* stats = app.add_subcommand(
      "stats", "print the routes table of the peer whose admin endpoint is ADDR (serve --admin)");
  auto addr = std::make_shared<std::string>();
  auto timeout_ms = std::make_shared<int>(5000);
  stats->add_option("addr", *addr, "the admin endpoint, HOST:PORT")->required();
  stats->add_option("--timeout", *timeout_ms, "how long to wait, in milliseconds (default 5000)");
  stats->callback([addr, timeout_ms] {
    if (const int rc = run_stats(*addr, *timeout_ms); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace tp::cli
