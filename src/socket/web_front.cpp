#include "socket/web_front.hpp"

#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/url/parse.hpp>
#include <system_error>

namespace tp::detail {

namespace http = boost::beast::http;

WebRequest classify_web_request(std::string_view first, std::string_view ws_path,
                                const std::string& web_root) {
  constexpr std::string_view kGet = "GET ";
  if (first.size() < kGet.size())
    return kGet.starts_with(first) ? WebRequest::kNeedMore : WebRequest::kNotOurs;
  if (!first.starts_with(kGet)) return WebRequest::kNotOurs;
  const std::size_t end = first.substr(0, kWebHeadLimit).find("\r\n\r\n");
  if (end == std::string_view::npos)
    return first.size() < kWebHeadLimit ? WebRequest::kNeedMore : WebRequest::kNotOurs;
  http::request_parser<http::empty_body> parser;
  parser.header_limit(kWebHeadLimit);
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(first.data(), end + 4), ec);
  if (ec || !parser.is_header_done()) return WebRequest::kNotOurs;
  const auto& req = parser.get();
  const std::string_view target(req.target().data(), req.target().size());
  if (boost::beast::websocket::is_upgrade(req))
    return target.substr(0, target.find('?')) == ws_path ? WebRequest::kUpgrade
                                                         : WebRequest::kNotOurs;
  if (!web_root.empty() && find_web_file(web_root, target)) return WebRequest::kFile;
  return WebRequest::kNotOurs;
}

std::optional<std::filesystem::path> find_web_file(const std::string& web_root,
                                                   std::string_view target) {
  namespace fs = std::filesystem;
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  fs::path relative;
  for (const std::string segment : url->segments()) {  // percent-decoded
    if (segment.empty()) continue;                     // "//" and a trailing "/"
    if (segment == "." || segment == ".." ||
        segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
      return std::nullopt;
    relative /= segment;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(web_root, ec);
  if (ec) return std::nullopt;
  fs::path file = root / relative;
  if (fs::is_directory(file, ec)) file /= "index.html";
  file = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(file, ec)) return std::nullopt;
  // Symbolic links may point anywhere: the file must still be under the root.
  const auto [r, f] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (r != root.end()) return std::nullopt;
  return file;
}

std::string_view web_content_type(const std::filesystem::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ts") return "text/plain; charset=utf-8";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace tp::detail
