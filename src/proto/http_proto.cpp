#include "teleport/proto/http_proto.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <sstream>

#include "teleport/codec/codec.hpp"

namespace tp {
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kSeqHeader = "X-Teleport-Seq";
constexpr std::string_view kMtypeHeader = "X-Teleport-Mtype";
constexpr std::string_view kStatusHeader = "X-Teleport-Status";

std::string_view content_type_of(std::uint8_t codec) {
  switch (codec) {
    case codec_id::kJson:
      return "application/json";
    case codec_id::kPlain:
      return "text/plain; charset=utf-8";
    case codec_id::kForm:
      return "application/x-www-form-urlencoded";
    case codec_id::kProtobuf:
      return "application/x-protobuf";
    default:
      return "application/octet-stream";
  }
}

std::uint8_t codec_of(std::string_view content_type, bool has_body) {
  const std::string_view type = content_type.substr(0, content_type.find(';'));
  if (type == "application/json") return codec_id::kJson;
  if (type == "application/x-www-form-urlencoded") return codec_id::kForm;
  if (type == "application/x-protobuf" || type == "application/protobuf")
    return codec_id::kProtobuf;
  if (type == "text/plain" || (type.empty() && has_body)) return codec_id::kPlain;
  return has_body ? codec_id::kPlain : codec_id::kNone;
}

http::status http_status_of(const Status& st) {
  if (st.ok()) return http::status::ok;
  switch (st.code()) {
    case code::kBadMessage:
      return http::status::bad_request;
    case code::kUnauthorized:
      return http::status::unauthorized;
    case code::kNotFound:
      return http::status::not_found;
    case code::kMtypeNotAllowed:
      return http::status::method_not_allowed;
    case code::kHandleTimeout:
      return http::status::request_timeout;
    case code::kBadGateway:
      return http::status::bad_gateway;
    default:
      return http::status::internal_server_error;
  }
}

// Headers that describe the HTTP exchange itself, not the message's meta.
bool is_transport_header(http::field f, std::string_view name) {
  switch (f) {
    case http::field::content_length:
    case http::field::content_type:
    case http::field::host:
    case http::field::connection:
    case http::field::transfer_encoding:
    case http::field::user_agent:
    case http::field::accept:
      return true;
    default:
      return name.size() >= 11 && boost::beast::iequals(name.substr(0, 11), "X-Teleport-");
  }
}

template <class Fields>
void put_meta(const Meta& meta, Fields& fields) {
  for (const auto& [k, v] : meta.pairs()) {
    // A key that is not an HTTP token cannot be a header: it is percent-encoded instead.
    std::string name;
    append_escaped(k, name);
    fields.insert(name, v);
  }
}

template <class Fields>
Status read_common(const Fields& fields, std::string_view body, Message& out) {
  out.meta.clear();
  for (const auto& field : fields) {
    if (is_transport_header(field.name(), field.name_string())) continue;
    out.meta.add(std::string(field.name_string()), std::string(field.value()));
  }
  if (auto it = fields.find(kSeqHeader); it != fields.end()) {
    const auto text = it->value();
    std::int32_t seq = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
    if (ec != std::errc() || end != text.data() + text.size())
      return Status::bad_message("http: bad X-Teleport-Seq");
    out.seq = seq;
  } else {
    out.seq = 0;
  }
  const auto ct = fields.find(http::field::content_type);
  out.body_codec = codec_of(ct == fields.end() ? std::string_view() : std::string_view(ct->value()),
                            !body.empty());
  out.body.assign(body);
  out.xfer_pipe.clear();
  return {};
}

template <class Parser>
DecodeResult run_parser(Parser& parser, std::uint32_t size_limit, std::string_view bytes,
                        std::size_t& used) {
  parser.body_limit(size_limit);
  parser.header_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  used = 0;
  while (!parser.is_done()) {
    const std::size_t n =
        parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) return {};
    if (ec) return {DecodeResult::Kind::kError, 0, Status::bad_message("http: " + ec.message())};
    if (n == 0) return {};
  }
  return {DecodeResult::Kind::kMessage, used, {}};
}

}  // namespace

HttpProto::HttpProto(RawProtoOptions options) : options_(std::move(options)) {}

Status HttpProto::encode(Message& msg, std::string& out) const {
  if (!msg.xfer_pipe.empty())
    return Status::from_code(code::kWriteFailed, "http proto: transfer filters are not supported");
  std::ostringstream text;
  if (msg.type == MsgType::kReply || msg.type == MsgType::kAuthReply) {
    http::response<http::string_body> res{http_status_of(msg.status), 11};
    put_meta(msg.meta, res);
    res.set(kSeqHeader, std::to_string(msg.seq));
    if (msg.status.ok()) {
      res.set(http::field::content_type, content_type_of(msg.body_codec));
      res.body() = msg.body;
    } else {
      res.set(kStatusHeader, msg.status.to_query());
      res.set(http::field::content_type, "application/json");
      boost::json::object err{{"code", msg.status.code()}, {"msg", msg.status.msg()}};
      if (msg.status.has_cause()) err["cause"] = msg.status.cause();
      res.body() = boost::json::serialize(err);
    }
    res.prepare_payload();
    text << res;
  } else {
    http::request<http::string_body> req{http::verb::post,
                                         msg.service_method.empty() ? "/" : msg.service_method, 11};
    put_meta(msg.meta, req);
    req.set(kSeqHeader, std::to_string(msg.seq));
    if (msg.type == MsgType::kPush) req.set(kMtypeHeader, "push");
    req.set(http::field::content_type, content_type_of(msg.body_codec));
    req.body() = msg.body;
    req.prepare_payload();
    text << req;
  }
  const std::string frame = std::move(text).str();
  if (frame.size() > options_.size_limit)
    return Status::from_code(code::kWriteFailed, "size of package exceeds limit");
  out += frame;
  msg.size = static_cast<std::uint32_t>(frame.size());
  return {};
}

DecodeResult HttpProto::decode(std::string_view bytes, Message& out) const {
  std::size_t used = 0;
  if (bytes.substr(0, std::min<std::size_t>(bytes.size(), 5)) ==
      std::string_view("HTTP/").substr(0, std::min<std::size_t>(bytes.size(), 5))) {
    if (bytes.size() < 5) return {};
    http::response_parser<http::string_body> parser;
    DecodeResult r = run_parser(parser, options_.size_limit, bytes, used);
    if (r.kind != DecodeResult::Kind::kMessage) return r;
    const auto& res = parser.get();
    out.type = MsgType::kReply;
    out.service_method.clear();
    if (Status st = read_common(res, res.body(), out); !st.ok())
      return {DecodeResult::Kind::kError, 0, st};
    out.status = Status();
    if (auto it = res.find(kStatusHeader); it != res.end()) {
      if (Status st = Status::parse_query(it->value(), out.status); !st.ok())
        return {DecodeResult::Kind::kError, 0, st};
      out.body.clear();
      out.body_codec = codec_id::kNone;
    } else if (res.result_int() >= 300) {
      out.status = Status(static_cast<std::int32_t>(res.result_int()), std::string(res.reason()));
    }
    out.size = static_cast<std::uint32_t>(used);
    return r;
  }
  http::request_parser<http::string_body> parser;
  DecodeResult r = run_parser(parser, options_.size_limit, bytes, used);
  if (r.kind != DecodeResult::Kind::kMessage) return r;
  const auto& req = parser.get();
  const auto mtype = req.find(kMtypeHeader);
  out.type = mtype != req.end() && mtype->value() == "push" ? MsgType::kPush : MsgType::kCall;
  out.service_method.assign(req.target());
  out.status = Status();
  if (Status st = read_common(req, req.body(), out); !st.ok())
    return {DecodeResult::Kind::kError, 0, st};
  out.size = static_cast<std::uint32_t>(used);
  return r;
}

Probe HttpProto::probe(std::string_view first) const {
  // A request line's method and its space: decided on the whole token only, so that the answer
  // never depends on how many bytes the first read happened to get.
  bool maybe = false;
  for (std::string_view method :
       {"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH "}) {
    if (first.starts_with(method)) return Probe::kYes;
    if (method.starts_with(first)) maybe = true;
  }
  return maybe ? Probe::kNeedMore : Probe::kNo;
}

}  // namespace tp
