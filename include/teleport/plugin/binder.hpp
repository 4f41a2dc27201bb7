// The binder plugin (eRPC's plugin/binder, with rules declared in code instead of struct tags):
// checks the argument of a call or push against per-field rules before the handler runs; a
// violation is answered with 400 Bad Message naming the field.
#pragma once

#include <boost/describe.hpp>
#include <boost/mp11/algorithm.hpp>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "teleport/context.hpp"
#include "teleport/plugin.hpp"

namespace tp::plugin {

/// The rules of one field. Each rule applies to the kinds of value named.
struct FieldRule {
  bool required = false;        ///< numbers non-zero, text/containers non-empty, optionals set
  std::optional<double> min{};  ///< numbers: smallest allowed value
  std::optional<double> max{};  ///< numbers: largest allowed value
  std::optional<std::size_t> min_len{};  ///< text and containers: fewest elements/bytes
  std::optional<std::size_t> max_len{};  ///< text and containers: most elements/bytes
  std::string regex{};                   ///< text: must match as a whole (ECMAScript)
  std::vector<std::string> one_of{};     ///< text and numbers (as written in JSON): allowed values
};

/// Field name → its rules, checked against a described struct.
class BindRules {
 public:
  /// Compiles the rules (a bad regex throws std::regex_error: a programming error).
  explicit BindRules(std::map<std::string, FieldRule, std::less<>> rules);

  /// Checks every rule against the described struct `value`: the first violation, or OK.
  template <class T>
  [[nodiscard]] Status validate(const T& value) const {
    static_assert(boost::describe::has_describe_members<T>::value,
                  "BindRules checks structs described with BOOST_DESCRIBE_STRUCT");
    using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
    Status first;
    boost::mp11::mp_for_each<Members>([&](auto member) {
      if (!first.ok()) return;
      if (const Compiled* rule = find(member.name))
        first = check(member.name, value.*member.pointer, *rule);
    });
    return first;
  }

  /// Throws std::invalid_argument if a rule names a field T does not have.
  template <class T>
  void check_fields_of() const {
    std::vector<std::string> names;
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto member) { names.emplace_back(member.name); });
    require_known(names);
  }

 private:
  struct Compiled {
    FieldRule rule;
    std::optional<std::regex> regex;
  };
  template <class V>
  static Status check(std::string_view field, const V& v, const Compiled& rule) {
    if constexpr (std::is_same_v<V, bool>) {
      return check_number(field, v ? 1.0 : 0.0, v ? "true" : "false", rule);
    } else if constexpr (std::is_arithmetic_v<V> || std::is_enum_v<V>) {
      const auto number = static_cast<double>(v);
      return check_number(field, number, number_text(number), rule);
    } else if constexpr (std::is_convertible_v<const V&, std::string_view>) {
      return check_text(field, std::string_view(v), rule);
    } else if constexpr (requires { v.has_value(); }) {
      if (!v.has_value()) return check_missing(field, rule);
      return check(field, *v, rule);
    } else if constexpr (requires { v.size(); }) {
      return check_size(field, v.size(), rule);
    } else {
      return check_other(field, rule);
    }
  }
  const Compiled* find(std::string_view field) const;
  void require_known(const std::vector<std::string>& fields) const;
  static std::string number_text(double v);
  static Status check_number(std::string_view field, double v, std::string_view text,
                             const Compiled& rule);
  static Status check_text(std::string_view field, std::string_view v, const Compiled& rule);
  static Status check_size(std::string_view field, std::size_t size, const Compiled& rule);
  static Status check_missing(std::string_view field, const Compiled& rule);
  static Status check_other(std::string_view field, const Compiled& rule);

  std::map<std::string, Compiled, std::less<>> rules_;
};

/// A route plugin: binds the body as T (a described struct) and validates it before the
/// handler; `RouteOptions{.plugins = {std::make_shared<Binder<User>>(rules)}}`.
template <class T>
class Binder final : public Plugin {
 public:
  /// Validates T's fields by `rules`; throws std::invalid_argument for a field T lacks.
  explicit Binder(std::map<std::string, FieldRule, std::less<>> rules) : rules_(std::move(rules)) {
    rules_.check_fields_of<T>();
  }
  std::string_view name() const override { return "binder"; }
  /// Checks a call's argument.
  Status post_read_call_body(Ctx& ctx) override { return check(ctx); }
  /// Checks a push's argument (a violating push is dropped).
  Status post_read_push_body(Ctx& ctx) override { return check(ctx); }

 private:
  Status check(Ctx& ctx) const {
    T value{};
    if (Status st = ctx.bind(value); !st.ok()) return st;
    return rules_.validate(value);
  }
  BindRules rules_;
};

}  // namespace tp::plugin
