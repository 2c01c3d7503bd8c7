// resolve_component_config: merges connection and component options, resolves secret
// references and validates the result against the component's schema.
#include "json_reader.hpp"
#include "switchboard/host/config.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace switchboard::host {
namespace {

namespace json = boost::json;
using config_detail::describe;
using config_detail::escape_pointer_token;
using config_detail::quote;
using config_detail::type_name;

/// One option value with where it was configured.
struct sourced_value {
  std::string key;
  json::value value;
  std::string file;
  std::string pointer;
  bool from_reference = false;  ///< a secret reference was resolved into it
};

using sourced_values = std::vector<sourced_value>;

void overlay(sourced_values& values, const json::object& object, const config_location& where,
             std::string_view member) {
  for (const auto& entry : object) {
    const std::string key(entry.key());
    const auto pointer =
        member.empty() ? fmt::format("{}/{}", where.pointer, escape_pointer_token(key))
                       : fmt::format("{}/{}/{}", where.pointer, member, escape_pointer_token(key));
    sourced_value value{key, entry.value(), where.file, pointer};
    const auto existing = std::find_if(values.begin(), values.end(),
                                       [&](const sourced_value& v) { return v.key == key; });
    if (existing != values.end()) {
      *existing = std::move(value);
    } else {
      values.push_back(std::move(value));
    }
  }
}

/// Replaces `${env:NAME}` and `${file:/path}` references in every string of a value.
class reference_expander {
 public:
  reference_expander(const secret_resolver& resolver, secret_registry& secrets)
      : resolver_(resolver), secrets_(secrets) {}

  /// Expands references in `value` (at `file`, `pointer`); true when any was found.
  bool expand(json::value& value, const std::string& file, const std::string& pointer) {
    if (auto* text = value.if_string()) return expand_string(*text, file, pointer);
    bool found = false;
    if (auto* array = value.if_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        found |= expand((*array)[i], file, pointer + "/" + std::to_string(i));
      }
    } else if (auto* object = value.if_object()) {
      for (auto& entry : *object) {
        found |= expand(entry.value(), file, pointer + "/" + escape_pointer_token(entry.key()));
      }
    }
    return found;
  }

 private:
  static std::size_t find_reference(std::string_view text, std::size_t from) {
    for (auto start = text.find("${", from); start != std::string_view::npos;
         start = text.find("${", start + 2)) {
      const auto rest = text.substr(start + 2);
      if (rest.starts_with("env:") || rest.starts_with("file:")) return start;
    }
    return std::string_view::npos;
  }

  bool expand_string(json::string& text, const std::string& file, const std::string& pointer) {
    const std::string_view input(text.data(), text.size());
    std::string output;
    std::size_t position = 0;
    for (auto start = find_reference(input, 0); start != std::string_view::npos;
         start = find_reference(input, position)) {
      const auto end = input.find('}', start);
      if (end == std::string_view::npos) {
        throw config_error(file, pointer, "unterminated secret reference: missing \"}\"");
      }
      output.append(input.substr(position, start - position));
      output += resolve(input.substr(start, end + 1 - start), file, pointer);
      position = end + 1;
    }
    if (position == 0) return false;
    output.append(input.substr(position));
    text = output;
    return true;
  }

  std::string resolve(std::string_view reference, const std::string& file,
                      const std::string& pointer) {
    const auto inner = reference.substr(2, reference.size() - 3);
    const bool is_env = inner.starts_with("env:");
    const std::string name(inner.substr(is_env ? 4 : 5));
    const auto& lookup = is_env ? resolver_.env : resolver_.file;
    auto value = lookup ? lookup(name) : std::nullopt;
    if (!value) {
      throw config_error(file, pointer,
                         fmt::format("secret reference {} {}", reference,
                                     is_env ? "is not set" : "cannot be read"));
    }
    secrets_.add(*value);
    return std::move(*value);
  }

  const secret_resolver& resolver_;
  secret_registry& secrets_;
};

void add_secret_strings(const json::value& value, secret_registry& secrets) {
  if (const auto* text = value.if_string()) {
    secrets.add(std::string(*text));
  } else if (const auto* array = value.if_array()) {
    for (const auto& element : *array) add_secret_strings(element, secrets);
  } else if (const auto* object = value.if_object()) {
    for (const auto& entry : *object) add_secret_strings(entry.value(), secrets);
  }
}

/// Checks one configured value against its option definition.
class option_checker {
 public:
  option_checker(const sdk::option_def& option, sourced_value& value)
      : option_(option), value_(value) {}

  /// The value, type-checked, bounded and normalised (integral numbers as int64).
  json::value check() {
    check_type();
    check_allowed();
    check_bounds();
    return value_.value;
  }

 private:
  [[noreturn]] void fail(std::string_view expected) const {
    const bool hidden = option_.secret || value_.from_reference;
    const auto got = hidden ? type_name(value_.value) + " (value hidden)" : describe(value_.value);
    throw config_error(value_.file, value_.pointer,
                       fmt::format("expected {}, got {}", expected, got));
  }

  void check_type() {
    auto& v = value_.value;
    switch (option_.type) {
      case sdk::option_type::string:
        if (!v.is_string()) fail("a string");
        break;
      case sdk::option_type::integer:
        normalise_integer();
        break;
      case sdk::option_type::number:
        if (!v.is_number()) fail("a number");
        break;
      case sdk::option_type::boolean:
        if (!v.is_bool()) fail("a boolean");
        break;
      case sdk::option_type::string_list:
        if (!is_string_list(v)) fail("an array of strings");
        break;
      case sdk::option_type::object:
        if (!v.is_object()) fail("an object");
        break;
      case sdk::option_type::array:
        if (!v.is_array()) fail("an array");
        break;
    }
  }

  static bool is_string_list(const json::value& v) {
    const auto* array = v.if_array();
    return array != nullptr && std::all_of(array->begin(), array->end(),
                                           [](const json::value& e) { return e.is_string(); });
  }

  void normalise_integer() {
    const auto integer = config_detail::as_integer(value_.value);
    if (!integer) fail("an integer");
    value_.value = *integer;
  }

  void check_allowed() const {
    const auto& allowed = option_.allowed_values;
    if (allowed.empty() ||
        std::find(allowed.begin(), allowed.end(), value_.value) != allowed.end()) {
      return;
    }
    std::vector<std::string> described;
    for (const auto& value : allowed) described.push_back(describe(value));
    fail("one of " + config_detail::join(described));
  }

  void check_bounds() const {
    const bool numeric =
        option_.type == sdk::option_type::integer || option_.type == sdk::option_type::number;
    if (!numeric) return;
    const double number = value_.value.to_number<double>();
    const auto& low = option_.minimum;
    const auto& high = option_.maximum;
    if ((!low || number >= *low) && (!high || number <= *high)) return;
    if (low && high) fail(fmt::format("a value from {} to {}", *low, *high));
    if (low) fail(fmt::format("a value of at least {}", *low));
    fail(fmt::format("a value of at most {}", *high));
  }

  const sdk::option_def& option_;
  sourced_value& value_;
};

const sdk::option_def* find_option(const sdk::config_schema& schema, std::string_view name) {
  const auto it = std::find_if(schema.begin(), schema.end(),
                               [&](const sdk::option_def& o) { return o.name == name; });
  return it == schema.end() ? nullptr : &*it;
}

[[noreturn]] void fail_unknown_key(const sourced_value& value, const sdk::config_schema& schema) {
  std::vector<std::string> names;
  for (const auto& option : schema) names.push_back(option.name);
  const auto hint =
      names.empty() ? "this component takes no options" : "allowed: " + config_detail::join(names);
  throw config_error(value.file, value.pointer,
                     fmt::format("unknown key {} ({})", quote(value.key), hint));
}

json::object validate(sourced_values& values, const sdk::config_schema& schema,
                      secret_registry& secrets) {
  json::object result;
  for (auto& value : values) {
    const auto* option = find_option(schema, value.key);
    if (option == nullptr) fail_unknown_key(value, schema);
    if (value.value.is_null()) continue;
    if (option->secret) add_secret_strings(value.value, secrets);
    result[value.key] = option_checker(*option, value).check();
  }
  return result;
}

void fill_defaults(json::object& result, const sdk::config_schema& schema,
                   const config_location& where, std::string_view member) {
  const std::string base =
      member.empty() ? where.pointer : where.pointer + "/" + std::string(member);
  for (const auto& option : schema) {
    if (result.contains(option.name)) continue;
    if (option.required) {
      throw config_error(where.file, base + "/" + escape_pointer_token(option.name),
                         "required key is missing");
    }
    if (!option.default_value.is_null()) result[option.name] = option.default_value;
  }
}

}  // namespace

json::object resolve_component_config(const component_config& component,
                                      const connection_config* connection,
                                      const sdk::config_schema& schema,
                                      const secret_resolver& resolver, secret_registry& secrets,
                                      const route_config* route) {
  sourced_values values;
  if (connection != nullptr) overlay(values, connection->options, connection->where, "options");
  const bool takes_mapping = std::any_of(
      schema.begin(), schema.end(), [](const sdk::option_def& o) { return o.name == "mapping"; });
  if (route != nullptr && takes_mapping && !route->mapping.empty() &&
      !component.config.contains("mapping")) {
    values.push_back(
        {"mapping", route->mapping, route->where.file, route->where.pointer + "/mapping"});
  }
  overlay(values, component.config, component.where, "config");
  reference_expander expander(resolver, secrets);
  for (auto& value : values) {
    value.from_reference = expander.expand(value.value, value.file, value.pointer);
  }
  auto result = validate(values, schema, secrets);
  fill_defaults(result, schema, component.where, "config");
  return result;
}

json::object resolve_options(const json::object& object, const config_location& where,
                             const sdk::config_schema& schema, const secret_resolver& resolver,
                             secret_registry& secrets) {
  sourced_values values;
  overlay(values, object, where, "");
  reference_expander expander(resolver, secrets);
  for (auto& value : values) {
    value.from_reference = expander.expand(value.value, value.file, value.pointer);
  }
  auto result = validate(values, schema, secrets);
  fill_defaults(result, schema, where, "");
  return result;
}

}  // namespace switchboard::host
