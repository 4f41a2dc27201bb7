// The outer frame every eRPC protocol shares: a 4-byte length, the transfer-filter ids, then the
// (filtered) payload. RawProto's length counts its own 4 bytes; JSONProto's and PBProto's do not.
#pragma once

#include <string>
#include <string_view>

#include "proto/byte_reader.hpp"
#include "teleport/proto/proto.hpp"
#include "teleport/proto/raw_proto.hpp"
#include "teleport/xfer/filter.hpp"

namespace tp::detail {

/// The cause of a frame whose length field passes the limit. Bytes that are really text (an
/// HTTP answer: "HTTP" reads as 1,213,486,160) say so instead of quoting a length.
std::string oversize_cause(std::string_view bytes, std::uint64_t size, std::uint64_t limit);

class Framing {
 public:
  Framing(bool length_counts_itself, std::uint32_t size_limit, const XferRegistry* filters)
      : counts_itself_(length_counts_itself), size_limit_(size_limit), filters_(filters) {}

  /// Appends a frame whose plain payload `write_payload(std::string&) -> Status` appends; sets
  /// `wire_size` to the frame's bytes. On error `out` is unchanged (104 Write Failed).
  template <class WritePayload>
  Status encode(const XferPipe& pipe, WritePayload&& write_payload, std::string& out,
                std::uint32_t& wire_size) const {
    const std::size_t start = out.size();
    auto fail = [&](Status st) {
      out.resize(start);
      return Status::from_code(code::kWriteFailed, st.cause());
    };
    if (pipe.size() > 255) return fail(Status::bad_message("xfer pipe longer than 255 filters"));
    out.append(4, '\0');
    out += static_cast<char>(pipe.size());
    for (auto id : pipe) out += static_cast<char>(id);
    if (pipe.empty()) {
      if (Status st = write_payload(out); !st.ok()) return fail(std::move(st));
    } else {
      std::string payload;
      if (Status st = write_payload(payload); !st.ok()) return fail(std::move(st));
      if (Status st = pack(pipe, payload); !st.ok()) return fail(std::move(st));
      out += payload;
    }
    const std::size_t size = out.size() - start;
    if (size > size_limit_) {
      return fail(Status::bad_message("size of package exceeds limit: " + std::to_string(size) +
                                      " > " + std::to_string(size_limit_)));
    }
    store_be32(out.data() + start, static_cast<std::uint32_t>(counts_itself_ ? size : size - 4));
    wire_size = static_cast<std::uint32_t>(size);
    return {};
  }

  /// Finds one frame at the front of `bytes`. On kMessage: `pipe` holds the filter ids, `payload`
  /// the unfiltered payload (in `bytes` or in `scratch`, at most `unpack_limit` bytes when
  /// filters made it), `consumed` the frame's bytes.
  DecodeResult decode(std::string_view bytes, XferPipe& pipe, std::string_view& payload,
                      std::string& scratch, std::size_t unpack_limit) const;

 private:
  Status pack(const XferPipe& pipe, std::string& payload) const;

  bool counts_itself_;
  std::uint32_t size_limit_;
  const XferRegistry* filters_;
};

/// Applies the filters of `pipe` to `payload`, last to first (how every eRPC protocol packs).
Status pack_filters(const XferRegistry& filters, const XferPipe& pipe, std::string& payload);
/// Undoes them, first to last; the result is in `payload` (pointing into `scratch` if changed).
/// No filter may produce more than `max_size` bytes.
Status unpack_filters(const XferRegistry& filters, const XferPipe& pipe, std::size_t max_size,
                      std::string_view& payload, std::string& scratch);

/// `options` with its filters set to the process-wide registry of its version if none is given.
RawProtoOptions with_default_filters(RawProtoOptions options);

/// "0x51" for 'Q': how error texts name a byte.
std::string hex_byte(std::uint8_t b);

}  // namespace tp::detail
