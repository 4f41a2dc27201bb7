// Protocols by name, in one ordered registry: the built-in ones and those an application
// registers, so that PeerConfig::proto, the `teleport` tool and protocol detection find them the
// same way. Detection (brpc's shape) asks each protocol in order what it makes of a connection's
// first bytes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// Builds a protocol for a peer's options (size limit, version, filters).
using ProtoFactory = std::function<std::unique_ptr<Proto>(RawProtoOptions options)>;

/// Makes `name` usable as PeerConfig::proto and, if its protocol's probe() answers, detectable
/// on a shared port by peers built afterwards (after http, json, pb and raw, in
/// registration order; the thrift component registers "thrift" when linked). Fails with 1 Invalid
/// Operation if the name is taken. Thread-safe.
Status register_proto(std::string name, ProtoFactory factory);

/// The protocol named `name`, or null.
std::unique_ptr<Proto> make_proto(std::string_view name, RawProtoOptions options);

/// Picks the protocol of an accepted connection from its first bytes.
class ProtoDetector {
 public:
  /// Builds every registered protocol with `options`, in registry order; `fallback` (which
  /// must outlive the detector) answers bytes no protocol claims.
  ProtoDetector(const RawProtoOptions& options, const Proto& fallback);
  /// The first protocol whose probe says kYes; null while an earlier one needs more bytes;
  /// `fallback` when every one says kNo (it will report the bytes as malformed, or take them).
  [[nodiscard]] const Proto* detect(std::string_view first) const;

 private:
  std::vector<std::unique_ptr<Proto>> protos_;
  const Proto* fallback_;
};

}  // namespace tp
