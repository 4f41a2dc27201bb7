// Teleport for C++: the umbrella header.
#pragma once

#include "teleport/codec/codec.hpp"
#include "teleport/codec/marshal.hpp"
#include "teleport/context.hpp"
#include "teleport/logging.hpp"
#include "teleport/message.hpp"
#include "teleport/meta.hpp"
#include "teleport/peer.hpp"
#include "teleport/proto/proto.hpp"
#include "teleport/proto/raw_proto.hpp"
#include "teleport/router.hpp"
#include "teleport/session.hpp"
#include "teleport/status.hpp"
#include "teleport/trace.hpp"
#include "teleport/xfer/filter.hpp"
#include "teleport/xfer/filters.hpp"
