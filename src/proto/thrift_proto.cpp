#include "teleport/proto/thrift_proto.hpp"

#include <algorithm>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/THeaderTransport.h>

#include <cstring>
#include <type_traits>

#include "proto/byte_reader.hpp"
#include "proto/framing.hpp"
#include "proto/theader.hpp"
#include "teleport/codec/codec.hpp"

namespace tp {
namespace {

namespace thrift = apache::thrift;
using thrift::protocol::TMessageType;
using thrift::transport::THeaderTransport;
// The binary protocol inside a THeader frame (what Go's THeaderProtocol speaks by default).
using HeaderBinary = thrift::protocol::TBinaryProtocolT<THeaderTransport>;
// The same protocol over the payload alone, for reading.
using PayloadBinary = thrift::protocol::TBinaryProtocolT<thrift::transport::TMemoryBuffer>;

constexpr char kStatusHeader[] = "Tp-Status";
constexpr char kMetaHeader[] = "Tp-Meta";
constexpr char kCodecHeader[] = "Tp-BodyCodec";
constexpr char kPipeHeader[] = "Tp-XferPipe";

// eRPC's mapping; other types are written as 0, as Go does.
TMessageType thrift_type(MsgType t) {
  switch (t) {
    case MsgType::kCall:
      return thrift::protocol::T_CALL;
    case MsgType::kReply:
      return thrift::protocol::T_REPLY;
    case MsgType::kPush:
      return thrift::protocol::T_ONEWAY;
    default:
      return static_cast<TMessageType>(0);
  }
}

}  // namespace

ThriftProto::ThriftProto(RawProtoOptions options)
    : options_(detail::with_default_filters(std::move(options))) {}

Status ThriftProto::encode(Message& msg, std::string& out) const {
  std::string body = msg.body;
  if (Status st = detail::pack_filters(*options_.filters, msg.xfer_pipe, body); !st.ok()) {
    return Status::from_code(code::kWriteFailed, st.cause());
  }
  try {
    auto buffer = std::make_shared<thrift::transport::TMemoryBuffer>();
    auto header = std::make_shared<THeaderTransport>(buffer);
    header->setProtocolId(thrift::protocol::T_BINARY_PROTOCOL);
    header->setHeader(kStatusHeader, msg.status.to_query());
    header->setHeader(kMetaHeader, msg.meta.encode());
    header->setHeader(kCodecHeader, std::string(1, static_cast<char>(msg.body_codec)));
    header->setHeader(kPipeHeader, std::string(msg.xfer_pipe.begin(), msg.xfer_pipe.end()));
    HeaderBinary proto(header);
    proto.writeMessageBegin(msg.service_method, thrift_type(msg.type), msg.seq);
    proto.writeBinary(body);
    proto.writeMessageEnd();
    header->flush();
    const std::string frame = buffer->getBufferAsString();
    if (frame.size() > options_.size_limit) {
      return Status::from_code(code::kWriteFailed,
                               "size of package exceeds limit: " + std::to_string(frame.size()) +
                                   " > " + std::to_string(options_.size_limit));
    }
    out += frame;
    msg.size = static_cast<std::uint32_t>(frame.size());
  } catch (const std::exception& e) {
    return Status::from_code(code::kWriteFailed, std::string("thrift: ") + e.what());
  }
  return {};
}

DecodeResult ThriftProto::decode(std::string_view bytes, Message& out) const {
  return decode_within(bytes, out, SIZE_MAX);
}

DecodeResult ThriftProto::decode_within(std::string_view bytes, Message& out,
                                        std::size_t unpack_limit) const {
  auto error = [](std::string cause) {
    return DecodeResult{DecodeResult::Kind::kError, 0, Status::bad_message(std::move(cause))};
  };
  if (bytes.size() < 4) return {};
  const std::uint64_t size = std::uint64_t{detail::load_be32(bytes.data())} + 4;
  if (size > options_.size_limit) {
    return error(detail::oversize_cause(bytes, size, options_.size_limit));
  }
  if (bytes.size() < size) return {};
  detail::THeaderFrame parts;
  if (Status st = detail::parse_theader(bytes.substr(0, static_cast<std::size_t>(size)), parts);
      !st.ok()) {
    return {DecodeResult::Kind::kError, 0, st};
  }
  std::string body;
  try {
    // libthrift reads the binary-protocol message (OBSERVE: the payload is not copied). No string
    // or container can be longer than the payload: a lying length fails, unallocated.
    auto buffer = std::make_shared<thrift::transport::TMemoryBuffer>(
        reinterpret_cast<std::uint8_t*>(const_cast<char*>(parts.payload.data())),
        static_cast<std::uint32_t>(parts.payload.size()));
    const auto limit = static_cast<std::int32_t>(parts.payload.size() + 1);
    PayloadBinary proto(buffer, limit, limit, false, true);
    TMessageType type{};
    proto.readMessageBegin(out.service_method, type, out.seq);
    // The library stores any wire byte in the enum; read it back as the integer it holds.
    std::underlying_type_t<TMessageType> raw_type = 0;
    std::memcpy(&raw_type, &type, sizeof raw_type);
    switch (raw_type) {
      case thrift::protocol::T_CALL:
        out.type = MsgType::kCall;
        break;
      case thrift::protocol::T_REPLY:
        out.type = MsgType::kReply;
        break;
      case thrift::protocol::T_EXCEPTION:
        return error("thrift exception message");
      default:
        out.type = MsgType::kPush;  // eRPC reads ONEWAY and anything else as a push
    }
    proto.readBinary(body);
    proto.readMessageEnd();
  } catch (const std::exception& e) {
    return error(std::string("thrift: ") + e.what());
  }
  auto header = [&](std::string_view key) -> std::string_view {
    for (const auto& [k, v] : parts.headers) {
      if (k == key) return v;
    }
    return {};
  };
  out.status = Status();
  if (!header(kStatusHeader).empty()) {
    if (Status st = Status::parse_query(header(kStatusHeader), out.status); !st.ok()) {
      return error(st.cause());
    }
  }
  out.meta.clear();
  if (Status st = Meta::decode(header(kMetaHeader), out.meta); !st.ok()) return error(st.cause());
  const std::string_view codec = header(kCodecHeader);
  out.body_codec = codec.empty() ? codec_id::kNone : static_cast<std::uint8_t>(codec.front());
  const std::string_view pipe = header(kPipeHeader);
  out.xfer_pipe.assign(pipe.begin(), pipe.end());
  std::string_view payload = body;
  std::string scratch;
  const std::size_t max_size = std::min<std::size_t>(options_.size_limit, unpack_limit);
  if (Status st =
          detail::unpack_filters(*options_.filters, out.xfer_pipe, max_size, payload, scratch);
      !st.ok()) {
    return error(st.cause());
  }
  out.body.assign(payload);
  out.size = static_cast<std::uint32_t>(size);
  return {DecodeResult::Kind::kMessage, static_cast<std::size_t>(size), {}};
}

Probe ThriftProto::probe(std::string_view first) const {
  if (first.size() < 6) return Probe::kNeedMore;
  // THeader's magic 0x0FFF where a raw frame has its filter count (0 when unfiltered).
  const bool magic =
      static_cast<unsigned char>(first[4]) == 0x0f && static_cast<unsigned char>(first[5]) == 0xff;
  return magic ? Probe::kYes : Probe::kNo;
}

}  // namespace tp
