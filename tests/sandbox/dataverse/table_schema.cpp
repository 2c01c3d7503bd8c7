// Table definitions of the Dataverse emulator: defaults, system columns and the JSON form.
#include "sandbox/dataverse/table_schema.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

struct type_name {
  std::string_view name;
  column_type type;
};

constexpr type_name type_names[] = {
    {"String", column_type::string},
    {"Memo", column_type::memo},
    {"Integer", column_type::integer},
    {"BigInt", column_type::big_int},
    {"Decimal", column_type::decimal},
    {"Double", column_type::double_precision},
    {"Money", column_type::money},
    {"Boolean", column_type::boolean},
    {"DateTime", column_type::date_time},
    {"Date", column_type::date_only},
    {"DateOnly", column_type::date_only},
    {"Picklist", column_type::picklist},
    {"State", column_type::state},
    {"Status", column_type::status},
    {"Lookup", column_type::lookup},
    {"Customer", column_type::customer},
    {"Uniqueidentifier", column_type::uniqueidentifier},
};

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

column_definition make_column(std::string name, column_type type) {
  column_definition c;
  c.logical_name = std::move(name);
  c.type = type;
  return c;
}

column_definition* find_column(table_definition& t, std::string_view name) {
  for (auto& c : t.columns) {
    if (c.logical_name == name) return &c;
  }
  return nullptr;
}

void add_if_missing(table_definition& t, column_definition column) {
  if (find_column(t, column.logical_name) == nullptr) t.columns.push_back(std::move(column));
}

std::string prefix_of(std::string_view logical_name) {
  const auto underscore = logical_name.find('_');
  if (underscore == std::string_view::npos) return "";
  return std::string(logical_name.substr(0, underscore + 1));
}

column_definition state_column(bool activity) {
  auto c = make_column("statecode", column_type::state);
  c.read_only = false;
  if (activity) {
    c.options = {{0, "Open"}, {1, "Completed"}, {2, "Canceled"}, {3, "Scheduled"}};
  } else {
    c.options = {{0, "Active"}, {1, "Inactive"}};
  }
  c.default_value = 0;
  return c;
}

column_definition status_column(bool activity) {
  auto c = make_column("statuscode", column_type::status);
  if (activity) {
    c.options = {{1, "Open", 0}, {2, "Completed", 1}, {3, "Canceled", 2}, {4, "Scheduled", 3}};
  } else {
    c.options = {{1, "Active", 0}, {2, "Inactive", 1}};
  }
  c.default_value = 1;
  return c;
}

column_definition system_time(std::string name) {
  auto c = make_column(std::move(name), column_type::date_time);
  c.read_only = true;
  return c;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  if (!v->is_string()) throw std::invalid_argument(std::string(key) + " must be a string");
  return std::string(v->get_string());
}

bool bool_field(const json::object& o, std::string_view key, bool fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_bool()) throw std::invalid_argument(std::string(key) + " must be a boolean");
  return v->get_bool();
}

const json::array* array_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) throw std::invalid_argument(std::string(key) + " must be an array");
  return &v->get_array();
}

std::vector<std::string> string_list(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = array_field(o, key)) {
    for (const auto& item : *a) {
      if (!item.is_string()) throw std::invalid_argument(std::string(key) + " must hold strings");
      out.emplace_back(item.get_string());
    }
  }
  return out;
}

column_type parse_type(std::string_view name) {
  for (const auto& t : type_names) {
    if (t.name == name) return t.type;
  }
  throw std::invalid_argument("unknown column type '" + std::string(name) + "'");
}

column_definition column_from_json(const json::value& v) {
  if (!v.is_object()) throw std::invalid_argument("a column must be an object");
  const auto& o = v.get_object();
  column_definition c;
  c.logical_name = string_field(o, "name");
  if (c.logical_name.empty()) c.logical_name = string_field(o, "logical_name");
  const auto type = string_field(o, "type");
  c.type = type.empty() ? column_type::string : parse_type(type);
  c.schema_name = string_field(o, "schema_name");
  c.display_name = string_field(o, "display_name");
  c.navigation = string_field(o, "navigation");
  c.required = bool_field(o, "required", false);
  c.read_only = bool_field(o, "read_only", false);
  c.is_custom = bool_field(o, "is_custom", true);
  c.targets = string_list(o, "targets");
  if (const auto* n = o.if_contains("max_length"); n != nullptr && n->is_int64()) {
    c.max_length = static_cast<int>(n->get_int64());
  }
  if (const auto* n = o.if_contains("precision"); n != nullptr && n->is_int64()) {
    c.precision = static_cast<int>(n->get_int64());
  }
  if (const auto* n = o.if_contains("min_value"); n != nullptr && n->is_number()) {
    c.min_value = n->to_number<double>();
  }
  if (const auto* n = o.if_contains("max_value"); n != nullptr && n->is_number()) {
    c.max_value = n->to_number<double>();
  }
  if (const auto* d = o.if_contains("default")) c.default_value = *d;
  if (const auto* opts = array_field(o, "options")) {
    for (const auto& item : *opts) {
      if (!item.is_object()) throw std::invalid_argument("an option must be an object");
      const auto& io = item.get_object();
      const auto* value = io.if_contains("value");
      if (value == nullptr || !value->is_int64()) {
        throw std::invalid_argument("an option needs an integer value");
      }
      option_label label;
      label.value = static_cast<int>(value->get_int64());
      label.label = string_field(io, "label");
      if (const auto* s = io.if_contains("state"); s != nullptr && s->is_int64()) {
        label.state = static_cast<int>(s->get_int64());
      }
      c.options.push_back(std::move(label));
    }
  }
  return c;
}

void validate_column(const table_definition& t, const column_definition& c) {
  const auto where = "table " + t.logical_name + ", column " + c.logical_name;
  if (!valid_name(c.logical_name)) {
    throw std::invalid_argument(where + ": a logical name is lowercase letters, digits and _");
  }
  const bool enumerated = c.type == column_type::picklist || c.type == column_type::state ||
                          c.type == column_type::status;
  if (enumerated && c.options.empty()) throw std::invalid_argument(where + ": needs options");
  if (c.type == column_type::status) {
    for (const auto& o : c.options) {
      if (o.state < 0) throw std::invalid_argument(where + ": a status option needs its state");
    }
  }
  if (c.type == column_type::lookup && c.targets.empty() && c.logical_name != "regardingobjectid") {
    throw std::invalid_argument(where + ": a lookup needs its target table");
  }
  if (c.type == column_type::customer && c.targets.size() < 2) {
    throw std::invalid_argument(where + ": a customer column needs two or more targets");
  }
  for (const auto& target : c.targets) {
    if (!valid_name(target)) throw std::invalid_argument(where + ": bad target " + target);
  }
}

}  // namespace

table_definition complete_definition(table_definition t) {
  if (!valid_name(t.logical_name)) {
    throw std::invalid_argument("table logical name '" + t.logical_name +
                                "' must be lowercase letters, digits and _");
  }
  if (t.entity_set_name.empty()) t.entity_set_name = t.logical_name + "s";
  if (!valid_name(t.entity_set_name)) {
    throw std::invalid_argument("entity set name '" + t.entity_set_name + "' is not valid");
  }
  if (t.schema_name.empty()) t.schema_name = t.logical_name;
  if (t.display_name.empty()) t.display_name = t.logical_name;
  if (t.is_activity) {
    if (t.primary_id.empty()) t.primary_id = "activityid";
    if (t.primary_id != "activityid") {
      throw std::invalid_argument("table " + t.logical_name + ": an activity's key is activityid");
    }
    if (t.primary_name.empty()) t.primary_name = "subject";
    auto subject = make_column("subject", column_type::string);
    subject.max_length = 400;
    add_if_missing(t, std::move(subject));
    auto regarding = make_column("regardingobjectid", column_type::lookup);
    add_if_missing(t, std::move(regarding));
    auto type_code = make_column("activitytypecode", column_type::string);
    type_code.read_only = true;
    add_if_missing(t, std::move(type_code));
    add_if_missing(t, make_column("description", column_type::memo));
  }
  if (t.primary_id.empty()) t.primary_id = t.logical_name + "id";
  if (t.primary_name.empty()) {
    const auto candidate = prefix_of(t.logical_name) + "name";
    t.primary_name = candidate;
  }
  if (auto* id = find_column(t, t.primary_id)) {
    if (id->type != column_type::uniqueidentifier) {
      throw std::invalid_argument("table " + t.logical_name +
                                  ": the primary id is a Uniqueidentifier");
    }
  } else {
    t.columns.insert(t.columns.begin(), make_column(t.primary_id, column_type::uniqueidentifier));
  }
  if (find_column(t, t.primary_name) == nullptr) {
    auto name = make_column(t.primary_name, column_type::string);
    name.max_length = 100;
    name.is_custom = t.is_custom;
    t.columns.push_back(std::move(name));
  }
  add_if_missing(t, state_column(t.is_activity));
  add_if_missing(t, status_column(t.is_activity));
  add_if_missing(t, system_time("createdon"));
  add_if_missing(t, system_time("modifiedon"));

  std::set<std::string, std::less<>> names;
  for (auto& c : t.columns) {
    validate_column(t, c);
    if (!names.insert(c.logical_name).second) {
      throw std::invalid_argument("table " + t.logical_name + ": column " + c.logical_name +
                                  " is defined twice");
    }
    if (c.schema_name.empty()) c.schema_name = c.logical_name;
    if (c.display_name.empty()) c.display_name = c.logical_name;
    if (c.type == column_type::boolean && c.options.empty()) c.options = {{0, "No"}, {1, "Yes"}};
    if (c.type == column_type::lookup && c.targets.size() == 1 && c.navigation.empty()) {
      c.navigation = c.schema_name;
    }
  }
  for (const auto& key : t.keys) {
    if (key.name.empty() || key.columns.empty()) {
      throw std::invalid_argument("table " + t.logical_name + ": a key needs a name and columns");
    }
    for (const auto& column : key.columns) {
      if (names.count(column) == 0) {
        throw std::invalid_argument("table " + t.logical_name + ": key " + key.name +
                                    " names unknown column " + column);
      }
    }
  }
  return t;
}

table_definition table_definition_from_json(const boost::json::value& v) {
  if (!v.is_object()) throw std::invalid_argument("a table definition must be a JSON object");
  const auto& o = v.get_object();
  table_definition t;
  t.logical_name = string_field(o, "logical_name");
  t.entity_set_name = string_field(o, "entity_set_name");
  t.primary_id = string_field(o, "primary_id");
  t.primary_name = string_field(o, "primary_name");
  t.schema_name = string_field(o, "schema_name");
  t.display_name = string_field(o, "display_name");
  t.is_activity = bool_field(o, "is_activity", false);
  t.change_tracking = bool_field(o, "change_tracking", true);
  t.is_custom = bool_field(o, "is_custom", true);
  if (const auto* columns = array_field(o, "columns")) {
    for (const auto& c : *columns) t.columns.push_back(column_from_json(c));
  }
  if (const auto* keys = array_field(o, "keys")) {
    for (const auto& k : *keys) {
      if (!k.is_object()) throw std::invalid_argument("a key must be an object");
      alternate_key key;
      key.name = string_field(k.get_object(), "name");
      key.columns = string_list(k.get_object(), "columns");
      t.keys.push_back(std::move(key));
    }
  }
  return complete_definition(std::move(t));
}

std::string_view attribute_type_name(column_type type) noexcept {
  switch (type) {
    case column_type::string:
      return "String";
    case column_type::memo:
      return "Memo";
    case column_type::integer:
      return "Integer";
    case column_type::big_int:
      return "BigInt";
    case column_type::decimal:
      return "Decimal";
    case column_type::double_precision:
      return "Double";
    case column_type::money:
      return "Money";
    case column_type::boolean:
      return "Boolean";
    case column_type::date_time:
    case column_type::date_only:
      return "DateTime";
    case column_type::picklist:
      return "Picklist";
    case column_type::state:
      return "State";
    case column_type::status:
      return "Status";
    case column_type::lookup:
      return "Lookup";
    case column_type::customer:
      return "Customer";
    case column_type::uniqueidentifier:
      return "Uniqueidentifier";
  }
  return "String";
}

int attribute_type_code(column_type type) noexcept {
  switch (type) {
    case column_type::boolean:
      return 0;
    case column_type::customer:
      return 1;
    case column_type::date_time:
    case column_type::date_only:
      return 2;
    case column_type::decimal:
      return 3;
    case column_type::double_precision:
      return 4;
    case column_type::integer:
      return 5;
    case column_type::lookup:
      return 6;
    case column_type::memo:
      return 7;
    case column_type::money:
      return 8;
    case column_type::picklist:
      return 11;
    case column_type::state:
      return 12;
    case column_type::status:
      return 13;
    case column_type::string:
      return 14;
    case column_type::uniqueidentifier:
      return 15;
    case column_type::big_int:
      return 18;
  }
  return 14;
}

std::string_view edm_type(column_type type) noexcept {
  switch (type) {
    case column_type::string:
    case column_type::memo:
      return "Edm.String";
    case column_type::integer:
    case column_type::picklist:
    case column_type::state:
    case column_type::status:
      return "Edm.Int32";
    case column_type::big_int:
      return "Edm.Int64";
    case column_type::decimal:
    case column_type::money:
      return "Edm.Decimal";
    case column_type::double_precision:
      return "Edm.Double";
    case column_type::boolean:
      return "Edm.Boolean";
    case column_type::date_time:
      return "Edm.DateTimeOffset";
    case column_type::date_only:
      return "Edm.Date";
    case column_type::lookup:
    case column_type::customer:
    case column_type::uniqueidentifier:
      return "Edm.Guid";
  }
  return "Edm.String";
}

bool is_lookup(column_type type) noexcept {
  return type == column_type::lookup || type == column_type::customer;
}

std::string property_name(const column_definition& column) {
  if (is_lookup(column.type)) return "_" + column.logical_name + "_value";
  return column.logical_name;
}

int effective_max_length(const column_definition& column) noexcept {
  if (column.max_length > 0) return column.max_length;
  return column.type == column_type::memo ? 2000 : 100;
}

}  // namespace switchboard::sandbox::dataverse
