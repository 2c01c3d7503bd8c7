// EntityDefinitions queries: the table, its attributes, date-only formats and option sets.
#include "table_metadata.hpp"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

namespace switchboard::dynamics365 {
namespace {

namespace json = boost::json;

[[noreturn]] void fail(std::string_view what, const sdk::status& st) {
  const auto message = fmt::format("{}: {}", what, st.message());
  if (st.kind() == sdk::error_kind::permanent) throw std::invalid_argument(message);
  throw std::runtime_error(message);
}

[[noreturn]] void malformed(std::string_view what, std::string_view detail) {
  throw std::runtime_error(fmt::format("{}: malformed metadata answer: {}", what, detail));
}

std::string string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::array& value_array(const json::object& body, std::string_view what) {
  const auto* v = body.if_contains("value");
  if (v == nullptr || !v->is_array()) malformed(what, "no \"value\" array");
  return v->get_array();
}

bool is_lookup_type(std::string_view attribute_type) {
  return attribute_type == "Lookup" || attribute_type == "Customer" || attribute_type == "Owner";
}

std::string entity_path(const web_api& api, std::string_view table) {
  return fmt::format("{}/EntityDefinitions(LogicalName='{}')", api.root(), table);
}

/// Several independent metadata GETs at once; throws on the first failure.
std::vector<json::object> get_all(web_api& api, const std::vector<std::string>& urls,
                                  std::string_view what) {
  std::vector<sdk::http_request> requests;
  requests.reserve(urls.size());
  for (const auto& url : urls) requests.push_back(api.request(url, {}));
  auto exchanges = api.http().send_many(requests, 4);
  std::vector<json::object> out;
  out.reserve(urls.size());
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto result = api.interpret(urls[i], {}, std::move(exchanges[i]));
    if (!result.status) fail(what, result.status);
    out.push_back(std::move(result.body));
  }
  return out;
}

std::string label_text(const json::value* label) {
  if (label == nullptr || !label->is_object()) return {};
  const auto& l = label->get_object();
  if (const auto* user = l.if_contains("UserLocalizedLabel");
      user != nullptr && user->is_object()) {
    auto text = string_member(user->get_object(), "Label");
    if (!text.empty()) return text;
  }
  if (const auto* all = l.if_contains("LocalizedLabels"); all != nullptr && all->is_array()) {
    for (const auto& item : all->get_array()) {
      if (!item.is_object()) continue;
      auto text = string_member(item.get_object(), "Label");
      if (!text.empty()) return text;
    }
  }
  return {};
}

void add_option(const json::value& option, std::map<std::int64_t, std::string>& out) {
  if (!option.is_object()) return;
  const auto& o = option.get_object();
  const auto* value = o.if_contains("Value");
  if (value == nullptr || !value->is_number()) return;
  auto text = label_text(o.if_contains("Label"));
  if (!text.empty()) out[value->to_number<std::int64_t>()] = std::move(text);
}

void add_option_set(const json::value* set, std::map<std::int64_t, std::string>& out) {
  if (set == nullptr || !set->is_object()) return;
  const auto& s = set->get_object();
  if (const auto* options = s.if_contains("Options"); options != nullptr && options->is_array()) {
    for (const auto& o : options->get_array()) add_option(o, out);
  }
  for (const auto* name : {"TrueOption", "FalseOption"}) {
    if (const auto* o = s.if_contains(name)) add_option(*o, out);
  }
}

}  // namespace

const column_info* table_metadata::find(std::string_view name) const {
  if (const auto it = columns.find(name); it != columns.end()) return &it->second;
  const auto it = columns.find(fmt::format("_{}_value", name));
  if (it != columns.end() && it->second.logical_name == name) return &it->second;
  return nullptr;
}

mapping::source_schema table_metadata::schema() const {
  mapping::source_schema s;
  s.table = logical_name;
  s.primary_key = primary_id;
  for (const auto& [property, column] : columns) s.columns.emplace(property, column.type);
  return s;
}

table_metadata discover_table(web_api& api, std::string_view table) {
  const auto what = fmt::format("reading the metadata of Dataverse table {}", table);
  const auto base = entity_path(api, table);
  table_metadata meta;
  {
    auto entity = api.get(base +
                          "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,"
                          "PrimaryNameAttribute,ChangeTrackingEnabled");
    if (!entity.status) {
      if (entity.http_status == 404) {
        throw std::invalid_argument(
            fmt::format("table {} is not in the Dataverse environment {} ({})", table,
                        api.environment(), entity.status.message()));
      }
      fail(what, entity.status);
    }
    const auto& e = entity.body;
    meta.logical_name = string_member(e, "LogicalName");
    if (meta.logical_name.empty()) meta.logical_name = std::string(table);
    meta.entity_set = string_member(e, "EntitySetName");
    meta.primary_id = string_member(e, "PrimaryIdAttribute");
    meta.primary_name = string_member(e, "PrimaryNameAttribute");
    if (meta.entity_set.empty() || meta.primary_id.empty()) {
      malformed(what, "EntitySetName or PrimaryIdAttribute is missing");
    }
    const auto* tracking = e.if_contains("ChangeTrackingEnabled");
    meta.change_tracking = tracking != nullptr && tracking->is_bool() && tracking->get_bool();
  }
  auto answers = get_all(api,
                         {base + "/Attributes?$select=LogicalName,AttributeType,AttributeOf",
                          base + "/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata"
                                 "?$select=LogicalName,Format,DateTimeBehavior"},
                         what);
  std::set<std::string, std::less<>> date_only;
  for (const auto& item : value_array(answers[1], what)) {
    if (!item.is_object()) continue;
    const auto& a = item.get_object();
    bool is_date_only = string_member(a, "Format") == "DateOnly";
    if (const auto* behavior = a.if_contains("DateTimeBehavior");
        behavior != nullptr && behavior->is_object()) {
      is_date_only = is_date_only || string_member(behavior->get_object(), "Value") == "DateOnly";
    }
    if (is_date_only) date_only.insert(string_member(a, "LogicalName"));
  }
  for (const auto& item : value_array(answers[0], what)) {
    if (!item.is_object()) malformed(what, "an attribute is not an object");
    const auto& a = item.get_object();
    const auto* of = a.if_contains("AttributeOf");
    if (of != nullptr && !of->is_null()) continue;  // e.g. parentcustomeridname: not selectable
    column_info c;
    c.logical_name = string_member(a, "LogicalName");
    c.attribute_type = string_member(a, "AttributeType");
    if (c.logical_name.empty()) malformed(what, "an attribute has no LogicalName");
    if (c.attribute_type == "PartyList" || c.attribute_type == "CalendarRules" ||
        c.attribute_type == "ManagedProperty") {
      continue;  // not readable as a column value
    }
    c.property = is_lookup_type(c.attribute_type) ? fmt::format("_{}_value", c.logical_name)
                                                  : c.logical_name;
    c.type = mapping::source_type_from_attribute(c.attribute_type);
    if (c.attribute_type == "DateTime" && date_only.contains(c.logical_name)) {
      c.type = mapping::source_type::date_only;
    }
    meta.columns.emplace(c.property, std::move(c));
  }
  if (!meta.columns.contains(meta.primary_id)) {
    malformed(what, fmt::format("the primary id {} is not among the attributes", meta.primary_id));
  }
  return meta;
}

option_labels discover_labels(web_api& api, const table_metadata& table,
                              const std::vector<std::string>& properties) {
  const auto what =
      fmt::format("reading the option labels of Dataverse table {}", table.logical_name);
  std::set<std::string, std::less<>> types;
  std::set<std::string, std::less<>> wanted;
  for (const auto& p : properties) {
    const auto* c = table.find(p);
    if (c == nullptr) continue;
    const auto& t = c->attribute_type;
    if (t == "Picklist" || t == "State" || t == "Status" || t == "Boolean") {
      types.insert(t);
      wanted.insert(c->logical_name);
    }
  }
  option_labels labels;
  if (types.empty()) return labels;
  const auto base = entity_path(api, table.logical_name) + "/Attributes/Microsoft.Dynamics.CRM.";
  std::vector<std::string> urls;
  for (const auto& t : types) {
    if (t == "Picklist") {
      urls.push_back(base +
                     "PicklistAttributeMetadata?$select=LogicalName"
                     "&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)");
    } else if (t == "Boolean") {
      urls.push_back(base +
                     "BooleanAttributeMetadata?$select=LogicalName"
                     "&$expand=OptionSet($select=TrueOption,FalseOption)");
    } else {
      urls.push_back(base + t +
                     "AttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)");
    }
  }
  for (const auto& answer : get_all(api, urls, what)) {
    for (const auto& item : value_array(answer, what)) {
      if (!item.is_object()) continue;
      const auto& a = item.get_object();
      const auto name = string_member(a, "LogicalName");
      if (!wanted.contains(name)) continue;
      const auto* column = table.find(name);
      if (column == nullptr) continue;
      auto& values = labels[column->property];
      add_option_set(a.if_contains("OptionSet"), values);
      add_option_set(a.if_contains("GlobalOptionSet"), values);
    }
  }
  // A two-option column always reads true/false; without labels in its metadata, say it as
  // Dataverse's default two-option set does.
  for (const auto& name : wanted) {
    const auto* column = table.find(name);
    if (column == nullptr || column->attribute_type != "Boolean") continue;
    auto& values = labels[column->property];
    values.try_emplace(0, "No");
    values.try_emplace(1, "Yes");
  }
  return labels;
}

}  // namespace switchboard::dynamics365
