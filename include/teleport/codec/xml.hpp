// The xml body codec ('x'): the bytes Go's encoding/xml writes for the same value, so eRPC's
// xml codec reads ours and we read its. Parsing is pugixml's (in the library, not this header).
//
//   struct Point { int x; int y; };  BOOST_DESCRIBE_STRUCT(Point, (), (x, y))
//   Point{1, 2}           → <Point><x>1</x><y>2</y></Point>
//   6                     → <int>6</int>
//   std::vector<int>{1,2} → <int>1</int><int>2</int>
//
// Struct fields: a vector repeats the field's element, an unset optional writes nothing, a
// described struct nests. Root element names follow Go's type names (int, int64, float64,
// string, bool, ... and the struct's own name).
#pragma once

#include <boost/describe.hpp>
#include <boost/mp11/algorithm.hpp>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "teleport/codec/plain.hpp"
#include "teleport/codec/type_traits.hpp"
#include "teleport/status.hpp"

namespace tp::xml {

/// A parsed element: its name, its text (character data) and its child elements.
struct Element {
  std::string name{};               ///< tag name
  std::string text{};               ///< the concatenated character data
  std::vector<Element> children{};  ///< child elements in order
};

/// Parses `data` (a sequence of root elements) with pugixml; malformed or too deeply nested
/// (more than 64 levels) input is a 400 status. Needs the xml component (teleport::xml) linked;
/// without it every parse is a 400 saying so (writing XML needs nothing).
Status parse(std::string_view data, std::vector<Element>& roots);
/// An XML parser (the xml component installs pugixml's when it is linked).
using Parser = Status (*)(std::string_view data, std::vector<Element>& roots);
/// Makes `parser` the one parse() uses.
void set_parser(Parser parser) noexcept;
/// Appends `text` escaped exactly as Go's xml.EscapeText does.
void append_escaped(std::string_view text, std::string& out);

namespace detail {
using codec_traits::is_optional;
using codec_traits::is_vector;

template <class T>
concept Scalar = plain::Codable<T>;
template <class T>
concept Struct = boost::describe::has_describe_members<T>::value;

/// Go's name for a scalar type, used as the root element.
template <class T>
constexpr std::string_view go_type_name() {
  if constexpr (std::same_as<T, std::string>)
    return "string";
  else if constexpr (std::same_as<T, bool>)
    return "bool";
  else if constexpr (std::same_as<T, float>)
    return "float32";
  else if constexpr (std::is_floating_point_v<T>)
    return "float64";
  else if constexpr (std::same_as<T, int>)
    return "int";
  else if constexpr (std::same_as<T, unsigned>)
    return "uint";
  else if constexpr (std::is_signed_v<T>)
    return sizeof(T) == 1 ? "int8" : sizeof(T) == 2 ? "int16" : sizeof(T) == 4 ? "int32" : "int64";
  else
    return sizeof(T) == 1   ? "uint8"
           : sizeof(T) == 2 ? "uint16"
           : sizeof(T) == 4 ? "uint32"
                            : "uint64";
}

/// The unqualified name of a described struct ("Point" for demo::Point).
std::string struct_name(const char* mangled);

template <class T>
void write_element(std::string_view name, const T& v, std::string& out);

template <class T>
void write_children(const T& v, std::string& out) {
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) { write_element(member.name, v.*member.pointer, out); });
}

template <class T>
void write_element(std::string_view name, const T& v, std::string& out) {
  if constexpr (is_optional<T>::value) {
    if (v) write_element(name, *v, out);
  } else if constexpr (is_vector<T>::value) {
    for (const auto& e : v) write_element(name, e, out);
  } else {
    out += '<';
    out += name;
    out += '>';
    if constexpr (Struct<T>) {
      write_children(v, out);
    } else {
      std::string text;
      (void)plain::marshal(v, text);
      append_escaped(text, out);
    }
    out += "</";
    out += name;
    out += '>';
  }
}

template <class T>
Status read_element(const Element& e, T& v);

template <class T>
Status read_children(const Element& e, T& v) {
  Status st;
  for (const Element& child : e.children) {
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto member) {
          if (st.ok() && child.name == member.name) st = read_element(child, v.*member.pointer);
        });
  }
  return st;
}

template <class T>
Status read_element(const Element& e, T& v) {
  if constexpr (is_optional<T>::value) {
    return read_element(e, v.emplace());
  } else if constexpr (is_vector<T>::value) {
    return read_element(e, v.emplace_back());
  } else if constexpr (Struct<T>) {
    return read_children(e, v);
  } else {
    if (Status st = plain::unmarshal(e.text, v); !st.ok())
      return Status::bad_message("xml: element " + e.name + ": " + st.cause());
    return {};
  }
}
}  // namespace detail

/// Types the xml codec can write and read: scalars, described structs, and vectors of them.
template <class T>
concept Codable = detail::Scalar<T> || detail::Struct<T> ||
    (detail::is_vector<T>::value && !std::same_as<T, std::vector<std::uint8_t>> &&
     (detail::Scalar<typename T::value_type> || detail::Struct<typename T::value_type>));

/// Appends the XML of `value` to `out`.
template <Codable T>
Status marshal(const T& value, std::string& out) {
  if constexpr (detail::is_vector<T>::value) {
    for (const auto& e : value) (void)marshal(e, out);
  } else if constexpr (detail::Struct<T>) {
    detail::write_element(detail::struct_name(typeid(T).name()), value, out);
  } else {
    detail::write_element(detail::go_type_name<T>(), value, out);
  }
  return {};
}

/// Reads `value` from XML: the first root element (a vector: every root element).
template <Codable T>
Status unmarshal(std::string_view data, T& value) {
  std::vector<Element> roots;
  if (Status st = parse(data, roots); !st.ok()) return st;
  if constexpr (detail::is_vector<T>::value) {
    for (const Element& root : roots) {
      if (Status st = detail::read_element(root, value.emplace_back()); !st.ok()) return st;
    }
    return {};
  } else {
    if (roots.empty()) return Status::bad_message("xml: no element");
    return detail::read_element(roots.front(), value);
  }
}

}  // namespace tp::xml
