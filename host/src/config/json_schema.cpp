// to_json_schema: renders a component's config schema as JSON Schema (draft 2020-12).
#include "switchboard/host/config.hpp"

#include <boost/json/array.hpp>

#include <cmath>

namespace switchboard::host {
namespace {

namespace json = boost::json;

std::string_view schema_type(sdk::option_type type) {
  switch (type) {
    case sdk::option_type::string:
      return "string";
    case sdk::option_type::integer:
      return "integer";
    case sdk::option_type::number:
      return "number";
    case sdk::option_type::boolean:
      return "boolean";
    case sdk::option_type::string_list:
    case sdk::option_type::array:
      return "array";
    case sdk::option_type::object:
      return "object";
  }
  return "string";
}

/// A bound as an integer when it is integral (JSON Schema readers prefer 5 to 5.0).
json::value bound(double value) {
  if (std::trunc(value) == value && std::abs(value) < 9.2e18) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

json::object property(const sdk::option_def& option) {
  json::object out;
  out["type"] = schema_type(option.type);
  if (option.type == sdk::option_type::string_list) out["items"] = {{"type", "string"}};
  if (!option.description.empty()) out["description"] = option.description;
  if (!option.default_value.is_null()) out["default"] = option.default_value;
  if (!option.allowed_values.empty()) {
    out["enum"] = json::array(option.allowed_values.begin(), option.allowed_values.end());
  }
  if (option.minimum) out["minimum"] = bound(*option.minimum);
  if (option.maximum) out["maximum"] = bound(*option.maximum);
  if (option.secret) out["writeOnly"] = true;
  return out;
}

}  // namespace

json::object to_json_schema(const sdk::config_schema& schema) {
  json::object properties;
  json::array required;
  for (const auto& option : schema) {
    properties[option.name] = property(option);
    if (option.required) required.emplace_back(option.name);
  }
  json::object out;
  out["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  out["type"] = "object";
  out["additionalProperties"] = false;
  out["properties"] = std::move(properties);
  out["required"] = std::move(required);
  return out;
}

}  // namespace switchboard::host
