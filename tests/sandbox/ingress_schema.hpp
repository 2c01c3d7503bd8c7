// The tables and resources of the ingress flows (contacts → profiles, two linked custom tables),
// defined in the Dataverse and Campaign emulators for the demo, the end-to-end tests and the
// benchmarks.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::sandbox {

class sandbox;

/// Defines, through the emulators' control actions:
/// - Dataverse `new_vehicle` (set `new_vehicles`; name, VIN, model, year, price (Money),
///   electric (Boolean), colour (Picklist 1 Red, 2 Blue, 3 Green), registered (Date), owner
///   lookup `new_ownerid` → contact) and `new_servicevisit` (set `new_servicevisits`; name,
///   visit date (DateTime), mileage (Integer), cost (Double), vehicle lookup `new_vehicleid` →
///   new_vehicle);
/// - Campaign: the profile's identification key `externalId` with its filter `byExternalId`,
///   custom resources `cusVehicle` (link `cusProfile` → profile) and `cusServiceVisit` (link
///   `cusVehicle` → cusVehicle) on profileAndServicesExt, each keyed by `cusCrmId` with filter
///   `byCrmId`.
/// Throws std::runtime_error when an emulator refuses a definition.
void define_ingress_schema(sandbox& sb);

/// Ids of rows created by seed_ingress_rows().
struct ingress_rows {
  std::vector<std::string> vehicles;
  std::vector<std::string> visits;
};

/// Adds `vehicles` vehicles owned by the first contacts (round robin) and `visits_per_vehicle`
/// service visits for each, deterministic for a seed. Needs define_ingress_schema() and seeded
/// contacts.
ingress_rows seed_ingress_rows(sandbox& sb, std::size_t vehicles, std::size_t visits_per_vehicle,
                               std::uint64_t seed);

/// The environment variables the templates (config/templates/connections-dynamics-campaign.json,
/// email-events.json) read, pointing at this sandbox: D365_URL, ENTRA_AUTHORITY, ENTRA_TENANT,
/// ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET, CAMPAIGN_URL, IMS_URL, IMS_CLIENT_ID,
/// IMS_CLIENT_SECRET, IMS_ORG_ID, IO_EVENTS_JOURNAL_URL.
std::vector<std::pair<std::string, std::string>> template_environment(const sandbox& sb);

/// A tenant as an admin composes it from the templates in `dir`: the connections of
/// connections-dynamics-campaign.json, the route of contact-to-profile.json and the routes of
/// custom-entity-with-links.json; plugins dynamics365, campaign and custom-entity. Throws
/// std::runtime_error when a template cannot be read or parsed.
boost::json::object template_tenant(const std::filesystem::path& dir, const std::string& id);

/// A template file: JSON with comments and trailing commas allowed. Throws std::runtime_error
/// when it cannot be read or parsed.
boost::json::value read_template(const std::filesystem::path& file);

}  // namespace switchboard::sandbox
