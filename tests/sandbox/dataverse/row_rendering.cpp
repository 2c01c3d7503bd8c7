// How rows, links and OData JSON replies of the Dataverse emulator look on the wire.
#include "sandbox/dataverse/row_rendering.hpp"

#include "sandbox/dataverse/cell_values.hpp"

#include <boost/json.hpp>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

std::string annotated(std::string_view property, std::string_view annotation) {
  return std::string(property) + "@" + std::string(annotation);
}

std::string navigation_of(const table_store& table, const column_definition& column,
                          std::string_view target) {
  if (column.type == column_type::lookup && column.targets.size() == 1) return column.navigation;
  std::string nav = column.logical_name + "_" + std::string(target);
  if (table.definition().is_activity && column.logical_name == "regardingobjectid") {
    nav += "_" + table.definition().logical_name;
  }
  return nav;
}

void render_cell(const service_state& state, const table_store& table, int index, const row& value,
                 const preferences& prefer, json::object& out) {
  const auto& column = table.column(index);
  const auto& cell = value.cells[static_cast<std::size_t>(index)];
  const auto property = property_name(column);
  if (is_lookup(column.type)) {
    if (cell.is_object()) {
      const auto& lookup = cell.get_object();
      const std::string target(lookup.at("table").get_string());
      const std::string id(lookup.at("id").get_string());
      if (prefer.wants(formatted_annotation)) {
        if (auto name = state.store.display_name(target, id)) {
          out[annotated(property, formatted_annotation)] = *name;
        }
      }
      if (prefer.wants(navigation_annotation)) {
        out[annotated(property, navigation_annotation)] = navigation_of(table, column, target);
      }
      if (prefer.wants(lookup_annotation)) out[annotated(property, lookup_annotation)] = target;
    }
    out[property] = wire_value(column, cell);
    return;
  }
  if (prefer.wants(formatted_annotation)) {
    if (auto text = formatted_value(column, cell)) {
      out[annotated(property, formatted_annotation)] = *text;
    }
  }
  out[property] = cell;
}

}  // namespace

json::object render_row(const service_state& state, const table_store& table, std::string_view id,
                        const row& value, const std::vector<int>& select,
                        const preferences& prefer) {
  json::object out;
  out["@odata.etag"] = etag(value);
  if (select.empty()) {
    for (int i = 0; i < static_cast<int>(table.definition().columns.size()); ++i) {
      render_cell(state, table, i, value, prefer, out);
    }
    return out;
  }
  for (const int index : select) render_cell(state, table, index, value, prefer, out);
  if (!out.contains(table.definition().primary_id)) out[table.definition().primary_id] = id;
  return out;
}

std::string context_url(std::string_view root, std::string_view set, std::string_view select,
                        std::string_view suffix) {
  std::string url = std::string(root) + "/$metadata#" + std::string(set);
  if (!select.empty()) url += "(" + std::string(select) + ")";
  return url + std::string(suffix);
}

std::string entity_url(std::string_view root, const table_store& table, std::string_view id) {
  return std::string(root) + "/" + table.definition().entity_set_name + "(" + std::string(id) + ")";
}

std::string etag(const row& value) { return "W/\"" + std::to_string(value.version) + "\""; }

server_reply odata_reply(int status, const json::object& body,
                         const std::vector<std::string>& applied) {
  server_reply reply;
  reply.status = status;
  reply.headers.push_back({"Content-Type", "application/json; odata.metadata=minimal"});
  reply.headers.push_back({"OData-Version", "4.0"});
  if (!applied.empty()) {
    std::string text;
    for (const auto& a : applied) text += (text.empty() ? "" : ",") + a;
    reply.headers.push_back({"Preference-Applied", text});
  }
  reply.body = json::serialize(body);
  return reply;
}

server_reply empty_reply(int status) {
  server_reply reply;
  reply.status = status;
  reply.headers.push_back({"OData-Version", "4.0"});
  return reply;
}

}  // namespace switchboard::sandbox::dataverse
