#include "teleport/plugin.hpp"

namespace tp::detail {

Status hook_threw(const char* what) {
  return Status::from_code(code::kInternalServerError, std::string("plugin hook threw: ") + what);
}

}  // namespace tp::detail
