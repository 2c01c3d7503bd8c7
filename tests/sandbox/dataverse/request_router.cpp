// Routes Dataverse Web API requests to the reads, writes, metadata and $batch handlers.
#include "sandbox/dataverse/batch.hpp"
#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/dataverse_service.hpp"
#include "sandbox/dataverse/entity_payload.hpp"
#include "sandbox/dataverse/entity_reads.hpp"
#include "sandbox/dataverse/entity_writes.hpp"
#include "sandbox/dataverse/metadata.hpp"
#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/record_counts.hpp"
#include "sandbox/dataverse/row_rendering.hpp"

#include <boost/json.hpp>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::string_view api_prefix = "/api/data/";

bool valid_version(std::string_view version) {
  if (version.size() < 4 || version.substr(0, 3) != "v9.") return false;
  for (const char c : version.substr(3)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

/// The version segment and the resource after it, or nullopt when the path is not the API's.
std::optional<std::pair<std::string, std::string>> split_api_path(std::string_view path) {
  if (path.rfind(api_prefix, 0) != 0) return std::nullopt;
  path.remove_prefix(api_prefix.size());
  const auto slash = path.find('/');
  const auto version = path.substr(0, slash);
  if (!valid_version(version)) return std::nullopt;
  const auto resource =
      slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  return std::make_pair(std::string(version), percent_decode(resource, false));
}

server_reply method_not_allowed(std::string_view method) {
  return error_reply(
      {405, std::string(codes::query_error),
       "The HTTP method '" + std::string(method) + "' is not allowed for this resource."});
}

server_reply service_document(const service_state& state, const odata_call& call) {
  json::array sets;
  for (const auto* table : state.store.tables()) {
    json::object set;
    set["name"] = table->definition().entity_set_name;
    set["kind"] = "EntitySet";
    set["url"] = table->definition().entity_set_name;
    sets.push_back(std::move(set));
  }
  json::object body;
  body["@odata.context"] = call.root + "/$metadata";
  body["value"] = std::move(sets);
  return odata_reply(200, body);
}

server_reply who_am_i(const odata_call& call) {
  json::object body;
  body["@odata.context"] = call.root + "/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse";
  body["BusinessUnitId"] = stable_guid("businessunit");
  body["UserId"] = stable_guid("systemuser:application");
  body["OrganizationId"] = stable_guid("organization");
  return odata_reply(200, body);
}

server_reply route_table(service_state& state, const odata_call& call, table_store& table,
                         const resource_head& head) {
  const auto& method = call.request.method;
  if (!head.key) {
    if (head.rest.empty()) {
      if (method == "GET") return read_collection(state, call, table);
      if (method == "POST") return create_entity(state, call, table);
      return method_not_allowed(method);
    }
    if (head.rest == "$count" && method == "GET") return read_count(state, call, table);
    if (head.rest == "Microsoft.Dynamics.CRM.UpsertMultiple" && method == "POST") {
      return write_multiple(state, call, table, true);
    }
    if (head.rest == "Microsoft.Dynamics.CRM.CreateMultiple" && method == "POST") {
      return write_multiple(state, call, table, false);
    }
    fail(segment_not_found(head.rest));
  }
  const auto key = parse_entity_key(table, *head.key);
  if (head.rest.empty()) {
    if (method == "PATCH") return upsert_entity(state, call, table, key);
    if (method == "DELETE") return delete_entity(state, call, table, key);
    if (method != "GET") return method_not_allowed(method);
    const auto id = find_entity(table, key);
    if (!id) {
      if (!key.id.empty()) fail(record_not_found(table.definition().logical_name, key.id));
      fail({404, std::string(codes::object_does_not_exist),
            "A record with the specified key values does not exist in " +
                table.definition().logical_name + " entity"});
    }
    return read_entity(state, call, table, *id);
  }
  if (method == "GET") {
    const auto id = find_entity(table, key);
    if (!id)
      fail(record_not_found(table.definition().logical_name, key.id.empty() ? key.text : key.id));
    return read_property(call, table, *id, head.rest);
  }
  if (method == "PUT" || method == "DELETE") return write_part(state, call, table, key, head.rest);
  return method_not_allowed(method);
}

server_reply route(service_state& state, const server_request& request, batch_context* batch) {
  const auto api = split_api_path(request.path());
  if (!api) fail(segment_not_found(request.path()));
  const auto* host = request.header("Host");
  odata_call call{
      request,
      "https://" + (host ? *host : std::string("localhost")) + std::string(api_prefix) + api->first,
      api->second,
      std::string(request.query()),
      parse_query(request.query()),
      parse_preferences(request),
      batch};
  auto resource = call.resource;
  if (!resource.empty() && resource.front() == '$' && resource != "$batch" &&
      resource != "$metadata" && batch != nullptr) {
    const auto end = resource.find('/');
    const auto reference = resource.substr(0, end);
    const auto it = batch->content_ids.find(reference);
    if (it == batch->content_ids.end()) {
      fail(query_error("Content-ID Reference: '" + reference +
                       "' does not exist in the batch context."));
    }
    const auto at = it->second.find(api_prefix);
    const auto target = it->second.substr(it->second.find('/', at + api_prefix.size()) + 1);
    resource = target + (end == std::string::npos ? "" : resource.substr(end));
    call.resource = resource;
  }
  if (resource.empty()) return service_document(state, call);
  if (resource == "$batch") {
    if (request.method != "POST") return method_not_allowed(request.method);
    return execute_batch(state, call);
  }
  if (resource == "$metadata") {
    return error_reply({501, std::string(codes::query_error),
                        "The Dataverse emulator serves no CSDL $metadata document; query "
                        "EntityDefinitions instead."});
  }
  if (resource == "WhoAmI" || resource == "WhoAmI()") {
    if (request.method != "GET") return method_not_allowed(request.method);
    return who_am_i(call);
  }
  if (resource.rfind("EntityDefinitions", 0) == 0) {
    if (request.method != "GET") return method_not_allowed(request.method);
    return read_metadata(state, call, std::string_view(resource).substr(17));
  }
  if (resource.rfind("RetrieveTotalRecordCount", 0) == 0) {
    if (request.method != "GET") return method_not_allowed(request.method);
    return retrieve_total_record_count(state, call, std::string_view(resource).substr(24));
  }
  const auto head = split_resource(resource);
  auto* table = state.store.by_set(head.set);
  if (table == nullptr) fail(segment_not_found(head.set));
  return route_table(state, call, *table, head);
}

}  // namespace

server_reply serve(service_state& state, const server_request& request, batch_context* batch) {
  try {
    return route(state, request, batch);
  } catch (const odata_exception& e) {
    const auto prefer = parse_preferences(request);
    return error_reply(e.error(), &prefer);
  } catch (const std::exception& e) {
    return error_reply(
        {500, "0x80040216", std::string("An unexpected error occurred: ") + e.what()});
  }
}

std::string classify_target(std::string_view method, std::string_view target) {
  const auto query_at = target.find('?');
  const auto path = target.substr(0, query_at);
  const auto query =
      query_at == std::string_view::npos ? std::string_view{} : target.substr(query_at + 1);
  const auto api = split_api_path(path);
  const std::string verb(method);
  if (!api) return verb + " " + std::string(path);
  const auto& resource = api->second;
  if (resource.empty()) return verb + " service document";
  if (resource.rfind("EntityDefinitions", 0) == 0) return verb + " EntityDefinitions";
  if (resource.rfind("WhoAmI", 0) == 0) return verb + " WhoAmI";
  if (resource.front() == '$') return verb + " " + resource.substr(0, resource.find('/'));
  std::size_t end = 0;
  while (end < resource.size() && resource[end] != '(' && resource[end] != '/') ++end;
  auto label = verb + " " + resource.substr(0, end);
  if (method == "GET") {
    for (const auto& [name, value] : parse_query(query)) {
      if (name == "$deltatoken") return label + " delta";
    }
  }
  return label;
}

}  // namespace switchboard::sandbox::dataverse
