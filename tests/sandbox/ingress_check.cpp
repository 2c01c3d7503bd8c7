// Field-by-field comparison of the Dataverse and Campaign emulators for the template mappings.
#include "sandbox/ingress_check.hpp"

#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/sandbox.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <cmath>
#include <map>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;

const json::value null_value;

const json::value& field(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v == nullptr ? null_value : *v;
}

std::string text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

/// Campaign has no null for its scalar fields: a value written as null reads back empty.
bool empty_in_campaign(const json::value& v) {
  return v.is_null() || (v.is_string() && v.get_string().empty()) ||
         (v.is_number() && v.to_number<double>() == 0) || (v.is_bool() && !v.get_bool());
}

bool same(const json::value& expected, const json::value& actual) {
  if (expected.is_null()) return empty_in_campaign(actual);
  if (expected.is_number() && actual.is_number()) {
    return std::fabs(expected.to_number<double>() - actual.to_number<double>()) < 1e-6;
  }
  return expected == actual;
}

/// "2025-03-04T08:30:00Z" → "2025-03-04 08:30:00.000Z".
json::value campaign_datetime(const json::value& v) {
  if (!v.is_string()) return v;
  std::string s(v.get_string());
  if (s.size() < 19 || s[10] != 'T') return v;
  s[10] = ' ';
  return json::value(s.substr(0, 19) + ".000Z");
}

json::value gender_name(const json::value& code) {
  if (code.is_null()) return "unknown";
  const auto n = code.to_number<std::int64_t>();
  return n == 1 ? json::value("male") : n == 2 ? json::value("female") : code;
}

json::value colour_label(const json::value& code) {
  if (code.is_null()) return nullptr;
  switch (code.to_number<std::int64_t>()) {
    case 1:
      return "Red";
    case 2:
      return "Blue";
    case 3:
      return "Green";
    default:
      return code;
  }
}

class checker {
 public:
  explicit checker(ingress_check& out) : out_(out) {}

  void problem(std::string text) {
    ++out_.problem_count;
    if (out_.problems.size() < 20) out_.problems.push_back(std::move(text));
  }

  void expect(std::string_view what, std::string_view name, const json::value& expected,
              const json::value& actual) {
    if (same(expected, actual)) return;
    problem(fmt::format("{}: {} is {}, expected {}", what, name, json::serialize(actual),
                        json::serialize(expected)));
  }

  /// Campaign records by their key field; duplicates reported.
  std::map<std::string, json::object> index(const json::array& records, std::string_view key,
                                            std::string_view what) {
    std::map<std::string, json::object> out;
    for (const auto& r : records) {
      const auto& o = r.as_object();
      const auto& k = field(o, key);
      if (!k.is_string() || k.get_string().empty()) continue;
      if (!out.emplace(std::string(k.get_string()), o).second) {
        problem(fmt::format("{} {} exists more than once in Campaign", what, text(k)));
      }
    }
    return out;
  }

  /// Checks that every Campaign record has a source row (deleted rows must be gone).
  template <class Rows>
  void no_orphans(const std::map<std::string, json::object>& records, const Rows& rows,
                  std::string_view what) {
    for (const auto& [key, record] : records) {
      if (!rows.contains(key))
        problem(fmt::format("{} {} is in Campaign but not in Dataverse", what, key));
    }
  }

  void link(std::string_view what, const json::object& record, std::string_view link_name,
            const json::value& parent_id, const std::map<std::string, json::object>& parents) {
    ++out_.links_checked;
    const auto& links = field(record, "_links");
    const json::value& actual =
        links.is_object() ? field(links.as_object(), link_name) : null_value;
    if (parent_id.is_null()) {
      expect(what, link_name, nullptr, actual);
      return;
    }
    const auto parent = parents.find(text(parent_id));
    if (parent == parents.end()) {
      problem(fmt::format("{}: parent {} has no Campaign record", what, text(parent_id)));
      return;
    }
    expect(what, link_name, field(parent->second, "PKey"), actual);
  }

 private:
  ingress_check& out_;
};

std::map<std::string, json::object> rows_by(const json::array& rows, std::string_view key) {
  std::map<std::string, json::object> out;
  for (const auto& r : rows) out.emplace(text(r.as_object().at(key)), r.as_object());
  return out;
}

}  // namespace

ingress_check check_ingress(sandbox& sb, bool check_custom) {
  ingress_check out;
  checker check(out);
  auto& dataverse = sb.emulator_as<dataverse_emulator>("dataverse");
  auto& campaign = sb.emulator_as<campaign_emulator>("campaign");

  const auto contacts = rows_by(dataverse.rows("contact"), "contactid");
  const auto profiles = check.index(campaign.records("profile"), "externalId", "profile");
  out.contacts = contacts.size();
  out.profiles = profiles.size();
  check.no_orphans(profiles, contacts, "profile");
  for (const auto& [id, c] : contacts) {
    const auto p = profiles.find(id);
    if (p == profiles.end()) {
      check.problem(fmt::format("contact {} has no profile", id));
      continue;
    }
    const auto what = fmt::format("profile of contact {}", id);
    const auto& pr = p->second;
    check.expect(what, "firstName", field(c, "firstname"), field(pr, "firstName"));
    check.expect(what, "lastName", field(c, "lastname"), field(pr, "lastName"));
    check.expect(what, "email", field(c, "emailaddress1"), field(pr, "email"));
    check.expect(what, "phone", field(c, "telephone1"), field(pr, "phone"));
    check.expect(what, "birthDate", field(c, "birthdate"), field(pr, "birthDate"));
    check.expect(what, "gender", gender_name(field(c, "gendercode")), field(pr, "gender"));
    check.expect(what, "blackListEmail", field(c, "donotemail"), field(pr, "blackListEmail"));
  }
  if (!check_custom) return out;

  const auto vehicles = rows_by(dataverse.rows("new_vehicle"), "new_vehicleid");
  const auto cus_vehicles = check.index(campaign.records("cusVehicle"), "cusCrmId", "vehicle");
  out.vehicles = vehicles.size();
  out.campaign_vehicles = cus_vehicles.size();
  check.no_orphans(cus_vehicles, vehicles, "vehicle");
  for (const auto& [id, v] : vehicles) {
    const auto r = cus_vehicles.find(id);
    if (r == cus_vehicles.end()) {
      check.problem(fmt::format("vehicle {} has no Campaign record", id));
      continue;
    }
    const auto what = fmt::format("cusVehicle of {}", id);
    const auto& cv = r->second;
    check.expect(what, "cusName", field(v, "new_name"), field(cv, "cusName"));
    check.expect(what, "cusVin", field(v, "new_vin"), field(cv, "cusVin"));
    check.expect(what, "cusModel", field(v, "new_model"), field(cv, "cusModel"));
    check.expect(what, "cusYear", field(v, "new_year"), field(cv, "cusYear"));
    check.expect(what, "cusPrice", field(v, "new_price"), field(cv, "cusPrice"));
    check.expect(what, "cusElectric", field(v, "new_electric"), field(cv, "cusElectric"));
    check.expect(what, "cusColor", colour_label(field(v, "new_color")), field(cv, "cusColor"));
    check.expect(what, "cusRegistered", field(v, "new_registered"), field(cv, "cusRegistered"));
    check.link(what, cv, "cusProfile", field(v, "_new_ownerid_value"), profiles);
  }

  const auto visits = rows_by(dataverse.rows("new_servicevisit"), "new_servicevisitid");
  const auto cus_visits = check.index(campaign.records("cusServiceVisit"), "cusCrmId", "visit");
  out.visits = visits.size();
  out.campaign_visits = cus_visits.size();
  check.no_orphans(cus_visits, visits, "service visit");
  for (const auto& [id, v] : visits) {
    const auto r = cus_visits.find(id);
    if (r == cus_visits.end()) {
      check.problem(fmt::format("service visit {} has no Campaign record", id));
      continue;
    }
    const auto what = fmt::format("cusServiceVisit of {}", id);
    const auto& cv = r->second;
    check.expect(what, "cusName", field(v, "new_name"), field(cv, "cusName"));
    check.expect(what, "cusVisitDate", campaign_datetime(field(v, "new_visitdate")),
                 field(cv, "cusVisitDate"));
    check.expect(what, "cusMileage", field(v, "new_mileage"), field(cv, "cusMileage"));
    check.expect(what, "cusCost", field(v, "new_cost"), field(cv, "cusCost"));
    check.link(what, cv, "cusVehicle", field(v, "_new_vehicleid_value"), cus_vehicles);
  }
  return out;
}

std::uint64_t campaign_writes(sandbox& sb) {
  const auto counts = sb.service("campaign").faults().counts();
  std::uint64_t writes = 0;
  for (const auto& [kind, n] : counts.at("by_kind").as_object()) {
    const std::string_view k = kind;
    if (k.starts_with("POST ") || k.starts_with("PATCH ") || k.starts_with("DELETE ")) {
      writes += n.to_number<std::uint64_t>();
    }
  }
  return writes;
}

}  // namespace switchboard::sandbox
