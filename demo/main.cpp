// switchboard-demo: starts the sandbox (Dataverse, Entra ID, Campaign, IMS, I/O Events emulators
// over HTTPS), seeds contacts and two linked custom tables, runs the ingress routes of
// config/templates with the real switchboard binary to completion, checks Campaign field by
// field, then applies changes and deletes in Dynamics and shows them arrive, shows that a run
// without changes writes nothing, sends an email delivery in Campaign and shows its events arrive
// as activities on the contacts' timelines, and finally adds the bidirectional opt-out routes,
// reconciles every contact with its profile, and with the host running toggles opt-outs on each
// side and measures how long each takes to cross over.
#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/events/events_emulator.hpp"
#include "sandbox/events_schema.hpp"
#include "sandbox/ingress_check.hpp"
#include "sandbox/ingress_schema.hpp"
#include "sandbox/jwt/support.hpp"
#include "sandbox/optout_schema.hpp"
#include "sandbox/sandbox.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <thread>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace sb = switchboard::sandbox;

/// The tenant of the demo, composed from the templates (the ingress routes and the email events
/// route); routes poll every second.
json::object demo_tenant(const fs::path& templates) {
  auto tenant = sb::template_tenant(templates, "demo");
  auto& routes = tenant["routes"].as_array();
  routes.push_back(sb::email_events_route(templates));
  for (auto& r : routes) r.as_object()["poll_interval"] = "1s";
  return tenant;
}

/// Sends a delivery of campaign OP42 to the first `count` profiles Campaign holds (their
/// externalId is the contact id): every send, and opens, clicks and hard bounces among them.
json::object send_delivery(sb::sandbox& box, std::size_t count, std::uint64_t seed) {
  json::array profiles;
  for (const auto& p : box.emulator_as<sb::campaign_emulator>("campaign").records("profile")) {
    if (profiles.size() == count) break;
    const auto& o = p.as_object();
    profiles.push_back(json::object{{"PKey", o.at("PKey")}, {"externalId", o.at("externalId")}});
  }
  return box.emulator_as<sb::events_emulator>("events").send_delivery(
      json::object{{"campaign", json::object{{"id", "OP42"}, {"name", "Loyalty"}}},
                   {"delivery", json::object{{"id", "DM7"}, {"name", "Spring newsletter"}}},
                   {"profiles", std::move(profiles)},
                   {"opens", 0.5},
                   {"clicks", 0.2},
                   {"bounces", 0.05},
                   {"seed", seed}});
}

/// Starts `switchboard run CONFIG [--once]`; its output goes to ours.
pid_t start_host(const fs::path& binary, const fs::path& config, bool once) {
  std::cout << std::flush;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const std::string b = binary.string(), c = config.string();
    if (once) {
      ::execl(b.c_str(), b.c_str(), "run", c.c_str(), "--once", static_cast<char*>(nullptr));
    } else {
      ::execl(b.c_str(), b.c_str(), "run", c.c_str(), static_cast<char*>(nullptr));
    }
    std::perror("exec switchboard");
    ::_exit(127);
  }
  return pid;
}

int wait_host(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// Runs `switchboard run CONFIG --once` and returns its exit code.
int run_host(const fs::path& binary, const fs::path& config) {
  return wait_host(start_host(binary, config, true));
}

void write_host_config(const fs::path& file, const sb::sandbox& box, const json::object& tenant) {
  json::object host{
      {"state", "state.db"},
      {"http", json::object{{"ca_file", box.ca_file().string()}}},
      {"log", json::object{{"format", "human"}, {"level", "info"}, {"file", "host.log"}}},
      {"tenants", json::array{tenant}}};
  std::ofstream(file) << json::serialize(host) << "\n";
}

/// The bidirectional opt-out routes of the templates, at their 60 s polling; the export files
/// come from a local folder.
void add_opt_out_routes(json::object& tenant, const fs::path& templates, const fs::path& exports) {
  auto& plugins = tenant["plugins"].as_array();
  plugins.push_back("opt-out");
  auto& routes = tenant["routes"].as_array();
  for (auto& r : sb::opt_out_routes(templates, "bidirectional")) {
    auto& route = r.as_object();
    if (route.at("id") == "opt-out-exports") {
      route["source"].as_object()["config"] =
          json::object{{"location", "local"}, {"folder", exports.string()}};
    }
    routes.push_back(std::move(r));
  }
}

/// Seconds until `done()` holds, checked every 50 ms (after each check, `checked` gets the
/// seconds elapsed); a negative value after `limit`.
template <class Done>
double seconds_until(
    Done done, std::chrono::seconds limit,
    const std::function<void(double)>& checked = [](double) {}) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  for (;;) {
    const bool ok = done();
    checked(elapsed());
    if (ok) return elapsed();
    if (std::chrono::steady_clock::now() - start > limit) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool contact_flag(sb::dataverse_emulator& dv, const std::string& id, std::string_view column) {
  for (const auto& row : dv.rows("contact")) {
    const auto& r = row.as_object();
    if (r.at("contactid").as_string() == id) {
      const auto* v = r.if_contains(column);
      return v != nullptr && v->is_bool() && v->as_bool();
    }
  }
  return false;
}

bool profile_flag(sb::campaign_emulator& cp, const std::string& external_id,
                  std::string_view attribute) {
  for (const auto& p : cp.records("profile")) {
    const auto& o = p.as_object();
    if (o.at("externalId").as_string() == external_id) {
      const auto* v = o.if_contains(attribute);
      return v != nullptr && v->is_bool() && v->as_bool();
    }
  }
  return false;
}

/// The contact ids of profiles with none of the opt-outs the demo toggles.
std::vector<std::string> untouched_contacts(sb::sandbox& box, std::size_t count) {
  auto& dv = box.emulator_as<sb::dataverse_emulator>("dataverse");
  std::vector<std::string> out;
  for (const auto& row : dv.rows("contact")) {
    const auto& r = row.as_object();
    bool clear = true;
    for (const auto* c :
         {"donotphone", "donotfax", "donotpostalmail", "donotemail", "donotsendmm"}) {
      const auto* v = r.if_contains(c);
      clear = clear && !(v != nullptr && v->is_bool() && v->as_bool());
    }
    if (clear) out.emplace_back(r.at("contactid").as_string());
    if (out.size() == count) break;
  }
  return out;
}

std::string requests_summary(sb::sandbox& box) {
  const auto counts = box.service("campaign").faults().counts();
  std::string out;
  for (const auto& [kind, n] : counts.at("by_kind").as_object()) {
    const std::string_view k = kind;
    if (k.find("metadata") != std::string_view::npos) continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", k, n.to_number<std::uint64_t>());
  }
  return out.empty() ? "none" : out;
}

bool report(const sb::ingress_check& c) {
  std::cout << fmt::format(
      "  Dataverse: {} contacts, {} vehicles, {} service visits\n"
      "  Campaign:  {} profiles, {} cusVehicle, {} cusServiceVisit; {} links checked\n",
      c.contacts, c.vehicles, c.visits, c.profiles, c.campaign_vehicles, c.campaign_visits,
      c.links_checked);
  if (c.ok()) {
    std::cout << "  field-by-field check: identical\n";
    return true;
  }
  std::cout << fmt::format("  field-by-field check: {} difference(s), first:\n", c.problem_count);
  for (const auto& p : c.problems) std::cout << "    " << p << "\n";
  return false;
}

std::size_t count_lines_with(const fs::path& file, std::string_view text) {
  std::ifstream in(file);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) n += line.find(text) != std::string::npos ? 1 : 0;
  return n;
}

/// Edits in Dynamics as users would: updates, new contacts (one owning a new vehicle with a
/// service visit, so children arrive with their parents), deletes, an opt-out, a moved vehicle.
struct change_summary {
  std::size_t updated = 0, created = 0, deleted = 0, opted_out = 0;
};

change_summary apply_changes(sb::sandbox& box, const sb::ingress_rows& custom, std::size_t vehicles,
                             std::uint64_t seed) {
  auto& dv = box.emulator_as<sb::dataverse_emulator>("dataverse");
  const auto contacts = dv.rows("contact");
  std::mt19937_64 rng(seed + 99);
  change_summary s;
  json::array updates;
  // Contacts from index `vehicles` on own no vehicle; change and delete among those.
  const std::size_t first_free = std::min(vehicles, contacts.size());
  const std::size_t span = contacts.size() - first_free;
  const std::size_t to_update = std::min<std::size_t>(100, span / 2);
  for (std::size_t i = 0; i < to_update; ++i) {
    const auto& c = contacts[first_free + i].as_object();
    json::object row{{"contactid", c.at("contactid")},
                     {"lastname", fmt::format("Changed{}", i)},
                     {"emailaddress1", fmt::format("changed.{}@example.org", i)}};
    if (i < 5) row["donotemail"] = true, ++s.opted_out;
    updates.push_back(std::move(row));
  }
  s.updated = updates.size();
  json::array created;
  for (int i = 0; i < 10; ++i) {
    created.push_back(json::object{{"firstname", "New"},
                                   {"lastname", fmt::format("Contact{}", i)},
                                   {"emailaddress1", fmt::format("new.{}@example.org", i)},
                                   {"gendercode", 2}});
  }
  dv.upsert_rows("contact", updates);
  const auto new_ids = dv.upsert_rows("contact", created);
  s.created = new_ids.size();
  std::vector<std::string> doomed;
  for (std::size_t i = 0; i < std::min<std::size_t>(10, span - to_update); ++i) {
    doomed.push_back(
        json::value_to<std::string>(contacts[contacts.size() - 1 - i].at("contactid")));
  }
  s.deleted = dv.delete_rows("contact", doomed);
  // A new vehicle of a new contact, with a service visit; an existing vehicle moves owner.
  const auto vehicle = dv.upsert_rows(
      "new_vehicle", json::array{json::object{
                         {"new_name", "Vehicle new"},
                         {"new_vin", fmt::format("VINNEW{:010}", rng() % 10000000000ULL)},
                         {"new_model", "Zoe"},
                         {"new_year", 2026},
                         {"new_color", 3},
                         {"new_OwnerId@odata.bind", fmt::format("/contacts({})", new_ids[0])}}});
  dv.upsert_rows("new_servicevisit",
                 json::array{json::object{
                     {"new_name", "First service"},
                     {"new_visitdate", "2026-11-02T09:30:00Z"},
                     {"new_mileage", 1200},
                     {"new_cost", 89.9},
                     {"new_VehicleId@odata.bind", fmt::format("/new_vehicles({})", vehicle[0])}}});
  if (!custom.vehicles.empty()) {
    dv.upsert_rows("new_vehicle",
                   json::array{json::object{
                       {"new_vehicleid", custom.vehicles[0]},
                       {"new_OwnerId@odata.bind", fmt::format("/contacts({})", new_ids[1])}}});
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "switchboard-demo: Dynamics 365 -> Campaign ingress against the sandbox emulators: initial "
      "load of contacts and two linked custom tables, then changes and deletes, then a no-op run; "
      "then Campaign email events -> Dynamics 365 timeline activities; then opt-out sync both "
      "ways (reconciliation, then toggles on each side with the host running at 60 s polling)",
      "switchboard-demo"};
  std::size_t contacts = 5000, vehicles = 1000, visits = 2;
  std::uint64_t seed = 7;
  std::string dir, templates = SWITCHBOARD_TEMPLATE_DIR;
  app.add_option("--contacts", contacts, "contacts to seed in Dataverse")->capture_default_str();
  app.add_option("--vehicles", vehicles, "vehicles (custom table new_vehicle)")
      ->capture_default_str();
  app.add_option("--visits", visits, "service visits per vehicle (new_servicevisit)")
      ->capture_default_str();
  app.add_option("--seed", seed, "seed for generated data")->capture_default_str();
  app.add_option("--dir", dir, "work directory for config, state and logs (default: a new one)");
  app.add_option("--templates", templates, "route templates")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const fs::path binary = fs::canonical("/proc/self/exe").parent_path() / "switchboard";
    const fs::path work =
        dir.empty() ? fs::temp_directory_path() / fmt::format("switchboard-demo-{}", ::getpid())
                    : fs::path(dir);
    fs::create_directories(work);

    std::cout << "== sandbox: Dataverse, Entra ID, Campaign, IMS emulators over HTTPS\n";
    sb::sandbox_options options;
    options.seed = seed;
    options.seed_contacts = contacts;
    options.ingress_schema = true;
    options.seed_vehicles = std::min(vehicles, contacts);
    options.seed_visits_per_vehicle = visits;
    sb::sandbox box(options);
    for (const auto& [name, value] : sb::template_environment(box)) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    sb::define_email_activity_tables(box);
    auto& dv = box.emulator_as<sb::dataverse_emulator>("dataverse");
    sb::ingress_rows custom;
    for (const auto& v : dv.rows("new_vehicle")) {
      custom.vehicles.push_back(json::value_to<std::string>(v.at("new_vehicleid")));
    }
    std::cout << fmt::format("  seeded {} contacts, {} vehicles, {} service visits; work dir {}\n",
                             contacts, custom.vehicles.size(), custom.vehicles.size() * visits,
                             work.string());

    auto tenant = demo_tenant(templates);
    const fs::path config = work / "host.json";
    write_host_config(config, box, tenant);

    bool ok = true;
    std::cout << "\n== 1. initial load: switchboard run " << config.string() << " --once\n";
    auto started = std::chrono::steady_clock::now();
    int code = run_host(binary, config);
    auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << fmt::format("  host exit code {}, {:.2f} s; Campaign requests: {}\n", code,
                             seconds, requests_summary(box));
    ok = report(sb::check_ingress(box)) && code == 0 && ok;
    const auto parked = count_lines_with(work / "host.log", "waiting for");
    std::cout << fmt::format(
        "  children that arrived before their parents and waited: {} batch(es)\n", parked);

    std::cout << "\n== 2. changes in Dynamics, then switchboard run --once\n";
    const auto changes = apply_changes(box, custom, options.seed_vehicles, seed);
    std::cout << fmt::format(
        "  {} contacts updated ({} opted out of email), {} created, {} deleted; a new vehicle "
        "with a service visit for a new contact; a vehicle moved to another owner\n",
        changes.updated, changes.opted_out, changes.created, changes.deleted);
    box.service("campaign").faults().reset_counts();
    started = std::chrono::steady_clock::now();
    code = run_host(binary, config);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << fmt::format("  host exit code {}, {:.2f} s; Campaign requests: {}\n", code,
                             seconds, requests_summary(box));
    ok = report(sb::check_ingress(box)) && code == 0 && ok;

    std::cout << "\n== 3. no changes: switchboard run --once\n";
    box.service("campaign").faults().reset_counts();
    code = run_host(binary, config);
    const auto writes = sb::campaign_writes(box);
    std::cout << fmt::format(
        "  host exit code {}; Campaign writes: {} (unchanged records are not sent)\n", code,
        writes);
    ok = ok && code == 0 && writes == 0;

    std::cout << "\n== 4. an email delivery in Campaign, then switchboard run --once\n";
    const auto sent = send_delivery(box, 1000, seed);
    box.emulator_as<sb::events_emulator>("events").set_redelivery(0.1, seed);
    std::cout << fmt::format(
        "  delivery DM7 to 1000 profiles: {} events in the journal ({} sends, {} opens, {} "
        "clicks, {} bounces); the journal redelivers 10% of what is read\n",
        sent.at("events").to_number<std::uint64_t>(), sent.at("sends").to_number<std::uint64_t>(),
        sent.at("opens").to_number<std::uint64_t>(), sent.at("clicks").to_number<std::uint64_t>(),
        sent.at("bounces").to_number<std::uint64_t>());
    box.service("dataverse").faults().reset_counts();
    started = std::chrono::steady_clock::now();
    code = run_host(binary, config);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto activities = sb::check_email_activities(box);
    std::cout << fmt::format(
        "  host exit code {}, {:.2f} s; Dataverse requests: {} ($batch {})\n"
        "  activities on the contacts' timelines: {} send, {} open, {} click, {} bounce\n",
        code, seconds,
        box.service("dataverse").faults().counts().at("total").to_number<std::uint64_t>(),
        box.service("dataverse").faults().count("POST $batch"), activities.by_type["send"],
        activities.by_type["open"], activities.by_type["click"], activities.by_type["bounce"]);
    if (activities.ok()) {
      std::cout << fmt::format("  check: each of the {} distinct events is one activity\n",
                               activities.events);
    } else {
      std::cout << fmt::format("  check: {} problem(s), first:\n", activities.problems);
      for (const auto& p : activities.examples) std::cout << "    " << p << "\n";
    }
    ok = ok && code == 0 && activities.ok() && activities.events > 0;

    std::cout << "\n== 5. opt-out sync, both ways (opt-out-bidirectional.json), then "
                 "switchboard run --once\n";
    const fs::path exports = work / "exports";
    fs::create_directories(exports);
    add_opt_out_routes(tenant, templates, exports);
    write_host_config(config, box, tenant);
    box.service("dataverse").faults().reset_counts();
    box.service("campaign").faults().reset_counts();
    code = run_host(binary, config);
    std::cout << fmt::format(
        "  host exit code {}; initial reconciliation of every contact with its profile: {} "
        "Campaign profile(s) and {} contact(s) written (opt-out wins where only one side had "
        "it)\n",
        code, box.service("campaign").faults().count("PATCH profile"),
        box.service("dataverse").faults().count("PATCH contacts"));
    ok = ok && code == 0;

    std::cout << "\n== 6. switchboard run (continuously; opt-out routes poll every 60 s); "
                 "opt-outs toggled on each side\n";
    auto& campaign = box.emulator_as<sb::campaign_emulator>("campaign");
    const auto people = untouched_contacts(box, 3);
    const auto pkey_of = [&](const std::string& id) {
      for (const auto& p : campaign.records("profile")) {
        if (p.at("externalId").as_string() == id) return std::string(p.at("PKey").as_string());
      }
      throw std::runtime_error("no profile for contact " + id);
    };
    const auto phone_pkey = pkey_of(people.at(0));
    // A person opts out of postal mail in Campaign; the Campaign workflow's export of changed
    // opt-outs lists it (with a malformed line) in the export folder.
    campaign.control("update_record", "POST",
                     json::object{{"resource", "profile"},
                                  {"pkey", pkey_of(people.at(2))},
                                  {"fields", json::object{{"blackListPostalMail", true}}}});
    std::ofstream(exports / "optout-export-1.csv")
        << "externalId,attribute,value,changed\n"
        << people.at(2) << ",blackListPostalMail,true,"
        << sb::jwt::iso_millis(std::chrono::system_clock::now()) << "\n"
        << people.at(2) << ",blackListPostalMail,maybe,2026-11-29T10:00:00.000Z\n";
    const pid_t host_pid = start_host(binary, config, false);
    const auto limit = std::chrono::seconds(90);
    const double from_file =
        seconds_until([&] { return contact_flag(dv, people.at(2), "donotpostalmail"); }, limit);
    // Some time later, people change their minds: in Campaign, an opt-out of phone calls; in
    // Dynamics, an opt-out of faxes. Each is read by its route's next poll.
    std::this_thread::sleep_for(std::chrono::seconds(20));
    campaign.control("update_record", "POST",
                     json::object{{"resource", "profile"},
                                  {"pkey", phone_pkey},
                                  {"fields", json::object{{"blackListPhone", true}}}});
    dv.upsert_rows("contact",
                   json::array{json::object{{"contactid", people.at(1)}, {"donotfax", true}}});
    // Both are watched together, every 50 ms.
    double to_dynamics = -1, fax_seconds = -1;
    seconds_until(
        [&] {
          if (to_dynamics < 0 && contact_flag(dv, people.at(0), "donotphone")) to_dynamics = 0;
          if (fax_seconds < 0 && profile_flag(campaign, people.at(1), "blackListFax")) {
            fax_seconds = 0;
          }
          return to_dynamics >= 0 && fax_seconds >= 0;
        },
        limit,
        [&](double elapsed) {
          if (to_dynamics == 0) to_dynamics = elapsed;
          if (fax_seconds == 0) fax_seconds = elapsed;
        });
    ::kill(host_pid, SIGTERM);
    code = wait_host(host_pid);
    const auto latency = [](double s) {
      return s < 0 ? std::string("not within 90 s") : fmt::format("{:.1f} s", s);
    };
    std::cout << fmt::format(
        "  Campaign blackListPhone = true  -> Dynamics donotphone: {}\n"
        "  Dynamics donotfax = true        -> Campaign blackListFax: {}\n"
        "  export file (local folder)      -> Dynamics donotpostalmail: {}; file moved to "
        "processed: {}; malformed line 3 dead-lettered: {}\n"
        "  host exit code after SIGTERM {}\n",
        latency(to_dynamics), latency(fax_seconds), latency(from_file),
        fs::exists(exports / "processed" / "optout-export-1.csv") ? "yes" : "no",
        count_lines_with(work / "host.log", "line 3") > 0 ? "yes" : "no", code);
    const bool opt_out_ok = to_dynamics >= 0 && to_dynamics <= 60 && fax_seconds >= 0 &&
                            fax_seconds <= 60 && from_file >= 0;
    std::cout << fmt::format(
        "  check: Campaign -> Dynamics latency {} one polling interval (60 s)\n",
        opt_out_ok ? "within" : "NOT within");
    ok = ok && opt_out_ok && code == 0;

    std::cout << fmt::format(
        "\n{}\n", ok ? "demo ok: Campaign matches Dynamics after the initial "
                       "load and after the changes, every email event is one activity, and "
                       "opt-outs cross both ways within one polling interval"
                     : "demo FAILED (see above and " + (work / "host.log").string() + ")");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "switchboard-demo: " << e.what() << "\n";
    return 1;
  }
}
