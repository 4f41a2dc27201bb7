#include "codec/builtin_codecs.hpp"
#include "teleport/codec/codec.hpp"

namespace tp {

CodecRegistry& CodecRegistry::global() {
  static CodecRegistry* reg = [] {
    auto* r = new CodecRegistry();  // never destroyed: codecs may be used during static teardown
    for (auto& codec : detail::builtin_codecs()) (void)r->add(std::move(codec));  // distinct ids
    return r;
  }();
  return *reg;
}

std::string_view codec_name(std::uint8_t id) noexcept {
  if (id == codec_id::kNone) return "none";
  const Codec* c = CodecRegistry::global().find(id);
  return c ? c->name() : std::string_view();
}

Status unsupported_codec(std::uint8_t id) {
  return Status::bad_message("unsupported codec id: " + std::to_string(id));
}

}  // namespace tp
