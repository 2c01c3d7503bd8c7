// What clients send to the Dataverse emulator: entity keys, JSON bodies, @odata.bind references.
#include "sandbox/dataverse/entity_payload.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::string_view unsupported_key_characters = "/<>*%&:\\?+";

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

/// Splits on commas outside single quotes.
std::vector<std::string> split_pairs(std::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false;
  for (const char c : text) {
    if (c == '\'') quoted = !quoted;
    if (c == ',' && !quoted) {
      parts.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  parts.push_back(current);
  return parts;
}

[[noreturn]] void bad_key(const table_store& table, std::string_view text) {
  fail(query_error("The key '" + std::string(text) + "' is not a key defined for the " +
                   table.definition().logical_name + " entity."));
}

json::value key_cell(const table_store& table, int index, std::string_view literal,
                     std::string_view text) {
  const auto& column = table.column(index);
  if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'') {
    std::string value;
    const auto inner = literal.substr(1, literal.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      value += inner[i];
      if (inner[i] == '\'' && i + 1 < inner.size() && inner[i + 1] == '\'') ++i;
    }
    if (value.find_first_of(unsupported_key_characters) != std::string::npos) {
      fail(query_error("The key value '" + value +
                       "' contains characters (/ < > * % & : \\ ? +) "
                       "that are not supported in alternate key values."));
    }
    if (column.type != column_type::string && column.type != column_type::memo) {
      bad_key(table, text);
    }
    return json::string(value);
  }
  if (is_guid(literal)) {
    if (is_lookup(column.type)) {
      return lookup_cell(normalize_guid(literal), column.targets.empty() ? "" : column.targets[0]);
    }
    if (column.type == column_type::uniqueidentifier) return json::string(normalize_guid(literal));
    bad_key(table, text);
  }
  if (literal == "true" || literal == "false") return literal == "true";
  const std::string number(literal);
  char* end = nullptr;
  const long long integer = std::strtoll(number.c_str(), &end, 10);
  if (!number.empty() && *end == '\0') return static_cast<std::int64_t>(integer);
  const double real = std::strtod(number.c_str(), &end);
  if (!number.empty() && *end == '\0') return real;
  bad_key(table, text);
}

json::value bound_cell(service_state& state, const table_store& table, std::string_view nav,
                       const navigation_target& match, const json::value& value,
                       const content_id_map* content_ids) {
  if (value.is_null()) return nullptr;
  if (!value.is_string()) {
    fail(payload_error(
        table.definition().entity_set_name,
        "The value of the annotation '" + std::string(nav) + "@odata.bind' must be a string."));
  }
  const auto [target, id] = resolve_reference(state, value.get_string(), content_ids);
  if (target->definition().logical_name != match.target) {
    fail(payload_error(table.definition().entity_set_name,
                       "The navigation property '" + std::string(nav) + "' binds to '" +
                           match.target + "' rows, not '" + target->definition().logical_name +
                           "'."));
  }
  return lookup_cell(id, match.target);
}

std::vector<std::pair<json::value, int>> read_parties(service_state& state,
                                                      const table_store& table,
                                                      const json::value& value,
                                                      const content_id_map* content_ids) {
  const auto* party_table = state.store.by_logical("activityparty");
  if (!value.is_array() || party_table == nullptr) {
    fail(payload_error(table.definition().entity_set_name,
                       "A collection of activity parties was expected."));
  }
  std::vector<std::pair<json::value, int>> parties;
  const auto& mask_column = party_table->column(party_table->column_index("participationtypemask"));
  for (const auto& item : value.get_array()) {
    if (!item.is_object()) {
      fail(payload_error(table.definition().entity_set_name,
                         "An activity party must be an object."));
    }
    json::value party;
    int mask = 0;
    for (const auto& [key, v] : item.get_object()) {
      const std::string_view name = key;
      if (name == "participationtypemask") {
        mask = static_cast<int>(
            cell_from_payload(party_table->definition(), mask_column, v).as_int64());
      } else if (name.find("@odata.bind") != std::string_view::npos) {
        const auto nav = name.substr(0, name.find('@'));
        const auto match = resolve_navigation(state, *party_table, nav);
        if (!match) {
          fail(payload_error(table.definition().entity_set_name,
                             "An undeclared property '" + std::string(nav) +
                                 "' which only has property annotations in the payload but no "
                                 "property value was found in the payload."));
        }
        party = bound_cell(state, *party_table, nav, *match, v, content_ids);
      }
    }
    if (mask == 0) {
      fail(payload_error(table.definition().entity_set_name,
                         "An activity party needs a participationtypemask."));
    }
    parties.emplace_back(std::move(party), mask);
  }
  return parties;
}

const option_label* status_option(const column_definition& column, std::int64_t value) {
  for (const auto& o : column.options) {
    if (o.value == value) return &o;
  }
  return nullptr;
}

void pair_state_and_status(const table_store& table, entity_payload& payload) {
  const int state_index = table.column_index("statecode");
  const int status_index = table.column_index("statuscode");
  if (state_index < 0 || status_index < 0) return;
  json::value* state = nullptr;
  json::value* status = nullptr;
  for (auto& [index, cell] : payload.changes) {
    if (index == state_index) state = &cell;
    if (index == status_index) status = &cell;
  }
  const auto& status_column = table.column(status_index);
  if (state != nullptr && !state->is_null() && status == nullptr) {
    for (const auto& o : status_column.options) {
      if (o.state == state->as_int64()) {
        payload.changes.emplace_back(status_index, o.value);
        return;
      }
    }
    return;
  }
  if (status == nullptr || status->is_null()) return;
  const auto* option = status_option(status_column, status->as_int64());
  if (option == nullptr) return;
  if (state == nullptr) {
    payload.changes.emplace_back(state_index, option->state);
    return;
  }
  if (!state->is_null() && state->as_int64() != option->state) {
    fail({400, std::string(codes::invalid_argument),
          std::to_string(option->value) + " is not a valid status code for state code " +
              std::to_string(state->as_int64()) + " on " + table.definition().logical_name + "."});
  }
}

}  // namespace

std::optional<navigation_target> resolve_navigation(const service_state& state,
                                                    const table_store& table,
                                                    std::string_view nav) {
  const auto& definition = table.definition();
  for (int i = 0; i < static_cast<int>(definition.columns.size()); ++i) {
    const auto& column = definition.columns[static_cast<std::size_t>(i)];
    if (!is_lookup(column.type)) continue;
    if (column.type == column_type::lookup && column.targets.size() == 1) {
      if (nav == column.navigation) return navigation_target{i, column.targets[0]};
      continue;
    }
    const auto prefix = column.logical_name + "_";
    if (nav.rfind(prefix, 0) != 0) continue;
    std::string target(nav.substr(prefix.size()));
    if (definition.is_activity && column.logical_name == "regardingobjectid") {
      const auto suffix = "_" + definition.logical_name;
      if (target.size() <= suffix.size() ||
          target.compare(target.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      target.resize(target.size() - suffix.size());
    }
    const bool allowed = column.targets.empty()
                             ? state.store.by_logical(target) != nullptr
                             : std::find(column.targets.begin(), column.targets.end(), target) !=
                                   column.targets.end();
    if (allowed) return navigation_target{i, target};
  }
  return std::nullopt;
}

resource_head split_resource(std::string_view resource) {
  resource_head head;
  std::size_t i = 0;
  while (i < resource.size() && resource[i] != '(' && resource[i] != '/') ++i;
  head.set = std::string(resource.substr(0, i));
  if (i < resource.size() && resource[i] == '(') {
    const auto start = ++i;
    bool quoted = false;
    while (i < resource.size() && (quoted || resource[i] != ')')) {
      if (resource[i] == '\'') quoted = !quoted;
      ++i;
    }
    if (i >= resource.size()) fail(query_error("Bad Request - Error in query syntax."));
    head.key = std::string(resource.substr(start, i - start));
    ++i;
  }
  if (i < resource.size()) {
    if (resource[i] != '/') fail(segment_not_found(resource));
    head.rest = std::string(resource.substr(i + 1));
  }
  return head;
}

entity_key parse_entity_key(const table_store& table, std::string_view text) {
  entity_key key;
  key.text = std::string(text);
  const auto trimmed = trim(text);
  if (is_guid(trimmed)) {
    key.id = normalize_guid(trimmed);
    return key;
  }
  std::set<int> columns;
  for (const auto& pair : split_pairs(trimmed)) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos) bad_key(table, text);
    const auto name = trim(std::string_view(pair).substr(0, eq));
    const auto literal = trim(std::string_view(pair).substr(eq + 1));
    int index = table.column_index(name);
    if (index < 0) index = table.property_index(name);
    if (index < 0) fail(unknown_property(name, table.definition().logical_name));
    if (index == table.primary_index()) {
      if (!is_guid(literal)) bad_key(table, text);
      key.id = normalize_guid(literal);
      continue;
    }
    columns.insert(index);
    key.cells.emplace_back(index, key_cell(table, index, literal, text));
  }
  if (!key.id.empty()) {
    if (!key.cells.empty()) bad_key(table, text);
    return key;
  }
  const auto& keys = table.definition().keys;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    std::set<int> wanted;
    for (const auto& name : keys[k].columns) wanted.insert(table.column_index(name));
    if (wanted == columns) {
      key.key_index = k;
      return key;
    }
  }
  bad_key(table, text);
}

std::optional<std::string> find_entity(const table_store& table, const entity_key& key) {
  if (!key.id.empty()) {
    if (table.find(key.id) == nullptr) return std::nullopt;
    return key.id;
  }
  std::vector<json::value> cells(table.definition().columns.size());
  for (const auto& [index, cell] : key.cells) cells[static_cast<std::size_t>(index)] = cell;
  return table.find_by_key(key.key_index, cells);
}

json::object parse_json_body(std::string_view body, const table_store& table) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec) {
    fail(payload_error(table.definition().entity_set_name,
                       "Invalid JSON. A token was not recognized in the JSON content."));
  }
  if (!value.is_object()) {
    fail(payload_error(table.definition().entity_set_name,
                       "A node of type '" +
                           std::string(value.is_array() ? "StartArray" : "PrimitiveValue") +
                           "' was read from the JSON reader when trying to read the start of an "
                           "entry. A 'StartObject' node was expected."));
  }
  return std::move(value.get_object());
}

entity_payload read_payload(service_state& state, const table_store& table,
                            const json::object& body, const content_id_map* content_ids) {
  entity_payload payload;
  const auto& definition = table.definition();
  const auto parties_property = definition.logical_name + "_activity_parties";
  for (const auto& [key, value] : body) {
    const std::string_view name = key;
    if (name.empty() || name.front() == '@') continue;
    const auto at = name.find('@');
    if (at != std::string_view::npos) {
      if (name.substr(at) != "@odata.bind") continue;
      const auto nav = name.substr(0, at);
      const auto match = resolve_navigation(state, table, nav);
      if (!match) {
        fail(payload_error(definition.entity_set_name,
                           "An undeclared property '" + std::string(nav) +
                               "' which only has property annotations in the payload but no "
                               "property value was found in the payload. In OData, only declared "
                               "navigation properties and declared named streams can be "
                               "represented as properties without values."));
      }
      payload.changes.emplace_back(match->column,
                                   bound_cell(state, table, nav, *match, value, content_ids));
      continue;
    }
    if (definition.is_activity && name == parties_property) {
      payload.parties = read_parties(state, table, value, content_ids);
      continue;
    }
    const int index = table.column_index(name);
    if (index < 0 || is_lookup(table.column(index).type)) {
      if (table.property_index(name) >= 0) {
        fail(
            query_error("CRM do not support direct update of Entity Reference properties, Use "
                        "Navigation properties instead."));
      }
      fail(payload_error(definition.entity_set_name,
                         "The property '" + std::string(name) +
                             "' does not exist on type "
                             "'Microsoft.Dynamics.CRM." +
                             definition.logical_name +
                             "'. Make sure to only use property names that are defined by the "
                             "type or mark the type as open type."));
    }
    const auto& column = table.column(index);
    auto cell = cell_from_payload(definition, column, value);
    if (column.read_only) continue;
    if (index == table.primary_index()) {
      if (cell.is_null()) continue;
      payload.primary_id = std::string(cell.get_string());
    }
    payload.changes.emplace_back(index, std::move(cell));
  }
  pair_state_and_status(table, payload);
  return payload;
}

std::pair<table_store*, std::string> resolve_reference(service_state& state, std::string_view uri,
                                                       const content_id_map* content_ids) {
  std::string_view rest = uri;
  if (const auto api = rest.find("/api/data/"); api != std::string_view::npos) {
    rest = rest.substr(api + 10);
    const auto slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (!rest.empty() && rest.front() == '$') {
    const auto end = rest.find('/');
    const auto reference = rest.substr(0, end);
    const auto it = content_ids ? content_ids->find(reference) : content_id_map::const_iterator{};
    if (content_ids == nullptr || it == content_ids->end()) {
      fail(query_error("Content-ID Reference: '" + std::string(reference) +
                       "' does not exist in the batch context."));
    }
    return resolve_reference(state, it->second, nullptr);
  }
  const auto head = split_resource(rest);
  auto* table = state.store.by_set(head.set);
  if (table == nullptr) fail(segment_not_found(head.set));
  if (!head.key || !head.rest.empty())
    fail(query_error("The reference '" + std::string(uri) + "' does not name a single row."));
  const auto key = parse_entity_key(*table, *head.key);
  auto id = find_entity(*table, key);
  if (!id)
    fail(record_not_found(table->definition().logical_name, key.id.empty() ? key.text : key.id));
  return {table, *id};
}

}  // namespace switchboard::sandbox::dataverse
