// Defines the ingress flows' tables and resources in the emulators through their control actions.
#include "sandbox/ingress_schema.hpp"

#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/sandbox.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;

void control(emulator& e, std::string_view action, std::string_view body) {
  const auto reply = e.control(action, "POST", json::parse(body));
  if (!reply || reply->status >= 300) {
    throw std::runtime_error(fmt::format("sandbox {} {} failed: {}", e.name(), action,
                                         reply ? reply->body : std::string("unknown action")));
  }
}

constexpr std::string_view vehicle_table = R"({
  "logical_name": "new_vehicle", "entity_set_name": "new_vehicles",
  "primary_id": "new_vehicleid", "primary_name": "new_name",
  "columns": [
    {"name": "new_name", "type": "String", "max_length": 100},
    {"name": "new_vin", "type": "String", "max_length": 20},
    {"name": "new_model", "type": "String", "max_length": 50},
    {"name": "new_year", "type": "Integer"},
    {"name": "new_price", "type": "Money"},
    {"name": "new_electric", "type": "Boolean"},
    {"name": "new_color", "type": "Picklist",
     "options": [{"value": 1, "label": "Red"}, {"value": 2, "label": "Blue"},
                 {"value": 3, "label": "Green"}]},
    {"name": "new_registered", "type": "Date"},
    {"name": "new_ownerid", "type": "Lookup", "targets": ["contact"], "navigation": "new_OwnerId"}
  ]})";

constexpr std::string_view visit_table = R"({
  "logical_name": "new_servicevisit", "entity_set_name": "new_servicevisits",
  "primary_id": "new_servicevisitid", "primary_name": "new_name",
  "columns": [
    {"name": "new_name", "type": "String", "max_length": 100},
    {"name": "new_visitdate", "type": "DateTime"},
    {"name": "new_mileage", "type": "Integer"},
    {"name": "new_cost", "type": "Double"},
    {"name": "new_vehicleid", "type": "Lookup", "targets": ["new_vehicle"],
     "navigation": "new_VehicleId"}
  ]})";

constexpr std::string_view profile_key = R"({
  "fields": [], "key": ["externalId"],
  "filters": [{"name": "byExternalId", "parameters": ["externalId"]}]})";

constexpr std::string_view vehicle_resource = R"({
  "name": "cusVehicle", "api": "profileAndServicesExt", "label": "Vehicles",
  "fields": [
    {"name": "cusCrmId", "type": "string", "length": 36},
    {"name": "cusName", "type": "string", "length": 100},
    {"name": "cusVin", "type": "string", "length": 20},
    {"name": "cusModel", "type": "string", "length": 50},
    {"name": "cusYear", "type": "integer"},
    {"name": "cusPrice", "type": "double"},
    {"name": "cusElectric", "type": "boolean"},
    {"name": "cusColor", "type": "string", "length": 20},
    {"name": "cusRegistered", "type": "date"}
  ],
  "links": [{"name": "cusProfile", "target": "profile"}],
  "key": ["cusCrmId"],
  "filters": [{"name": "byCrmId", "parameters": ["cusCrmId"]}]})";

constexpr std::string_view visit_resource = R"({
  "name": "cusServiceVisit", "api": "profileAndServicesExt", "label": "Service visits",
  "fields": [
    {"name": "cusCrmId", "type": "string", "length": 36},
    {"name": "cusName", "type": "string", "length": 100},
    {"name": "cusVisitDate", "type": "datetime"},
    {"name": "cusMileage", "type": "integer"},
    {"name": "cusCost", "type": "double"}
  ],
  "links": [{"name": "cusVehicle", "target": "cusVehicle"}],
  "key": ["cusCrmId"],
  "filters": [{"name": "byCrmId", "parameters": ["cusCrmId"]}]})";

constexpr std::array<std::string_view, 6> models = {"Zoe",     "Model 3", "Golf",
                                                    "Corolla", "Clio",    "Ioniq"};

}  // namespace

void define_ingress_schema(sandbox& sb) {
  auto& dataverse = sb.service("dataverse").service();
  control(dataverse, "define_table", vehicle_table);
  control(dataverse, "define_table", visit_table);
  auto& campaign = sb.service("campaign").service();
  control(campaign, "define_profile_fields", profile_key);
  control(campaign, "define_resource", vehicle_resource);
  control(campaign, "define_resource", visit_resource);
}

ingress_rows seed_ingress_rows(sandbox& sb, std::size_t vehicles, std::size_t visits_per_vehicle,
                               std::uint64_t seed) {
  auto& dataverse = sb.emulator_as<dataverse_emulator>("dataverse");
  const auto contacts = dataverse.rows("contact");
  if (contacts.empty()) throw std::runtime_error("seed_ingress_rows: no contacts to own vehicles");
  std::mt19937_64 rng(seed);
  json::array vehicle_rows;
  for (std::size_t i = 0; i < vehicles; ++i) {
    const auto& owner = contacts[i % contacts.size()].as_object();
    const int year = 2012 + static_cast<int>(rng() % 13);
    vehicle_rows.push_back(json::object{
        {"new_name", fmt::format("Vehicle {}", i + 1)},
        {"new_vin", fmt::format("VIN{:014}", rng() % 100000000000000ULL)},
        {"new_model", models[rng() % models.size()]},
        {"new_year", year},
        {"new_price", static_cast<double>(8000 + rng() % 40000) + 0.5},
        {"new_electric", rng() % 3 == 0},
        {"new_color", static_cast<int>(1 + rng() % 3)},
        {"new_registered", fmt::format("{}-{:02}-{:02}", year, 1 + rng() % 12, 1 + rng() % 28)},
        {"new_OwnerId@odata.bind",
         fmt::format("/contacts({})", json::value_to<std::string>(owner.at("contactid")))}});
  }
  ingress_rows out;
  out.vehicles = dataverse.upsert_rows("new_vehicle", vehicle_rows);
  json::array visit_rows;
  for (std::size_t v = 0; v < out.vehicles.size(); ++v) {
    for (std::size_t k = 0; k < visits_per_vehicle; ++k) {
      visit_rows.push_back(json::object{
          {"new_name", fmt::format("Service {} of vehicle {}", k + 1, v + 1)},
          {"new_visitdate", fmt::format("2025-{:02}-{:02}T{:02}:30:00Z", 1 + rng() % 12,
                                        1 + rng() % 28, 8 + rng() % 9)},
          {"new_mileage", static_cast<std::int64_t>(1000 + rng() % 150000)},
          {"new_cost", static_cast<double>(rng() % 90000) / 100.0},
          {"new_VehicleId@odata.bind", fmt::format("/new_vehicles({})", out.vehicles[v])}});
    }
  }
  if (!visit_rows.empty()) out.visits = dataverse.upsert_rows("new_servicevisit", visit_rows);
  return out;
}

std::vector<std::pair<std::string, std::string>> template_environment(const sandbox& sb) {
  const auto& c = sb.credentials();
  return {{"D365_URL", sb.url("dataverse")},
          {"ENTRA_AUTHORITY", sb.url("entra")},
          {"ENTRA_TENANT", c.entra_tenant},
          {"ENTRA_CLIENT_ID", c.entra_client_id},
          {"ENTRA_CLIENT_SECRET", c.entra_client_secret},
          {"CAMPAIGN_URL", sb.url("campaign") + "/" + c.campaign_organization},
          {"IMS_URL", sb.url("ims")},
          {"IMS_CLIENT_ID", c.ims_client_id},
          {"IMS_CLIENT_SECRET", c.ims_client_secret},
          {"IMS_ORG_ID", c.ims_org_id},
          {"IO_EVENTS_JOURNAL_URL", sb.url("events") + "/events/organizations/" +
                                        c.events_organization + "/integrations/" +
                                        c.events_integration + "/" + c.events_registration}};
}

json::value read_template(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read template " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  boost::system::error_code ec;
  auto value = json::parse(text.str(), ec, {}, options);
  if (ec) throw std::runtime_error("template " + file.string() + ": " + ec.message());
  return value;
}

json::object template_tenant(const std::filesystem::path& dir, const std::string& id) {
  json::array routes;
  routes.push_back(read_template(dir / "contact-to-profile.json"));
  auto custom = read_template(dir / "custom-entity-with-links.json");
  for (auto& r : custom.as_array()) routes.push_back(r);
  return json::object{{"id", id},
                      {"plugins", json::array{"dynamics365", "campaign", "custom-entity"}},
                      {"connections", read_template(dir / "connections-dynamics-campaign.json")},
                      {"routes", std::move(routes)}};
}

}  // namespace switchboard::sandbox
