// OData $filter for the Dataverse emulator: binding to a table and evaluation.
#include "sandbox/dataverse/odata_filter.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <optional>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::string_view crm_prefix = "Microsoft.Dynamics.CRM.";

std::string_view operator_name(filter_op op) {
  switch (op) {
    case filter_op::eq:
      return "Equal";
    case filter_op::ne:
      return "NotEqual";
    case filter_op::gt:
      return "GreaterThan";
    case filter_op::ge:
      return "GreaterThanOrEqual";
    case filter_op::lt:
      return "LessThan";
    case filter_op::le:
      return "LessThanOrEqual";
  }
  return "Equal";
}

std::string_view literal_edm(const filter_literal& literal) {
  switch (literal.kind) {
    case literal_kind::null:
      return "null";
    case literal_kind::boolean:
      return "Edm.Boolean";
    case literal_kind::integer:
      return "Edm.Int32";
    case literal_kind::decimal:
      return "Edm.Decimal";
    case literal_kind::string:
      return "Edm.String";
    case literal_kind::date_time:
      return "Edm.DateTimeOffset";
    case literal_kind::date:
      return "Edm.Date";
    case literal_kind::guid:
      return "Edm.Guid";
    case literal_kind::enumeration:
      return literal.type_name;
  }
  return "Edm.String";
}

bool compatible(column_type column, literal_kind literal) {
  if (literal == literal_kind::null) return true;
  switch (column) {
    case column_type::string:
    case column_type::memo:
      return literal == literal_kind::string;
    case column_type::integer:
    case column_type::big_int:
    case column_type::picklist:
    case column_type::state:
    case column_type::status:
      return literal == literal_kind::integer;
    case column_type::decimal:
    case column_type::double_precision:
    case column_type::money:
      return literal == literal_kind::integer || literal == literal_kind::decimal;
    case column_type::boolean:
      return literal == literal_kind::boolean;
    case column_type::date_time:
    case column_type::date_only:
      return literal == literal_kind::date_time || literal == literal_kind::date;
    case column_type::lookup:
    case column_type::customer:
    case column_type::uniqueidentifier:
      return literal == literal_kind::guid;
  }
  return false;
}

int bind_property(filter_operand& operand, const table_store& table) {
  operand.column = table.property_index(operand.property);
  if (operand.column < 0) fail(unknown_property(operand.property, table.definition().logical_name));
  return operand.column;
}

const filter_operand* argument(const filter_node& node, std::string_view name) {
  for (const auto& o : node.operands) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

std::string lower_text(const json::value& v) {
  return lowercase(v.is_string() ? std::string(v.get_string()) : json::serialize(v));
}

int three_way(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

/// Orders a value against a literal; nullopt when they cannot be compared.
std::optional<int> order(const json::value& v, const filter_literal& literal) {
  const auto& l = literal.value;
  switch (literal.kind) {
    case literal_kind::date:
    case literal_kind::date_time: {
      if (!v.is_string()) return std::nullopt;
      const auto a = parse_iso_time(v.get_string());
      const auto b = parse_iso_time(l.get_string());
      if (!a || !b) return std::nullopt;
      return *a < *b ? -1 : (*a > *b ? 1 : 0);
    }
    case literal_kind::integer:
    case literal_kind::decimal:
      if (v.is_number()) return three_way(v.to_number<double>(), l.to_number<double>());
      if (v.is_string()) {
        const auto a = lower_text(v);
        const auto b = lower_text(l);
        return a < b ? -1 : (a > b ? 1 : 0);
      }
      return std::nullopt;
    case literal_kind::boolean:
      if (!v.is_bool()) return std::nullopt;
      return static_cast<int>(v.get_bool()) - static_cast<int>(l.get_bool());
    default: {
      if (v.is_number() && l.is_string()) {
        char* end = nullptr;
        const std::string text(l.get_string());
        const double number = std::strtod(text.c_str(), &end);
        if (end != text.c_str() && *end == '\0') return three_way(v.to_number<double>(), number);
      }
      if (v.is_bool() && l.is_string()) {
        return lower_text(v) == lower_text(l) ? 0 : (v.get_bool() ? 1 : -1);
      }
      const auto a = lower_text(v);
      const auto b = lower_text(l);
      return a < b ? -1 : (a > b ? 1 : 0);
    }
  }
}

filter_literal as_literal(const json::value& v) {
  if (v.is_null()) return {literal_kind::null, nullptr, ""};
  if (v.is_bool()) return {literal_kind::boolean, v, ""};
  if (v.is_number()) return {literal_kind::decimal, v.to_number<double>(), ""};
  return {literal_kind::string, v.is_string() ? v : json::value(json::serialize(v)), ""};
}

bool compare(const json::value& v, filter_op op, const filter_literal& literal) {
  const bool value_null = v.is_null();
  const bool literal_null = literal.kind == literal_kind::null;
  if (value_null || literal_null) {
    const bool equal = value_null && literal_null;
    if (op == filter_op::eq) return equal;
    if (op == filter_op::ne) return !equal;
    return false;
  }
  const auto o = order(v, literal);
  if (!o) return op == filter_op::ne;
  switch (op) {
    case filter_op::eq:
      return *o == 0;
    case filter_op::ne:
      return *o != 0;
    case filter_op::gt:
      return *o > 0;
    case filter_op::ge:
      return *o >= 0;
    case filter_op::lt:
      return *o < 0;
    case filter_op::le:
      return *o <= 0;
  }
  return false;
}

json::value operand_value(const filter_operand& operand, const filter_subject& subject) {
  if (operand.type == filter_operand::kind::property) return subject.value(operand);
  return operand.literal.value;
}

bool evaluate_call(const filter_node& node, const filter_subject& subject) {
  const auto& f = node.function;
  if (f == "contains" || f == "startswith" || f == "endswith") {
    const auto haystack = operand_value(node.operands[0], subject);
    const auto needle = operand_value(node.operands[1], subject);
    if (!haystack.is_string() || !needle.is_string()) return false;
    const auto h = lowercase(haystack.get_string());
    const auto n = lowercase(needle.get_string());
    if (f == "contains") return h.find(n) != std::string::npos;
    if (f == "startswith") return h.rfind(n, 0) == 0;
    return h.size() >= n.size() && h.compare(h.size() - n.size(), n.size(), n) == 0;
  }
  const auto* name = argument(node, "PropertyName");
  const auto name_text =
      name != nullptr && name->literal.value.is_string() ? name->literal.value.get_string() : "";
  const auto value = subject.named(node, name_text);
  const auto fn = std::string_view(f).substr(crm_prefix.size());
  if (fn == "Null") return value.is_null();
  if (fn == "NotNull") return !value.is_null();
  const auto* values = argument(node, "PropertyValues");
  const auto* single = argument(node, "PropertyValue");
  std::vector<filter_literal> list;
  if (values != nullptr)
    list = values->type == filter_operand::kind::list
               ? values->list
               : std::vector<filter_literal>{values->literal};
  if (single != nullptr) list.push_back(single->literal);
  if (fn == "In" || fn == "NotIn") {
    bool found = false;
    for (const auto& item : list) found = found || compare(value, filter_op::eq, item);
    return fn == "In" ? found : !found;
  }
  if ((fn == "Between" || fn == "NotBetween") && list.size() == 2) {
    const bool inside =
        compare(value, filter_op::ge, list[0]) && compare(value, filter_op::le, list[1]);
    return fn == "Between" ? inside : !inside;
  }
  if (fn == "Equal" && !list.empty()) return compare(value, filter_op::eq, list[0]);
  if (fn == "NotEqual" && !list.empty()) return compare(value, filter_op::ne, list[0]);
  fail(query_error("An unknown function with name '" + f +
                   "' was found. This may also be a function import or a key lookup on a "
                   "navigation property, which is not allowed."));
}

json::value path_value(const json::object& object, std::string_view path) {
  const json::value* current = nullptr;
  const json::object* scope = &object;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (scope == nullptr) return nullptr;
    current = scope->if_contains(part);
    if (current == nullptr) return nullptr;
    scope = current->is_object() ? &current->get_object() : nullptr;
  }
  return current == nullptr ? json::value(nullptr) : *current;
}

}  // namespace

void bind_filter(filter_node& node, const table_store& table) {
  for (auto& child : node.children) bind_filter(*child, table);
  const auto& logical = table.definition().logical_name;
  if (node.type == filter_node::kind::compare) {
    auto& left = node.operands[0];
    auto& right = node.operands[1];
    if (left.type == filter_operand::kind::property) bind_property(left, table);
    if (right.type == filter_operand::kind::property) bind_property(right, table);
    const filter_operand* property = left.type == filter_operand::kind::property ? &left : &right;
    const filter_operand* literal = left.type == filter_operand::kind::property ? &right : &left;
    if (property->type != filter_operand::kind::property ||
        literal->type != filter_operand::kind::literal) {
      return;
    }
    const auto& column = table.column(property->column);
    if (!compatible(column.type, literal->literal.kind)) {
      fail(
          query_error("A binary operator with incompatible types was detected. Found operand "
                      "types '" +
                      std::string(edm_type(column.type)) + "' and '" +
                      std::string(literal_edm(literal->literal)) + "' for operator kind '" +
                      std::string(operator_name(node.op)) + "'."));
    }
    return;
  }
  if (node.type != filter_node::kind::call) return;
  if (node.function.rfind(crm_prefix, 0) == 0) {
    const auto* name = argument(node, "PropertyName");
    if (name == nullptr || !name->literal.value.is_string()) {
      fail(query_error("The function '" + node.function + "' requires a PropertyName."));
    }
    const std::string column(name->literal.value.get_string());
    node.column = table.column_index(column);
    if (node.column < 0) node.column = table.property_index(column);
    if (node.column < 0) fail(unknown_property(column, logical));
    return;
  }
  for (auto& operand : node.operands) {
    if (operand.type != filter_operand::kind::property) continue;
    const auto& column = table.column(bind_property(operand, table));
    if (column.type != column_type::string && column.type != column_type::memo) {
      fail(query_error("No function signature for the function with name '" + node.function +
                       "' matches the specified arguments. The function signatures considered "
                       "are: " +
                       node.function + "(Edm.String Nullable=true, Edm.String Nullable=true)."));
    }
  }
}

json::value row_subject::value(const filter_operand& property) const {
  if (property.column < 0) return nullptr;
  return wire_value(table_.column(property.column),
                    row_.cells[static_cast<std::size_t>(property.column)]);
}

json::value row_subject::named(const filter_node& call, std::string_view) const {
  if (call.column < 0) return nullptr;
  return wire_value(table_.column(call.column), row_.cells[static_cast<std::size_t>(call.column)]);
}

json::value json_subject::value(const filter_operand& property) const {
  return path_value(object_, property.property);
}

json::value json_subject::named(const filter_node&, std::string_view name) const {
  return path_value(object_, name);
}

bool evaluate(const filter_node& node, const filter_subject& subject) {
  switch (node.type) {
    case filter_node::kind::logical_and:
      return evaluate(*node.children[0], subject) && evaluate(*node.children[1], subject);
    case filter_node::kind::logical_or:
      return evaluate(*node.children[0], subject) || evaluate(*node.children[1], subject);
    case filter_node::kind::logical_not:
      return !evaluate(*node.children[0], subject);
    case filter_node::kind::call:
      return evaluate_call(node, subject);
    case filter_node::kind::compare:
      break;
  }
  const auto& left = node.operands[0];
  const auto& right = node.operands[1];
  if (left.type == filter_operand::kind::literal && right.type == filter_operand::kind::property) {
    const auto value = subject.value(right);
    filter_op flipped = node.op;
    if (node.op == filter_op::gt) flipped = filter_op::lt;
    if (node.op == filter_op::lt) flipped = filter_op::gt;
    if (node.op == filter_op::ge) flipped = filter_op::le;
    if (node.op == filter_op::le) flipped = filter_op::ge;
    return compare(value, flipped, left.literal);
  }
  const auto value = operand_value(left, subject);
  if (right.type == filter_operand::kind::literal) return compare(value, node.op, right.literal);
  return compare(value, node.op, as_literal(operand_value(right, subject)));
}

}  // namespace switchboard::sandbox::dataverse
