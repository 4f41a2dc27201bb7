// The form body codec ('f'): url-encoded key/value pairs, as Go's url.Values writes them.
#pragma once

#include <boost/describe.hpp>
#include <boost/mp11/algorithm.hpp>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "teleport/codec/plain.hpp"
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
      std::string text;
      if (st.ok()) st = plain::marshal(value.*member.pointer, text);
      pairs.emplace_back(member.name, std::move(text));
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
          st = plain::unmarshal(pair.second, value.*member.pointer);
      });
    }
    return st;
  }
  return {};
}

}  // namespace tp::form
