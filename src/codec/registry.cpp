#include "codec/builtin_codecs.hpp"
#include "teleport/codec/codec.hpp"

namespace tp {

Status CodecRegistry::add(std::shared_ptr<const Codec> codec) {
  if (!codec) return {code::kInvalidOp, "Invalid Operation", "null codec"};
  if (codec->id() == codec_id::kNone)
    return {code::kInvalidOp, "Invalid Operation", "codec id 0 is reserved"};
  auto& slot = by_id_[codec->id()];
  if (slot) {
    return {
        code::kInvalidOp, "Invalid Operation",
        "codec id " + std::to_string(codec->id()) + " is taken by " + std::string(slot->name())};
  }
  slot = std::move(codec);
  return {};
}

const Codec* CodecRegistry::find(std::uint8_t id) const noexcept { return by_id_[id].get(); }

const Codec* CodecRegistry::find(std::string_view name) const noexcept {
  for (const auto& c : by_id_) {
    if (c && c->name() == name) return c.get();
  }
  return nullptr;
}

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
