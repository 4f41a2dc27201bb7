#include "teleport/plugin/binder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tp::plugin {
namespace {

Status violation(std::string_view field, std::string_view why) {
  return Status::bad_message(fmt::format("field {}: {}", field, why));
}

}  // namespace

BindRules::BindRules(std::map<std::string, FieldRule, std::less<>> rules) {
  for (auto& [field, rule] : rules) {
    Compiled compiled{std::move(rule), std::nullopt};
    if (!compiled.rule.regex.empty()) compiled.regex.emplace(compiled.rule.regex);
    rules_.emplace(field, std::move(compiled));
  }
}

const BindRules::Compiled* BindRules::find(std::string_view field) const {
  auto it = rules_.find(field);
  return it == rules_.end() ? nullptr : &it->second;
}

void BindRules::require_known(const std::vector<std::string>& fields) const {
  for (const auto& [field, rule] : rules_) {
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) {
      throw std::invalid_argument("binder: no field named " + field);
    }
  }
}

std::string BindRules::number_text(double v) { return fmt::format("{}", v); }

Status BindRules::check_number(std::string_view field, double v, std::string_view text,
                               const Compiled& c) {
  const FieldRule& r = c.rule;
  if (r.required && v == 0) return violation(field, "is required (must not be zero)");
  if (r.min && v < *r.min)
    return violation(field, fmt::format("{} is below the minimum {}", text, *r.min));
  if (r.max && v > *r.max)
    return violation(field, fmt::format("{} is above the maximum {}", text, *r.max));
  if (!r.one_of.empty() && std::find(r.one_of.begin(), r.one_of.end(), text) == r.one_of.end()) {
    return violation(field, fmt::format("{} is not one of {}", text, fmt::join(r.one_of, ", ")));
  }
  return {};
}

Status BindRules::check_text(std::string_view field, std::string_view v, const Compiled& c) {
  const FieldRule& r = c.rule;
  if (r.required && v.empty()) return violation(field, "is required (must not be empty)");
  if (Status st = check_size(field, v.size(), c); !st.ok()) return st;
  if (c.regex && !std::regex_match(v.begin(), v.end(), *c.regex)) {
    return violation(field, fmt::format("\"{}\" does not match {}", v, r.regex));
  }
  if (!r.one_of.empty() && std::find(r.one_of.begin(), r.one_of.end(), v) == r.one_of.end()) {
    return violation(field, fmt::format("\"{}\" is not one of {}", v, fmt::join(r.one_of, ", ")));
  }
  return {};
}

Status BindRules::check_size(std::string_view field, std::size_t size, const Compiled& c) {
  const FieldRule& r = c.rule;
  if (r.required && size == 0) return violation(field, "is required (must not be empty)");
  if (r.min_len && size < *r.min_len) {
    return violation(field, fmt::format("length {} is below the minimum {}", size, *r.min_len));
  }
  if (r.max_len && size > *r.max_len) {
    return violation(field, fmt::format("length {} is above the maximum {}", size, *r.max_len));
  }
  return {};
}

Status BindRules::check_missing(std::string_view field, const Compiled& c) {
  return c.rule.required ? violation(field, "is required") : Status();
}

Status BindRules::check_other(std::string_view field, const Compiled& c) {
  return check_missing(field, c);  // a nested struct is always present; only `required` applies
}

}  // namespace tp::plugin
