// Writes of the Dataverse emulator: create, upsert/update with conditions, delete, and writes
// of single properties, lookup references and activity parties.
#include "sandbox/dataverse/entity_writes.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/row_rendering.hpp"

#include <boost/json.hpp>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

void ensure_writable(const table_store& table, std::string_view method) {
  const auto& name = table.definition().logical_name;
  if (name == "activitypointer") {
    fail({400, std::string(codes::invalid_argument),
          "The '" + std::string(method) + "' method does not support entities of type '" + name +
              "'."});
  }
}

server_reply written(service_state& state, const odata_call& call, const table_store& table,
                     const std::string& id, bool created) {
  const auto url = entity_url(call.root, table, id);
  if (call.batch != nullptr) call.batch->entity_url = url;
  const auto& value = *table.find(id);
  if (!call.prefer.return_representation) {
    auto reply = empty_reply(204);
    reply.headers.push_back({"OData-EntityId", url});
    return reply;
  }
  const auto options = parse_query_options(call.query);
  const auto select = options.select ? parse_select(*options.select, table) : std::vector<int>{};
  json::object body;
  body["@odata.context"] = context_url(call.root, table.definition().entity_set_name,
                                       options.select ? *options.select : "", "/$entity");
  for (auto& [k, v] : render_row(state, table, id, value, select, call.prefer)) {
    body[k] = std::move(v);
  }
  std::vector<std::string> applied{"return=representation"};
  auto reply = odata_reply(created ? 201 : 200, body, applied);
  reply.headers.push_back({"ETag", etag(value)});
  return reply;
}

[[noreturn]] void missing(const table_store& table, const entity_key& key, std::string code) {
  const auto& logical = table.definition().logical_name;
  if (!key.id.empty()) {
    fail({404, std::move(code), logical + " With Id = " + key.id + " Does Not Exist"});
  }
  fail({404, std::move(code),
        "A record with the specified key values does not exist in " + logical + " entity"});
}

std::vector<json::value> new_cells(const table_store& table, const entity_payload& payload,
                                   const entity_key& key) {
  std::vector<json::value> cells(table.definition().columns.size());
  for (const auto& [index, cell] : key.cells) cells[static_cast<std::size_t>(index)] = cell;
  for (const auto& [index, cell] : payload.changes) cells[static_cast<std::size_t>(index)] = cell;
  return cells;
}

std::string existing_id(const table_store& table, const entity_key& key) {
  auto id = find_entity(table, key);
  if (!id) missing(table, key, std::string(codes::object_does_not_exist));
  return *id;
}

}  // namespace

server_reply create_entity(service_state& state, const odata_call& call, table_store& table) {
  ensure_writable(table, "Create");
  const auto body = parse_json_body(call.request.body, table);
  const auto payload = read_payload(state, table, body, call.content_ids());
  const std::string id = payload.primary_id ? *payload.primary_id : state.store.new_id();
  state.store.insert(table, id, new_cells(table, payload, entity_key{}));
  if (payload.parties) state.store.replace_parties(table, id, *payload.parties);
  return written(state, call, table, id, true);
}

server_reply upsert_entity(service_state& state, const odata_call& call, table_store& table,
                           const entity_key& key) {
  ensure_writable(table, "Update");
  const auto existing = find_entity(table, key);
  const auto* if_match = call.request.header("If-Match");
  const auto* if_none_match = call.request.header("If-None-Match");
  if (if_match != nullptr) {
    if (!existing) missing(table, key, "");
    if (*if_match != "*" && *if_match != etag(*table.find(*existing))) {
      fail({412, std::string(codes::version_mismatch),
            "The version of the existing record doesn't match the RowVersion property "
            "provided."});
    }
  }
  if (if_none_match != nullptr && *if_none_match == "*" && existing) {
    fail({412, std::string(codes::duplicate_record),
          "A record with matching key values already exists."});
  }
  const auto body = parse_json_body(call.request.body, table);
  auto payload = read_payload(state, table, body, call.content_ids());
  if (existing) {
    std::vector<std::pair<int, json::value>> changes;
    for (auto& change : payload.changes) {
      if (change.first != table.primary_index()) changes.push_back(std::move(change));
    }
    state.store.update(table, *existing, changes);
    if (payload.parties) state.store.replace_parties(table, *existing, *payload.parties);
    return written(state, call, table, *existing, false);
  }
  std::string id = key.id;
  if (id.empty()) id = payload.primary_id ? *payload.primary_id : state.store.new_id();
  state.store.insert(table, id, new_cells(table, payload, key));
  if (payload.parties) state.store.replace_parties(table, id, *payload.parties);
  return written(state, call, table, id, true);
}

server_reply delete_entity(service_state& state, const odata_call&, table_store& table,
                           const entity_key& key) {
  ensure_writable(table, "Delete");
  const auto id = existing_id(table, key);
  state.store.remove(table, id);
  return empty_reply(204);
}

server_reply write_multiple(service_state& state, const odata_call& call, table_store& table,
                            bool upsert) {
  const auto& definition = table.definition();
  const std::string action = upsert ? "UpsertMultiple" : "CreateMultiple";
  ensure_writable(table, action);
  const auto body = parse_json_body(call.request.body, table);
  const auto* targets = body.if_contains("Targets");
  if (targets == nullptr || !targets->is_array()) {
    fail(payload_error(definition.entity_set_name,
                       "The parameter 'Targets' of " + action + " must be a collection."));
  }
  const auto type = "Microsoft.Dynamics.CRM." + definition.logical_name;
  json::array ids;
  state.store.begin_change_set();
  try {
    for (const auto& target : targets->get_array()) {
      if (!target.is_object()) {
        fail(payload_error(definition.entity_set_name, "Each target must be an entity object."));
      }
      const auto& object = target.get_object();
      if (const auto* t = object.if_contains("@odata.type");
          t != nullptr &&
          (!t->is_string() || (t->get_string() != type && t->get_string() != "#" + type))) {
        fail(payload_error(definition.entity_set_name, "A target of type '" + json::serialize(*t) +
                                                           "' was given where '" + type +
                                                           "' is expected."));
      }
      const auto payload = read_payload(state, table, object, call.content_ids());
      entity_key key;
      if (const auto* address = object.if_contains("@odata.id"); address && address->is_string()) {
        const auto head = split_resource(address->get_string());
        if (head.set != definition.entity_set_name || !head.key) {
          fail(payload_error(definition.entity_set_name, "The @odata.id of a target must name a " +
                                                             definition.entity_set_name + " row."));
        }
        key = parse_entity_key(table, *head.key);
      }
      std::optional<std::string> existing;
      if (!key.id.empty() || !key.cells.empty()) {
        existing = find_entity(table, key);
      } else {
        if (payload.primary_id && table.find(*payload.primary_id)) existing = payload.primary_id;
        const auto cells = new_cells(table, payload, key);
        for (std::size_t k = 0; upsert && !existing && k < definition.keys.size(); ++k) {
          existing = table.find_by_key(k, cells);
        }
      }
      if (existing && upsert) {
        std::vector<std::pair<int, json::value>> changes;
        for (const auto& change : payload.changes) {
          if (change.first != table.primary_index()) changes.push_back(change);
        }
        state.store.update(table, *existing, changes);
        if (payload.parties) state.store.replace_parties(table, *existing, *payload.parties);
        ids.push_back(json::string(*existing));
        continue;
      }
      const std::string id =
          !key.id.empty() ? key.id : payload.primary_id.value_or(state.store.new_id());
      state.store.insert(table, id, new_cells(table, payload, key));
      if (payload.parties) state.store.replace_parties(table, id, *payload.parties);
      ids.push_back(json::string(id));
    }
  } catch (...) {
    state.store.rollback_change_set();
    throw;
  }
  state.store.commit_change_set();
  json::object out;
  out["@odata.context"] = call.root + "/$metadata#Microsoft.Dynamics.CRM." + action + "Response";
  out["Ids"] = std::move(ids);
  return odata_reply(200, out);
}

server_reply write_part(service_state& state, const odata_call& call, table_store& table,
                        const entity_key& key, std::string_view part) {
  ensure_writable(table, "Update");
  const auto& method = call.request.method;
  const auto& definition = table.definition();
  const auto id = existing_id(table, key);
  const bool reference = part.size() > 5 && part.substr(part.size() - 5) == "/$ref";
  const auto name = reference ? part.substr(0, part.size() - 5) : part;

  if (definition.is_activity && name == definition.logical_name + "_activity_parties" &&
      method == "PUT") {
    const auto body = parse_json_body(call.request.body, table);
    json::object wrapped;
    if (const auto* value = body.if_contains("value")) wrapped[std::string(name)] = *value;
    const auto payload = read_payload(state, table, wrapped, call.content_ids());
    if (!payload.parties) fail(payload_error(definition.entity_set_name, "A value was expected."));
    state.store.replace_parties(table, id, *payload.parties);
    return empty_reply(204);
  }
  if (const auto nav = resolve_navigation(state, table, name)) {
    if (method == "DELETE") {
      state.store.update(table, id, {{nav->column, nullptr}});
      return empty_reply(204);
    }
    if (method != "PUT" || !reference) fail(segment_not_found(name));
    const auto body = parse_json_body(call.request.body, table);
    const auto* target = body.if_contains("@odata.id");
    if (target == nullptr || !target->is_string()) {
      fail(payload_error(definition.entity_set_name, "An @odata.id value was expected."));
    }
    const auto [target_table, target_id] =
        resolve_reference(state, target->get_string(), call.content_ids());
    if (target_table->definition().logical_name != nav->target) {
      fail(payload_error(definition.entity_set_name, "The navigation property '" +
                                                         std::string(name) + "' binds to '" +
                                                         nav->target + "' rows."));
    }
    state.store.update(table, id, {{nav->column, lookup_cell(target_id, nav->target)}});
    return empty_reply(204);
  }
  const int index = table.column_index(name);
  if (index < 0 || reference || is_lookup(table.column(index).type)) fail(segment_not_found(name));
  const auto& column = table.column(index);
  if (method == "DELETE") {
    if (!column.read_only && index != table.primary_index()) {
      state.store.update(table, id, {{index, nullptr}});
    }
    return empty_reply(204);
  }
  if (method != "PUT") fail(segment_not_found(name));
  const auto body = parse_json_body(call.request.body, table);
  const auto* value = body.if_contains("value");
  if (value == nullptr) fail(payload_error(definition.entity_set_name, "A value was expected."));
  auto cell = cell_from_payload(definition, column, *value);
  if (!column.read_only && index != table.primary_index()) {
    state.store.update(table, id, {{index, std::move(cell)}});
  }
  return empty_reply(204);
}

}  // namespace switchboard::sandbox::dataverse
