// The email activity tables and the events route template.
#include "sandbox/events_schema.hpp"

#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/events/events_emulator.hpp"
#include "sandbox/ingress_schema.hpp"
#include "sandbox/sandbox.hpp"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace switchboard::sandbox {

namespace json = boost::json;

void define_email_activity_tables(sandbox& sb) {
  auto& dataverse = sb.emulator_as<dataverse_emulator>("dataverse");
  const auto column = [](const char* name, const char* type, int max_length = 0) {
    json::object c{{"name", name}, {"type", type}};
    if (max_length > 0) c["max_length"] = max_length;
    return c;
  };
  for (const char* table :
       {"new_emailsend", "new_emailopen", "new_emailclick", "new_emailbounce"}) {
    try {
      dataverse.define_table(dataverse::table_definition_from_json(json::object{
          {"logical_name", table},
          {"is_activity", true},
          {"columns",
           json::array{column("new_campaignname", "String"), column("new_deliveryname", "String"),
                       column("new_eventdate", "DateTime"),
                       column("new_mirrorpageurl", "String", 1000),
                       column("new_trackingurl", "String", 1000),
                       column("new_bouncereason", "String"), column("new_eventid", "String")}},
          {"keys", json::array{json::object{{"name", "new_eventid_key"},
                                            {"columns", json::array{"new_eventid"}}}}}}));
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("cannot define table ") + table + ": " + e.what());
    }
  }
}

namespace {

std::string text(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string table_of(std::string_view type) { return "new_email" + std::string(type); }

}  // namespace

email_activity_check check_email_activities(sandbox& sb, const std::set<std::string>& types) {
  auto& dataverse = sb.emulator_as<dataverse_emulator>("dataverse");
  auto& events = sb.emulator_as<events_emulator>("events");
  email_activity_check out;
  const auto problem = [&out](std::string what) {
    if (out.examples.size() < 10) out.examples.push_back(std::move(what));
    ++out.problems;
  };
  // event id -> (table, row); rows seen per event id
  std::map<std::string, std::pair<std::string, json::object>> rows;
  std::map<std::string, std::size_t> seen;
  for (const char* type : {"send", "open", "click", "bounce"}) {
    const auto table = table_of(type);
    for (const auto& row : dataverse.rows(table)) {
      const auto& r = row.as_object();
      const auto id = text(r, "new_eventid");
      ++out.activities;
      ++out.by_type[type];
      if (++seen[id] == 1) rows[id] = {table, r};
    }
  }
  std::set<std::string> expected;
  for (const auto& entry : events.entries()) {
    const auto& event = entry.at("event").as_object();
    const auto id = text(event, "id");
    const auto type = text(event, "type");
    if (id.empty() || !types.contains(type) || !expected.insert(id).second) continue;
    const auto it = rows.find(id);
    if (it == rows.end()) {
      problem(fmt::format("{} event {} has no activity", type, id));
      continue;
    }
    if (seen[id] > 1) problem(fmt::format("event {} has {} activities", id, seen[id]));
    const auto& [table, row] = it->second;
    const auto& profile = event.at("profile").as_object();
    const auto& delivery = event.at("delivery").as_object();
    if (table != table_of(type)) problem(fmt::format("{} event {} is in {}", type, id, table));
    if (text(row, "_regardingobjectid_value") != text(profile, "externalId")) {
      problem(fmt::format("event {} regards {} instead of contact {}", id,
                          text(row, "_regardingobjectid_value"), text(profile, "externalId")));
    }
    if (text(row, "new_campaignname") != text(event.at("campaign").as_object(), "id") ||
        text(row, "new_deliveryname") != text(delivery, "id")) {
      problem(fmt::format("event {}: campaign/delivery {}/{} instead of {}/{}", id,
                          text(row, "new_campaignname"), text(row, "new_deliveryname"),
                          text(event.at("campaign").as_object(), "id"), text(delivery, "id")));
    }
    if (text(row, "new_mirrorpageurl") != text(event, "mirrorPageUrl")) {
      problem(fmt::format("event {}: mirror page {} instead of {}", id,
                          text(row, "new_mirrorpageurl"), text(event, "mirrorPageUrl")));
    }
    if (type == "click" && text(row, "new_trackingurl") != text(event, "url")) {
      problem(fmt::format("click {}: URL {} instead of {}", id, text(row, "new_trackingurl"),
                          text(event, "url")));
    }
  }
  out.events = expected.size();
  for (const auto& [id, n] : seen) {
    if (!expected.contains(id)) problem(fmt::format("activity for unexpected event \"{}\"", id));
  }
  return out;
}

json::object email_events_route(const std::filesystem::path& templates) {
  auto route = read_template(templates / "email-events.json");
  if (!route.is_object()) {
    throw std::runtime_error("template email-events.json is not a route object");
  }
  return std::move(route.as_object());
}

}  // namespace switchboard::sandbox
