// Filters: each rule's operand prepared once, then evaluated per record.
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <algorithm>

namespace switchboard::mapping::detail {

namespace json = boost::json;

compiled_filter::compiled_filter(const mapping_spec& spec) : combine_(spec.combine) {
  rules_.reserve(spec.filters.size());
  for (const auto& f : spec.filters) {
    compiled_rule r;
    r.field = f.field;
    r.op = f.op;
    switch (f.op) {
      case filter_op::contains:
      case filter_op::startswith:
      case filter_op::endswith:
        r.text = std::string(f.value.get_string());
        break;
      case filter_op::in:
        r.set.assign(f.value.get_array().begin(), f.value.get_array().end());
        break;
      case filter_op::is_null:
      case filter_op::not_null:
        break;
      default:
        r.operand = f.value;
    }
    rules_.push_back(std::move(r));
  }
}

namespace {

bool rule_passes(const compiled_rule& r, const json::object& fields) {
  const json::value none;  // a missing field reads as null
  const auto* found = fields.if_contains(r.field);
  const json::value& v = found != nullptr ? *found : none;
  switch (r.op) {
    case filter_op::eq:
      return same_value(v, r.operand);
    case filter_op::ne:
      return !same_value(v, r.operand);
    case filter_op::gt:
    case filter_op::ge:
    case filter_op::lt:
    case filter_op::le: {
      // A null, or a value of another kind than the operand, satisfies no ordering.
      const auto c = compare_values(v, r.operand);
      if (!c) return false;
      if (r.op == filter_op::gt) return *c > 0;
      if (r.op == filter_op::ge) return *c >= 0;
      if (r.op == filter_op::lt) return *c < 0;
      return *c <= 0;
    }
    case filter_op::contains:
      return v.is_string() &&
             std::string_view(v.get_string()).find(r.text) != std::string_view::npos;
    case filter_op::startswith:
      return v.is_string() && std::string_view(v.get_string()).starts_with(r.text);
    case filter_op::endswith:
      return v.is_string() && std::string_view(v.get_string()).ends_with(r.text);
    case filter_op::in:
      return std::any_of(r.set.begin(), r.set.end(),
                         [&v](const json::value& e) { return same_value(v, e); });
    case filter_op::is_null:
      return v.is_null();
    case filter_op::not_null:
      return !v.is_null();
  }
  return false;
}

}  // namespace

bool compiled_filter::passes(const json::object& fields) const {
  if (rules_.empty()) return true;
  const auto pass = [&fields](const compiled_rule& r) { return rule_passes(r, fields); };
  if (combine_ == filter_combine::all) return std::all_of(rules_.begin(), rules_.end(), pass);
  return std::any_of(rules_.begin(), rules_.end(), pass);
}

}  // namespace switchboard::mapping::detail
