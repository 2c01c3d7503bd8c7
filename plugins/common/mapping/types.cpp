// Type names of both sides, their mapping from metadata, and the source schema document.
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <boost/json/string.hpp>

#include <fmt/format.h>

#include <array>
#include <utility>

namespace switchboard::mapping {

namespace json = boost::json;

std::string_view to_string(source_type t) noexcept {
  switch (t) {
    case source_type::boolean:
      return "Boolean";
    case source_type::integer:
      return "Integer";
    case source_type::decimal:
      return "Decimal";
    case source_type::double_precision:
      return "Double";
    case source_type::string:
      return "String";
    case source_type::date_time:
      return "DateTime";
    case source_type::date_only:
      return "DateOnly";
    case source_type::picklist:
      return "Picklist";
    case source_type::lookup:
      return "Lookup";
    case source_type::uniqueidentifier:
      return "Uniqueidentifier";
    case source_type::other:
      break;
  }
  return "Other";
}

std::string_view to_string(target_type t) noexcept {
  switch (t) {
    case target_type::boolean:
      return "boolean";
    case target_type::integer:
      return "integer";
    case target_type::float_single:
      return "float";
    case target_type::double_precision:
      return "double";
    case target_type::string:
      return "string";
    case target_type::date_time:
      return "datetime";
    case target_type::date:
      return "date";
    case target_type::enumeration:
      return "enumeration";
    case target_type::link:
      return "link";
    case target_type::other:
      break;
  }
  return "other";
}

std::string_view to_string(filter_op op) noexcept {
  switch (op) {
    case filter_op::eq:
      return "eq";
    case filter_op::ne:
      return "ne";
    case filter_op::gt:
      return "gt";
    case filter_op::ge:
      return "ge";
    case filter_op::lt:
      return "lt";
    case filter_op::le:
      return "le";
    case filter_op::contains:
      return "contains";
    case filter_op::startswith:
      return "startswith";
    case filter_op::endswith:
      return "endswith";
    case filter_op::in:
      return "in";
    case filter_op::is_null:
      return "is-null";
    case filter_op::not_null:
      break;
  }
  return "not-null";
}

source_type source_type_from_attribute(std::string_view attribute_type) noexcept {
  static constexpr std::array<std::pair<std::string_view, source_type>, 20> names{{
      {"Boolean", source_type::boolean},
      {"Integer", source_type::integer},
      {"BigInt", source_type::integer},
      {"Decimal", source_type::decimal},
      {"Money", source_type::decimal},
      {"Double", source_type::double_precision},
      {"String", source_type::string},
      {"Memo", source_type::string},
      {"EntityName", source_type::string},
      {"DateTime", source_type::date_time},
      {"DateOnly", source_type::date_only},
      {"Date", source_type::date_only},
      {"Picklist", source_type::picklist},
      {"State", source_type::picklist},
      {"Status", source_type::picklist},
      {"Lookup", source_type::lookup},
      {"Customer", source_type::lookup},
      {"Owner", source_type::lookup},
      {"Uniqueidentifier", source_type::uniqueidentifier},
      {"Other", source_type::other},
  }};
  for (const auto& [name, type] : names) {
    if (name == attribute_type) return type;
  }
  return source_type::other;
}

target_type target_type_from_metadata(std::string_view type) noexcept {
  static constexpr std::array<std::pair<std::string_view, target_type>, 20> names{{
      {"boolean", target_type::boolean},
      {"byte", target_type::integer},
      {"short", target_type::integer},
      {"long", target_type::integer},
      {"int64", target_type::integer},
      {"integer", target_type::integer},
      {"int", target_type::integer},
      {"float", target_type::float_single},
      {"double", target_type::double_precision},
      {"number", target_type::double_precision},
      {"string", target_type::string},
      {"memo", target_type::string},
      {"text", target_type::string},
      {"uuid", target_type::string},
      {"datetime", target_type::date_time},
      {"timestamp", target_type::date_time},
      {"date", target_type::date},
      {"enumeration", target_type::enumeration},
      {"link", target_type::link},
      {"other", target_type::other},
  }};
  for (const auto& [name, t] : names) {
    if (name == type) return t;
  }
  return target_type::other;
}

json::object source_schema::to_json() const {
  json::object columns_json;
  columns_json.reserve(columns.size());
  for (const auto& [name, type] : columns) columns_json[name] = to_string(type);
  json::object out;
  out["table"] = table;
  out["primary_key"] = primary_key;
  out["columns"] = std::move(columns_json);
  return out;
}

namespace {

[[noreturn]] void schema_fail(std::string_view pointer, std::string_view reason) {
  throw mapping_error(fmt::format("source schema: {}: {}", pointer, reason));
}

std::string schema_string(const json::object& json, std::string_view key) {
  const auto* v = json.if_contains(key);
  const std::string pointer = "/" + detail::pointer_token(key);
  if (v == nullptr) schema_fail(pointer, "required key is missing");
  if (!v->is_string()) {
    schema_fail(pointer, fmt::format("expected a string, got {}", detail::kind_and_value(*v)));
  }
  return std::string(v->get_string());
}

}  // namespace

source_schema source_schema::from_json(const json::object& json) {
  // Unknown keys are ignored: the document is written by one plugin and read by another, and a
  // newer writer may add keys an older reader does not need.
  source_schema s;
  s.table = schema_string(json, "table");
  if (s.table.empty()) schema_fail("/table", "must not be empty");
  s.primary_key = schema_string(json, "primary_key");
  const auto* columns = json.if_contains("columns");
  if (columns == nullptr) schema_fail("/columns", "required key is missing");
  if (!columns->is_object()) {
    schema_fail("/columns", fmt::format("expected an object, got {}", detail::kind_name(*columns)));
  }
  for (const auto& [name, type] : columns->get_object()) {
    const std::string pointer = "/columns/" + detail::pointer_token(name);
    if (name.empty()) schema_fail(pointer, "column name must not be empty");
    if (!type.is_string()) {
      schema_fail(pointer,
                  fmt::format("expected a type name string, got {}", detail::kind_and_value(type)));
    }
    s.columns.emplace(std::string(name), source_type_from_attribute(type.get_string()));
  }
  return s;
}

}  // namespace switchboard::mapping
