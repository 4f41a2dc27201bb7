// Protocols by name: the built-in ones and those an application registers, so that
// PeerConfig::proto, the `teleport` tool and protocol detection find them the same way.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "teleport/proto/raw_proto.hpp"

namespace tp {

/// Builds a protocol for a peer's options (size limit, version, filters).
using ProtoFactory = std::function<std::unique_ptr<Proto>(RawProtoOptions options)>;

/// Makes `name` ("raw", "json", "pb", "http", "thrift" or a registered one) usable as
/// PeerConfig::proto. Fails with 1 Invalid Operation if the name is taken. Thread-safe.
Status register_proto(std::string name, ProtoFactory factory);

/// The protocol named `name`, or null.
std::unique_ptr<Proto> make_proto(std::string_view name, RawProtoOptions options);

}  // namespace tp
