// The rules every mapping spec follows, whether parsed from JSON or built in code: names
// present, fields one-to-one, the target key not mapped, replacements and filter values sound.
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace switchboard::mapping::detail {

namespace json = boost::json;

namespace {

void check_fields(const mapping_spec& spec) {
  if (spec.fields.empty()) fail(spec.name, "/fields", "must list at least one field");
  std::map<std::string_view, std::size_t> by_target;
  std::map<std::string_view, std::size_t> by_source;
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    const auto& f = spec.fields[i];
    if (f.source.empty()) fail(spec.name, fmt::format("/fields/{}/source", i), "must not be empty");
    if (f.target.empty()) fail(spec.name, fmt::format("/fields/{}/target", i), "must not be empty");
    if (f.target == spec.target_key) {
      fail(spec.name, fmt::format("/fields/{}/target", i),
           fmt::format("\"{}\" is the target key, which always receives the source key; remove "
                       "this field",
                       f.target));
    }
    if (const auto [it, added] = by_target.emplace(f.target, i); !added) {
      const auto& first = spec.fields[it->second];
      fail(spec.name, fmt::format("/fields/{}/target", i),
           fmt::format("two source fields map to target field \"{}\": \"{}\" (/fields/{}) and "
                       "\"{}\"; a target field takes one source field",
                       f.target, first.source, it->second, f.source));
    }
    if (const auto [it, added] = by_source.emplace(f.source, i); !added) {
      const auto& first = spec.fields[it->second];
      fail(spec.name, fmt::format("/fields/{}/source", i),
           fmt::format("source field \"{}\" is mapped twice: to \"{}\" (/fields/{}) and to \"{}\"; "
                       "map each source field once",
                       f.source, first.target, it->second, f.target));
    }
  }
}

void check_replacements(const mapping_spec& spec) {
  for (std::size_t i = 0; i < spec.replacements.size(); ++i) {
    const auto& r = spec.replacements[i];
    const std::string pointer = fmt::format("/replacements/{}", i);
    if (r.field.empty()) fail(spec.name, pointer + "/field", "must not be empty");
    const auto field = std::find_if(spec.fields.begin(), spec.fields.end(),
                                    [&r](const field_spec& f) { return f.source == r.field; });
    if (field == spec.fields.end()) {
      fail(spec.name, pointer + "/field",
           fmt::format("\"{}\" is not a mapped source field (replacements apply to mapped fields "
                       "only)",
                       r.field));
    }
    if (!field->link_route.empty()) {
      fail(spec.name, pointer + "/field",
           fmt::format("\"{}\" is written as a link; replacements do not apply to links", r.field));
    }
    if (!is_scalar(r.from)) {
      fail(spec.name, pointer + "/from",
           fmt::format("expected a string, number, boolean or null, got {}", kind_name(r.from)));
    }
    if (!is_scalar(r.to)) {
      fail(spec.name, pointer + "/to",
           fmt::format("expected a string, number, boolean or null, got {}", kind_name(r.to)));
    }
    for (std::size_t j = 0; j < i; ++j) {
      const auto& earlier = spec.replacements[j];
      if (earlier.field == r.field && same_value(earlier.from, r.from)) {
        fail(spec.name, pointer + "/from",
             fmt::format("duplicate replacement of \"{}\" value {} (already at /replacements/{})",
                         r.field, describe(r.from), j));
      }
    }
  }
}

void check_rule(const mapping_spec& spec, const filter_spec& f, std::size_t i) {
  const std::string pointer = fmt::format("/filters/rules/{}", i);
  if (f.field.empty()) fail(spec.name, pointer + "/field", "must not be empty");
  const std::string value_pointer = pointer + "/value";
  const std::string_view op = to_string(f.op);
  const auto expected = [&](std::string_view what) {
    fail(spec.name, value_pointer,
         fmt::format("operator \"{}\" needs {}, got {}", op, what, kind_and_value(f.value)));
  };
  switch (f.op) {
    case filter_op::eq:
    case filter_op::ne:
      if (f.value.is_null()) {
        fail(spec.name, value_pointer,
             fmt::format("null is not a value for \"{}\"; use \"{}\"", op,
                         f.op == filter_op::eq ? "is-null" : "not-null"));
      }
      if (!is_scalar(f.value)) expected("a string, number or boolean");
      return;
    case filter_op::gt:
    case filter_op::ge:
    case filter_op::lt:
    case filter_op::le:
      if (!is_number(f.value) && !f.value.is_string()) expected("a number or a string");
      return;
    case filter_op::contains:
    case filter_op::startswith:
    case filter_op::endswith:
      if (!f.value.is_string()) expected("a string");
      if (f.value.get_string().empty()) {
        fail(spec.name, value_pointer, fmt::format("operator \"{}\" needs a non-empty string", op));
      }
      return;
    case filter_op::in: {
      if (!f.value.is_array() || f.value.get_array().empty()) {
        expected("a non-empty array of strings, numbers or booleans");
      }
      const auto& a = f.value.get_array();
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (!is_scalar(a[k]) || a[k].is_null()) {
          fail(spec.name, fmt::format("{}/{}", value_pointer, k),
               fmt::format("expected a string, number or boolean, got {}", kind_and_value(a[k])));
        }
      }
      return;
    }
    case filter_op::is_null:
    case filter_op::not_null:
      if (!f.value.is_null()) {
        fail(spec.name, value_pointer, fmt::format("operator \"{}\" takes no value", op));
      }
      return;
  }
}

}  // namespace

void check_spec(const mapping_spec& spec) {
  if (spec.source_table.empty()) fail(spec.name, "/source/table", "must not be empty");
  if (spec.target_resource.empty()) fail(spec.name, "/target/resource", "must not be empty");
  if (spec.target_key.empty()) fail(spec.name, "/target/key", "must not be empty");
  check_fields(spec);
  check_replacements(spec);
  for (std::size_t i = 0; i < spec.filters.size(); ++i) check_rule(spec, spec.filters[i], i);
}

}  // namespace switchboard::mapping::detail
