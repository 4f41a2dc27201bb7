#include "teleport/codec/thrift.hpp"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

namespace tp::thrift {

namespace at = apache::thrift;
using Memory = at::transport::TMemoryBuffer;

struct BinaryWriter::Impl {
  std::string& out;
  std::shared_ptr<Memory> buffer = std::make_shared<Memory>();
  // strict_read/strict_write only matter for message headers, which a body never has.
  at::protocol::TBinaryProtocolT<Memory> proto{buffer, 0, 0, false, false};
};

BinaryWriter::BinaryWriter(std::string& out) : impl_(new Impl{out}) {}
BinaryWriter::~BinaryWriter() = default;
at::protocol::TProtocol* BinaryWriter::protocol() const { return &impl_->proto; }
void BinaryWriter::finish() { impl_->out += impl_->buffer->getBufferAsString(); }

struct BinaryReader::Impl {
  explicit Impl(std::string_view data)
      : buffer(std::make_shared<Memory>(
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(data.data())),
            static_cast<std::uint32_t>(data.size()))),  // OBSERVE: no copy
        proto(buffer, limit(data), limit(data), false, false) {}
  static std::int32_t limit(std::string_view data) {
    return static_cast<std::int32_t>(std::min<std::size_t>(data.size(), INT32_MAX) + 1);
  }
  std::shared_ptr<Memory> buffer;
  at::protocol::TBinaryProtocolT<Memory> proto;
};

BinaryReader::BinaryReader(std::string_view data) : impl_(std::make_unique<Impl>(data)) {}
BinaryReader::~BinaryReader() = default;
at::protocol::TProtocol* BinaryReader::protocol() const { return &impl_->proto; }

}  // namespace tp::thrift
