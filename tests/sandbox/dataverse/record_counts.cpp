// RetrieveTotalRecordCount of the Dataverse emulator.
#include "sandbox/dataverse/record_counts.hpp"

#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/row_rendering.hpp"

#include <boost/json.hpp>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

/// ['a','b'] or ["a","b"] → names.
std::vector<std::string> name_list(std::string_view text) {
  text = trim(text);
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') {
    fail(
        query_error("EntityNames must be a collection of table logical names, e.g. "
                    "['contact']."));
  }
  std::vector<std::string> names;
  text = text.substr(1, text.size() - 2);
  while (!trim(text).empty()) {
    const auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (item.size() >= 2 && (item.front() == '\'' || item.front() == '"') &&
        item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    if (item.empty()) fail(query_error("EntityNames holds an empty name."));
    names.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return names;
}

}  // namespace

server_reply retrieve_total_record_count(const service_state& state, const odata_call& call,
                                         std::string_view arguments) {
  constexpr std::string_view parameter = "EntityNames=";
  if (arguments.size() < 2 || arguments.front() != '(' || arguments.back() != ')') {
    fail(
        query_error("RetrieveTotalRecordCount needs its parameter: "
                    "RetrieveTotalRecordCount(EntityNames=['contact'])."));
  }
  auto inner = trim(arguments.substr(1, arguments.size() - 2));
  if (inner.rfind(parameter, 0) != 0) {
    fail(query_error("RetrieveTotalRecordCount takes one parameter, EntityNames."));
  }
  inner = trim(inner.substr(parameter.size()));
  std::string list(inner);
  if (!inner.empty() && inner.front() == '@') {
    list.clear();
    for (const auto& [name, value] : call.query) {
      if (name == inner) list = value;
    }
    if (list.empty()) {
      fail(query_error("The parameter alias '" + std::string(inner) + "' has no value."));
    }
  }
  json::array keys;
  json::array values;
  for (const auto& name : name_list(list)) {
    const auto* table = state.store.by_logical(name);
    if (table == nullptr) {
      fail({404, std::string(codes::object_does_not_exist),
            "Could not find entity with name '" + name + "'."});
    }
    keys.push_back(json::string(name));
    values.push_back(static_cast<std::int64_t>(table->rows().size()));
  }
  json::object collection;
  collection["Count"] = keys.size();
  collection["IsReadOnly"] = false;
  collection["Keys"] = std::move(keys);
  collection["Values"] = std::move(values);
  json::object body;
  body["@odata.context"] =
      call.root + "/$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse";
  body["EntityRecordCountCollection"] = std::move(collection);
  return odata_reply(200, body);
}

}  // namespace switchboard::sandbox::dataverse
