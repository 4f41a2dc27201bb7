// Type tests the text codecs (form, xml) share to walk struct fields.
#pragma once

#include <optional>
#include <type_traits>
#include <vector>

namespace tp::codec_traits {

/// True for std::optional<T>.
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

/// True for std::vector<T>.
template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

}  // namespace tp::codec_traits
