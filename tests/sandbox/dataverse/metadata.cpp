// Metadata queries of the Dataverse emulator: EntityDefinitions, Attributes, casts, OptionSet.
#include "sandbox/dataverse/metadata.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/entity_payload.hpp"
#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/odata_filter.hpp"
#include "sandbox/dataverse/row_rendering.hpp"

#include <boost/json.hpp>

#include <memory>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::string_view cast_prefix = "Microsoft.Dynamics.CRM.";

json::object label(std::string_view text, std::string_view id_seed) {
  json::object localized;
  localized["Label"] = text;
  localized["LanguageCode"] = 1033;
  localized["IsManaged"] = false;
  localized["MetadataId"] = stable_guid(id_seed);
  json::object out;
  out["LocalizedLabels"] = json::array{localized};
  out["UserLocalizedLabel"] = localized;
  return out;
}

json::object managed(bool value, std::string_view name) {
  json::object out;
  out["Value"] = value;
  out["CanBeChanged"] = true;
  out["ManagedPropertyLogicalName"] = name;
  return out;
}

std::string metadata_type(column_type type) {
  switch (type) {
    case column_type::uniqueidentifier:
      return "UniqueIdentifierAttributeMetadata";
    case column_type::customer:
      return "LookupAttributeMetadata";
    default:
      return std::string(attribute_type_name(type)) + "AttributeMetadata";
  }
}

int object_type_code(const table_store& table) {
  const auto& name = table.definition().logical_name;
  if (name == "account") return 1;
  if (name == "contact") return 2;
  if (name == "activityparty") return 135;
  if (name == "organization") return 1019;
  if (name == "activitypointer") return 4200;
  return 10000 + static_cast<int>(std::stoul(stable_guid(name).substr(0, 4), nullptr, 16) % 10000);
}

json::object option_json(const table_store& table, const column_definition& column,
                         const option_label& option) {
  json::object out;
  out["Value"] = option.value;
  out["Label"] = label(option.label, table.definition().logical_name + "." + column.logical_name +
                                         ".option." + std::to_string(option.value));
  if (column.type == column_type::status) out["State"] = option.state;
  if (column.type == column_type::state) {
    out["InvariantName"] = option.label;
    for (const auto& status : table.definition().columns) {
      if (status.type != column_type::status) continue;
      for (const auto& s : status.options) {
        if (s.state == option.value) {
          out["DefaultStatus"] = s.value;
          break;
        }
      }
    }
  }
  return out;
}

json::object option_set(const table_store& table, const column_definition& column) {
  const auto& logical = table.definition().logical_name;
  json::object out;
  out["MetadataId"] = stable_guid(logical + "." + column.logical_name + ".optionset");
  out["Name"] = logical + "_" + column.logical_name;
  out["IsGlobal"] = false;
  out["IsCustomOptionSet"] = column.is_custom;
  if (column.type == column_type::boolean) {
    out["OptionSetType"] = "Boolean";
    for (const auto& o : column.options) {
      out[o.value != 0 ? "TrueOption" : "FalseOption"] = option_json(table, column, o);
    }
    return out;
  }
  out["OptionSetType"] = std::string(attribute_type_name(column.type));
  json::array options;
  for (const auto& o : column.options) options.push_back(option_json(table, column, o));
  out["Options"] = std::move(options);
  return out;
}

bool has_option_set(column_type type) {
  return type == column_type::picklist || type == column_type::state ||
         type == column_type::status || type == column_type::boolean;
}

/// Splits on a separator outside parentheses.
std::vector<std::string> split_top(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (const char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == separator && depth == 0) {
      parts.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

/// $select, $filter and $expand of one level (query string or an $expand item's options).
struct level_options {
  std::vector<std::string> select;
  std::unique_ptr<filter_node> filter;
  std::vector<std::pair<std::string, std::string>> expand;  ///< name → nested options text
};

level_options level_from(const std::vector<std::pair<std::string, std::string>>& pairs) {
  level_options out;
  for (const auto& [name, value] : pairs) {
    if (name == "$select") {
      for (const auto& s : split_top(value, ',')) out.select.push_back(s);
    } else if (name == "$filter") {
      out.filter = parse_filter(value);
    } else if (name == "$expand") {
      for (const auto& item : split_top(value, ',')) {
        const auto open = item.find('(');
        if (open == std::string::npos) {
          out.expand.emplace_back(item, "");
        } else {
          if (item.back() != ')') fail(query_error("Syntax error in $expand '" + value + "'."));
          out.expand.emplace_back(item.substr(0, open),
                                  item.substr(open + 1, item.size() - open - 2));
        }
      }
    } else if (name.rfind('$', 0) == 0) {
      fail(query_error("The query parameter " + name + " is not supported"));
    }
  }
  return out;
}

level_options nested_options(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& part : split_top(text, ';')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos)
      fail(query_error("Syntax error in $expand options '" + std::string(text) + "'."));
    pairs.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  return level_from(pairs);
}

json::object selected(json::object full, const std::vector<std::string>& select) {
  if (select.empty()) return full;
  json::object out;
  if (const auto* t = full.if_contains("@odata.type")) out["@odata.type"] = *t;
  for (const auto& name : select) {
    if (const auto* v = full.if_contains(name)) out[name] = *v;
  }
  out["MetadataId"] = full["MetadataId"];
  return out;
}

bool keep(const level_options& options, const json::object& object) {
  return options.filter == nullptr || evaluate(*options.filter, json_subject(object));
}

json::array many_to_one(const service_state& state, const table_store& table) {
  json::array out;
  const auto& definition = table.definition();
  for (const auto& column : definition.columns) {
    if (!is_lookup(column.type)) continue;
    std::vector<std::string> targets = column.targets;
    if (targets.empty()) {
      for (const auto* other : state.store.tables()) {
        if (!other->definition().is_activity &&
            other->definition().logical_name != "activityparty" &&
            other->definition().logical_name != "activitypointer") {
          targets.push_back(other->definition().logical_name);
        }
      }
    }
    for (const auto& target : targets) {
      std::string nav = column.logical_name + "_" + target;
      if (column.type == column_type::lookup && column.targets.size() == 1) nav = column.navigation;
      if (definition.is_activity && column.logical_name == "regardingobjectid") {
        nav += "_" + definition.logical_name;
      }
      const auto* referenced = state.store.by_logical(target);
      json::object r;
      r["MetadataId"] = stable_guid(definition.logical_name + "." + nav + ".relationship");
      r["SchemaName"] = target + "_" + definition.logical_name + "_" + column.logical_name;
      r["ReferencingEntity"] = definition.logical_name;
      r["ReferencingAttribute"] = column.logical_name;
      r["ReferencedEntity"] = target;
      r["ReferencedAttribute"] = referenced ? referenced->definition().primary_id : target + "id";
      r["ReferencingEntityNavigationPropertyName"] = nav;
      out.push_back(std::move(r));
    }
  }
  return out;
}

json::array keys_of(const table_store& table) {
  json::array out;
  for (const auto& key : table.definition().keys) {
    json::object k;
    k["MetadataId"] = stable_guid(table.definition().logical_name + ".key." + key.name);
    k["LogicalName"] = key.name;
    k["SchemaName"] = key.name;
    k["EntityLogicalName"] = table.definition().logical_name;
    json::array columns;
    for (const auto& c : key.columns) columns.push_back(json::string(c));
    k["KeyAttributes"] = std::move(columns);
    k["EntityKeyIndexStatus"] = "Active";
    out.push_back(std::move(k));
  }
  return out;
}

json::array attributes_of(const table_store& table, const level_options& options,
                          std::string_view cast) {
  json::array out;
  for (int i = 0; i < static_cast<int>(table.definition().columns.size()); ++i) {
    auto full = attribute_metadata(table, i);
    if (!cast.empty() &&
        full["@odata.type"].as_string() != "#Microsoft.Dynamics.CRM." + std::string(cast)) {
      continue;
    }
    if (!keep(options, full)) continue;
    auto item = selected(std::move(full), options.select);
    for (const auto& [name, nested] : options.expand) {
      const auto& column = table.column(i);
      if (name == "OptionSet" && has_option_set(column.type)) {
        item["OptionSet"] = selected(option_set(table, column), nested_options(nested).select);
      } else if (name == "GlobalOptionSet") {
        item["GlobalOptionSet"] = nullptr;
      } else if (name != "OptionSet") {
        fail(query_error("Could not find a property named '" + name + "' on type '" +
                         "Microsoft.Dynamics.CRM." + std::string(cast) + "'."));
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

json::object entity_with(const service_state& state, const table_store& table,
                         const level_options& options) {
  auto item = selected(entity_metadata(table), options.select);
  for (const auto& [name, nested] : options.expand) {
    if (name == "Attributes") {
      item["Attributes"] = attributes_of(table, nested_options(nested), "");
    } else if (name == "Keys") {
      item["Keys"] = keys_of(table);
    } else if (name == "ManyToOneRelationships") {
      const auto level = nested_options(nested);
      json::array relationships;
      for (auto& r : many_to_one(state, table)) {
        if (keep(level, r.as_object())) {
          relationships.push_back(selected(std::move(r.as_object()), level.select));
        }
      }
      item["ManyToOneRelationships"] = std::move(relationships);
    } else {
      fail(query_error("Could not find a property named '" + name +
                       "' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."));
    }
  }
  return item;
}

const table_store* find_table(const service_state& state, std::string_view key) {
  std::string_view logical;
  if (key.rfind("LogicalName=", 0) == 0) {
    logical = key.substr(12);
    if (logical.size() >= 2 && logical.front() == '\'' && logical.back() == '\'') {
      logical = logical.substr(1, logical.size() - 2);
    }
    if (const auto* t = state.store.by_logical(logical)) return t;
  } else if (is_guid(key)) {
    for (const auto* t : state.store.tables()) {
      if (stable_guid("entity:" + t->definition().logical_name) == normalize_guid(key)) return t;
    }
  }
  fail({404, std::string(codes::object_does_not_exist),
        "Could not find entity with key '" + std::string(key) + "'."});
}

int find_attribute(const table_store& table, std::string_view key) {
  if (key.rfind("LogicalName=", 0) == 0) {
    auto logical = key.substr(12);
    if (logical.size() >= 2 && logical.front() == '\'')
      logical = logical.substr(1, logical.size() - 2);
    const int index = table.column_index(logical);
    if (index >= 0) return index;
  } else if (is_guid(key)) {
    for (int i = 0; i < static_cast<int>(table.definition().columns.size()); ++i) {
      if (attribute_metadata(table, i)["MetadataId"].as_string() == normalize_guid(key)) return i;
    }
  }
  fail({404, std::string(codes::object_does_not_exist),
        "Could not find attribute with key '" + std::string(key) + "'."});
}

std::string cast_of(std::string_view segment) {
  if (segment.rfind(cast_prefix, 0) != 0) fail(segment_not_found(segment));
  const auto type = std::string(segment.substr(cast_prefix.size()));
  if (type == "EnumAttributeMetadata") {
    fail(
        query_error("Casting to EnumAttributeMetadata is not allowed; cast to the concrete type, "
                    "e.g. PicklistAttributeMetadata."));
  }
  return type;
}

std::string select_suffix(const std::vector<std::string>& select) {
  if (select.empty()) return "";
  std::string text;
  for (const auto& s : select) text += (text.empty() ? "" : ",") + s;
  return "(" + text + ")";
}

}  // namespace

json::object entity_metadata(const table_store& table) {
  const auto& d = table.definition();
  json::object out;
  out["MetadataId"] = stable_guid("entity:" + d.logical_name);
  out["LogicalName"] = d.logical_name;
  out["SchemaName"] = d.schema_name;
  out["EntitySetName"] = d.entity_set_name;
  out["LogicalCollectionName"] = d.entity_set_name;
  out["CollectionSchemaName"] = d.schema_name + "s";
  out["PrimaryIdAttribute"] = d.primary_id;
  out["PrimaryNameAttribute"] = d.primary_name;
  out["ObjectTypeCode"] = object_type_code(table);
  out["IsActivity"] = d.is_activity;
  out["IsActivityParty"] = d.logical_name == "activityparty";
  out["IsCustomEntity"] = d.is_custom;
  out["IsManaged"] = false;
  out["ChangeTrackingEnabled"] = d.change_tracking;
  out["OwnershipType"] = d.logical_name == "organization" ? "OrganizationOwned" : "UserOwned";
  out["HasActivities"] = !d.is_activity;
  out["HasNotes"] = true;
  out["ActivityTypeMask"] = d.is_activity ? 1 : 0;
  out["IsValidForAdvancedFind"] = true;
  out["DisplayName"] = label(d.display_name, d.logical_name + ".displayname");
  out["DisplayCollectionName"] = label(d.display_name, d.logical_name + ".displaycollectionname");
  out["IsCustomizable"] = managed(true, "iscustomizable");
  out["CanCreateAttributes"] = managed(true, "cancreateattributes");
  out["CanChangeTrackingBeEnabled"] = managed(true, "canchangetrackingbeenabled");
  return out;
}

json::object attribute_metadata(const table_store& table, int index) {
  const auto& d = table.definition();
  const auto& c = table.column(index);
  json::object out;
  out["@odata.type"] = "#Microsoft.Dynamics.CRM." + metadata_type(c.type);
  out["MetadataId"] = stable_guid(d.logical_name + "." + c.logical_name);
  out["LogicalName"] = c.logical_name;
  out["SchemaName"] = c.schema_name;
  out["EntityLogicalName"] = d.logical_name;
  out["AttributeType"] = attribute_type_name(c.type);
  json::object type_name;
  type_name["Value"] = std::string(attribute_type_name(c.type)) + "Type";
  out["AttributeTypeName"] = std::move(type_name);
  out["ColumnNumber"] = index + 1;
  out["AttributeOf"] = nullptr;
  out["IsPrimaryId"] = c.logical_name == d.primary_id;
  out["IsPrimaryName"] = c.logical_name == d.primary_name;
  out["IsCustomAttribute"] = c.is_custom;
  out["IsValidForCreate"] = !c.read_only;
  out["IsValidForUpdate"] = !c.read_only && c.logical_name != d.primary_id;
  out["IsValidForRead"] = true;
  out["DisplayName"] = label(c.display_name, d.logical_name + "." + c.logical_name + ".label");
  json::object required;
  required["Value"] = c.logical_name == d.primary_id ? "SystemRequired"
                      : c.required                   ? "ApplicationRequired"
                                                     : "None";
  required["CanBeChanged"] = true;
  required["ManagedPropertyLogicalName"] = "canmodifyrequirementlevelsettings";
  out["RequiredLevel"] = std::move(required);
  switch (c.type) {
    case column_type::string:
    case column_type::memo:
      out["MaxLength"] = effective_max_length(c);
      out["Format"] = c.logical_name.rfind("emailaddress", 0) == 0 ? "Email" : "Text";
      break;
    case column_type::integer:
    case column_type::big_int:
    case column_type::decimal:
    case column_type::double_precision:
    case column_type::money:
      if (c.type != column_type::integer && c.type != column_type::big_int) {
        out["Precision"] = c.precision;
      }
      out["MinValue"] = c.min_value ? json::value(*c.min_value) : json::value(nullptr);
      out["MaxValue"] = c.max_value ? json::value(*c.max_value) : json::value(nullptr);
      break;
    case column_type::date_time:
    case column_type::date_only: {
      out["Format"] = c.type == column_type::date_only ? "DateOnly" : "DateAndTime";
      json::object behavior;
      behavior["Value"] = c.type == column_type::date_only ? "DateOnly" : "UserLocal";
      out["DateTimeBehavior"] = std::move(behavior);
      break;
    }
    case column_type::lookup:
    case column_type::customer: {
      json::array targets;
      for (const auto& t : c.targets) targets.push_back(json::string(t));
      out["Targets"] = std::move(targets);
      break;
    }
    case column_type::boolean:
      out["DefaultValue"] = c.default_value.is_bool() && c.default_value.get_bool();
      break;
    case column_type::picklist:
      out["DefaultFormValue"] = c.default_value.is_int64() ? c.default_value : json::value(-1);
      break;
    default:
      break;
  }
  return out;
}

server_reply read_metadata(const service_state& state, const odata_call& call,
                           std::string_view path) {
  const auto options = level_from(call.query);
  const auto head = split_resource("x" + std::string(path));
  const std::string base = call.root + "/$metadata#EntityDefinitions";
  if (!head.key) {
    if (!head.rest.empty()) fail(segment_not_found(head.rest));
    json::array values;
    for (const auto* table : state.store.tables()) {
      if (!keep(options, entity_metadata(*table))) continue;
      values.push_back(entity_with(state, *table, options));
    }
    json::object body;
    body["@odata.context"] = base + select_suffix(options.select);
    body["value"] = std::move(values);
    return odata_reply(200, body);
  }
  const auto& table = *find_table(state, *head.key);
  if (head.rest.empty()) {
    json::object body;
    body["@odata.context"] = base + select_suffix(options.select) + "/$entity";
    for (auto& [k, v] : entity_with(state, table, options)) body[k] = std::move(v);
    return odata_reply(200, body);
  }
  const std::string entity_base = base + "('" + table.definition().logical_name + "')";
  if (head.rest == "Keys" || head.rest == "ManyToOneRelationships") {
    json::object body;
    body["@odata.context"] = entity_base + "/" + head.rest;
    body["value"] = head.rest == "Keys" ? keys_of(table) : many_to_one(state, table);
    return odata_reply(200, body);
  }
  const auto attributes = split_resource(head.rest);
  if (attributes.set != "Attributes") fail(segment_not_found(attributes.set));
  const auto segments = split_top(attributes.rest, '/');
  if (!attributes.key) {
    if (segments.size() > 1) fail(segment_not_found(attributes.rest));
    const auto cast = segments.empty() ? std::string() : cast_of(segments[0]);
    json::object body;
    body["@odata.context"] = entity_base + "/Attributes" +
                             (cast.empty() ? "" : "/" + std::string(cast_prefix) + cast) +
                             select_suffix(options.select);
    body["value"] = attributes_of(table, options, cast);
    return odata_reply(200, body);
  }
  const int index = find_attribute(table, *attributes.key);
  auto full = attribute_metadata(table, index);
  if (segments.empty()) {
    json::object body;
    body["@odata.context"] = entity_base + "/Attributes/$entity";
    for (auto& [k, v] : selected(std::move(full), options.select)) body[k] = std::move(v);
    return odata_reply(200, body);
  }
  const auto cast = cast_of(segments[0]);
  if (full["@odata.type"].as_string() != "#Microsoft.Dynamics.CRM." + cast) {
    fail(segment_not_found(segments[0]));
  }
  const auto& column = table.column(index);
  if (segments.size() == 2 && segments[1] == "OptionSet" && has_option_set(column.type)) {
    json::object body;
    body["@odata.context"] = entity_base + "/Attributes(" +
                             std::string(full["MetadataId"].as_string()) + ")/" +
                             std::string(cast_prefix) + cast + "/OptionSet/$entity";
    for (auto& [k, v] : selected(option_set(table, column), options.select)) body[k] = std::move(v);
    return odata_reply(200, body);
  }
  if (segments.size() != 1) fail(segment_not_found(attributes.rest));
  json::object body;
  body["@odata.context"] =
      entity_base + "/Attributes/" + std::string(cast_prefix) + cast + "/$entity";
  auto item = selected(std::move(full), options.select);
  for (const auto& [name, nested] : options.expand) {
    if (name == "OptionSet" && has_option_set(column.type)) {
      item["OptionSet"] = selected(option_set(table, column), nested_options(nested).select);
    } else if (name == "GlobalOptionSet") {
      item["GlobalOptionSet"] = nullptr;
    }
  }
  for (auto& [k, v] : item) body[k] = std::move(v);
  return odata_reply(200, body);
}

}  // namespace switchboard::sandbox::dataverse
