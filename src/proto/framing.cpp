#include "proto/framing.hpp"

#include <algorithm>

namespace tp::detail {

std::string hex_byte(std::uint8_t b) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {'0', 'x', kHex[b >> 4], kHex[b & 15]};
}

RawProtoOptions with_default_filters(RawProtoOptions options) {
  if (!options.filters) {
    options.filters =
        options.version == RawVersion::kV5 ? XferRegistry::global_v5() : XferRegistry::global();
  }
  return options;
}

Status pack_filters(const XferRegistry& filters, const XferPipe& pipe, std::string& payload) {
  std::string filtered;
  // Pack applies the filters last to first, so the reader undoes them first to last.
  for (auto it = pipe.rbegin(); it != pipe.rend(); ++it) {
    const XferFilter* filter = filters.find(*it);
    if (!filter) return Status::bad_message("unknown xfer filter id " + hex_byte(*it));
    if (Status st = filter->pack(payload, filtered); !st.ok()) return st;
    payload.swap(filtered);
  }
  return {};
}

Status unpack_filters(const XferRegistry& filters, const XferPipe& pipe, std::size_t max_size,
                      std::string_view& payload, std::string& scratch) {
  std::string unfiltered;
  for (auto id : pipe) {
    const XferFilter* filter = filters.find(id);
    if (!filter) return Status::bad_message("unknown xfer filter id " + hex_byte(id));
    if (Status st = filter->unpack(payload, unfiltered, max_size); !st.ok()) {
      return Status::bad_message(std::string(filter->name()) + " filter: " + st.cause());
    }
    scratch.swap(unfiltered);
    payload = scratch;
  }
  return {};
}

std::string oversize_cause(std::string_view bytes, std::uint64_t size, std::uint64_t limit) {
  const std::string_view head = bytes.substr(0, std::min<std::size_t>(bytes.size(), 64));
  if (head.starts_with("HTTP/")) {
    const std::string line(head.substr(0, head.find_first_of("\r\n")));
    return "this looks like HTTP, not a Teleport frame: the remote side answered \"" + line +
           "\" (an HTTP server? use the http protocol or its HTTP port)";
  }
  for (std::string_view method :
       {"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH "}) {
    if (head.starts_with(method)) {
      return "this looks like an HTTP request, not a Teleport frame (\"" +
             std::string(head.substr(0, head.find_first_of("\r\n"))) +
             "\"): enable protocol detection or the http protocol";
    }
  }
  return "frame size " + std::to_string(size) + " exceeds limit " + std::to_string(limit);
}

Status Framing::pack(const XferPipe& pipe, std::string& payload) const {
  return pack_filters(*filters_, pipe, payload);
}

DecodeResult Framing::decode(std::string_view bytes, XferPipe& pipe, std::string_view& payload,
                             std::string& scratch, std::size_t unpack_limit) const {
  auto error = [](std::string cause) {
    return DecodeResult{DecodeResult::Kind::kError, 0, Status::bad_message(std::move(cause))};
  };
  if (bytes.size() < 4) return {};
  const std::uint32_t field = load_be32(bytes.data());
  // The whole frame in bytes, computed without overflow for either length convention.
  const std::uint64_t size = counts_itself_ ? field : std::uint64_t{field} + 4;
  if (size > size_limit_) {
    return error(oversize_cause(bytes, size, size_limit_));
  }
  if (size < 5)
    return error("frame length " + std::to_string(field) + " below minimum " +
                 (counts_itself_ ? "5" : "1"));
  if (bytes.size() < size) return {};

  ByteReader frame(bytes.substr(4, static_cast<std::size_t>(size) - 4));
  const std::uint8_t count = *frame.u8();
  auto ids = frame.bytes(count);
  if (!ids) return error("xfer pipe of " + std::to_string(count) + " ids overruns the frame");
  pipe.assign(ids->begin(), ids->end());
  payload = frame.rest();
  const std::size_t max_size = std::min<std::size_t>(size_limit_, unpack_limit);
  if (Status st = unpack_filters(*filters_, pipe, max_size, payload, scratch); !st.ok()) {
    return error(st.cause());
  }
  return {DecodeResult::Kind::kMessage, static_cast<std::size_t>(size), {}};
}

}  // namespace tp::detail
