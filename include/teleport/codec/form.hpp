// The form body codec ('f'): url-encoded key/value pairs, as Go's url.Values writes them.
#pragma once

#include <boost/describe.hpp>
#include <boost/mp11/algorithm.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "teleport/codec/plain.hpp"
#include "teleport/codec/type_traits.hpp"
#include "teleport/status.hpp"

namespace tp::form {

/// Url-decoded pairs as they appear, in order.
using Pairs = std::vector<std::pair<std::string, std::string>>;

/// Appends `k=v&...` sorted by key, escaped like Go's url.QueryEscape.
void encode_pairs(Pairs pairs, std::string& out);
/// Parses `k=v&...` ('+' is a space); a malformed percent-escape is a 400 status.
Status decode_pairs(std::string_view data, Pairs& out);

/// A struct whose public members are described with BOOST_DESCRIBE_STRUCT and plain-codable.
template <class T>
concept DescribedStruct = boost::describe::has_describe_members<T>::value;

namespace detail {
template <class T>
concept PlainField = requires(const T& v, T& out, std::string& text) {
  plain::marshal(v, text);
  plain::unmarshal(std::string_view(), out);
};
using codec_traits::is_optional;
using codec_traits::is_vector;

/// Appends the pairs of one struct field: a value, a repeated key per element, none if unset.
template <class V>
Status field_pairs(const char* name, const V& v, Pairs& pairs) {
  if constexpr (is_optional<V>::value) {
    return v ? field_pairs(name, *v, pairs) : Status();
  } else if constexpr (is_vector<V>::value && !std::same_as<V, std::vector<std::uint8_t>>) {
    for (const auto& element : v) {
      if (Status st = field_pairs(name, element, pairs); !st.ok()) return st;
    }
    return {};
  } else if constexpr (PlainField<V>) {
    std::string text;
    Status st = plain::marshal(v, text);
    pairs.emplace_back(name, std::move(text));
    return st;
  } else {
    return Status::bad_message(std::string("form: field ") + name + " has no form encoding");
  }
}

/// Reads one pair into a struct field (a vector gets one element per pair).
template <class V>
Status read_field(const char* name, std::string_view text, V& v) {
  if constexpr (is_optional<V>::value) {
    return read_field(name, text, v.emplace());
  } else if constexpr (is_vector<V>::value && !std::same_as<V, std::vector<std::uint8_t>>) {
    return read_field(name, text, v.emplace_back());
  } else if constexpr (PlainField<V>) {
    return plain::unmarshal(text, v);
  } else {
    return Status::bad_message(std::string("form: field ") + name + " has no form encoding");
  }
}
}  // namespace detail

/// Types the form codec can write and read.
template <class T>
concept Codable = std::same_as<T, std::map<std::string, std::string>> ||
    std::same_as<T, std::map<std::string, std::vector<std::string>>> || DescribedStruct<T>;

/// Appends the form encoding of `value` to `out`.
template <Codable T>
Status marshal(const T& value, std::string& out) {
  Pairs pairs;
  if constexpr (std::same_as<T, std::map<std::string, std::string>>) {
    for (const auto& [k, v] : value) pairs.emplace_back(k, v);
  } else if constexpr (std::same_as<T, std::map<std::string, std::vector<std::string>>>) {
    for (const auto& [k, vs] : value) {
      for (const auto& v : vs) pairs.emplace_back(k, v);
    }
  } else {
    using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
    Status st;
    boost::mp11::mp_for_each<Members>([&](auto member) {
      if (st.ok()) st = detail::field_pairs(member.name, value.*member.pointer, pairs);
    });
    if (!st.ok()) return st;
  }
  encode_pairs(std::move(pairs), out);
  return {};
}

/// Reads `value` from its form encoding; unknown keys of a struct are ignored.
template <Codable T>
Status unmarshal(std::string_view data, T& value) {
  Pairs pairs;
  if (auto st = decode_pairs(data, pairs); !st.ok()) return st;
  if constexpr (std::same_as<T, std::map<std::string, std::string>>) {
    for (auto& [k, v] : pairs) value.emplace(std::move(k), std::move(v));
  } else if constexpr (std::same_as<T, std::map<std::string, std::vector<std::string>>>) {
    for (auto& [k, v] : pairs) value[std::move(k)].push_back(std::move(v));
  } else {
    using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
    Status st;
    for (const auto& pair : pairs) {
      boost::mp11::mp_for_each<Members>([&](auto member) {
        if (st.ok() && pair.first == member.name)
          st = detail::read_field(member.name, pair.second, value.*member.pointer);
      });
    }
    return st;
  }
  return {};
}

}  // namespace tp::form
