// Dynamics 365 → Campaign ingress end to end: the routes of config/templates (dynamics365.table →
// [custom-entity.links] → campaign.resource) run by the host over HTTPS against the sandbox's
// Dataverse, Entra ID, Campaign and IMS emulators. Campaign is compared with Dataverse field by
// field after each step (sandbox/ingress_check).
#include "sandbox/campaign/campaign_emulator.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/ingress_check.hpp"
#include "sandbox/ingress_schema.hpp"
#include "sandbox/sandbox.hpp"
#include "support/process.hpp"
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <csignal>
#include <cstdlib>

namespace switchboard::test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;
namespace sbx = switchboard::sandbox;

std::string describe(const sbx::ingress_check& c) {
  std::string out = fmt::format("{} problem(s)", c.problem_count);
  for (const auto& p : c.problems) out += "\n  " + p;
  return out;
}

/// A sandbox with the ingress schema and `contacts` contacts (plus vehicles and visits), and a
/// tenant "acme" composed from the templates. Tests edit the tenant's JSON before configure().
class Ingress : public ::testing::Test {
 protected:
  void start(std::size_t contacts, std::size_t vehicles = 0, std::size_t visits = 0,
             std::vector<std::pair<std::string, sbx::fault_rule>> faults = {}) {
    sbx::sandbox_options options;
    options.seed = 11;
    options.seed_contacts = contacts;
    options.ingress_schema = true;
    options.seed_vehicles = vehicles;
    options.seed_visits_per_vehicle = visits;
    options.faults = std::move(faults);
    box_ = std::make_unique<sbx::sandbox>(options);
    for (const auto& [name, value] : sbx::template_environment(*box_)) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    tenant_ = sbx::template_tenant(
        std::filesystem::path(SWITCHBOARD_TEST_SOURCE_DIR) / "config/templates", "acme");
    for (auto& r : routes())
      r.as_object()["error_policy"] = json::object{{"max_attempts", 20},
                                                   {"initial_backoff", "10ms"},
                                                   {"max_backoff", "500ms"},
                                                   {"retry_budget", "2m"}};
    if (vehicles == 0) {
      // Contacts only.
      auto& all = routes();
      all.erase(all.begin() + 1, all.end());
    }
  }

  json::array& routes() { return tenant_["routes"].as_array(); }
  json::object& route(std::string_view id) {
    for (auto& r : routes()) {
      if (r.as_object().at("id").as_string() == id) return r.as_object();
    }
    throw std::out_of_range(std::string(id));
  }
  json::object& mapping(std::string_view id) { return route(id)["mapping"].as_object(); }

  std::string host_extra() const {
    return fmt::format(R"("http": {{"ca_file": "{}"}})", box_->ca_file().string());
  }

  void configure() { host_.configure_tenant(json::serialize(tenant_), host_extra()); }

  /// Runs every route once; each must succeed.
  void run_all() {
    configure();
    for (const auto& o : host_.run_once()) {
      ASSERT_EQ(o.status, host::run_status::succeeded) << o.route.route << ": " << o.message << "\n"
                                                       << host_.log_text();
    }
  }

  sbx::dataverse_emulator& dataverse() {
    return box_->emulator_as<sbx::dataverse_emulator>("dataverse");
  }
  sbx::campaign_emulator& campaign() {
    return box_->emulator_as<sbx::campaign_emulator>("campaign");
  }

  std::vector<std::string> contact_ids() {
    std::vector<std::string> ids;
    for (const auto& c : dataverse().rows("contact")) {
      ids.push_back(json::value_to<std::string>(c.at("contactid")));
    }
    return ids;
  }

  /// The profile with this externalId, or null.
  json::value profile(const std::string& contact) {
    for (const auto& p : campaign().records("profile")) {
      const auto* e = p.as_object().if_contains("externalId");
      if (e != nullptr && e->is_string() && e->get_string() == contact) return p;
    }
    return nullptr;
  }

  void update_contacts(const std::vector<std::string>& ids, std::size_t from, std::size_t n,
                       const std::string& tag) {
    json::array rows;
    for (std::size_t i = from; i < from + n; ++i) {
      rows.push_back(json::object{{"contactid", ids[i]},
                                  {"lastname", fmt::format("{}{}", tag, i)},
                                  {"emailaddress1", fmt::format("{}.{}@example.org", tag, i)}});
    }
    dataverse().upsert_rows("contact", rows);
  }

  /// Active contacts only (statecode 0); then one active contact becomes inactive.
  void filtered_out_case(bool delete_filtered_out) {
    start(200);
    mapping("contacts")["filters"] = json::object{
        {"combine", "and"},
        {"rules", json::array{json::object{{"field", "statecode"}, {"op", "eq"}, {"value", 0}}}},
        {"delete_filtered_out", delete_filtered_out}};
    run_all();
    std::vector<std::string> active;
    for (const auto& c : dataverse().rows("contact")) {
      if (c.at("statecode").to_number<int>() == 0) {
        active.push_back(json::value_to<std::string>(c.at("contactid")));
      }
    }
    ASSERT_FALSE(active.empty());
    ASSERT_LT(active.size(), 200U);  // some seeded contacts are inactive
    EXPECT_EQ(campaign().records("profile").size(), active.size());

    dataverse().upsert_rows(
        "contact",
        json::array{json::object{{"contactid", active[0]}, {"statecode", 1}, {"statuscode", 2}}});
    run_all();
    EXPECT_EQ(profile(active[0]).is_null(), delete_filtered_out);
    EXPECT_EQ(campaign().records("profile").size(),
              delete_filtered_out ? active.size() - 1 : active.size());
  }

  std::unique_ptr<sbx::sandbox> box_;
  json::object tenant_;
  test_host host_;
};

TEST_F(Ingress, TenThousandContactsLandExactlyThenChangesAndDeletesFollow) {
  start(10000);
  run_all();
  auto check = sbx::check_ingress(*box_, false);
  EXPECT_EQ(check.contacts, 10000U);
  EXPECT_EQ(check.profiles, 10000U);
  ASSERT_TRUE(check.ok()) << describe(check);

  const auto ids = contact_ids();
  update_contacts(ids, 0, 100, "Changed");
  dataverse().delete_rows("contact", {ids.begin() + 100, ids.begin() + 120});
  box_->service("campaign").faults().reset_counts();
  run_all();
  check = sbx::check_ingress(*box_, false);
  EXPECT_EQ(check.profiles, 9980U);
  EXPECT_TRUE(check.ok()) << describe(check);
  // 100 updates and 20 deletes: nothing else was written.
  EXPECT_EQ(box_->service("campaign").faults().count("PATCH profile"), 100U);
  EXPECT_EQ(box_->service("campaign").faults().count("DELETE profile"), 20U);
  EXPECT_EQ(box_->service("campaign").faults().count("POST profile"), 0U);

  // Unchanged source: a run sends no Campaign writes at all.
  box_->service("campaign").faults().reset_counts();
  run_all();
  EXPECT_EQ(sbx::campaign_writes(*box_), 0U);
}

TEST_F(Ingress, WithApplyDeletesOffDeletedContactsKeepTheirProfiles) {
  start(300);
  mapping("contacts")["apply_deletes"] = false;
  run_all();
  const auto ids = contact_ids();
  dataverse().delete_rows("contact", {ids.begin(), ids.begin() + 20});
  box_->service("campaign").faults().reset_counts();
  run_all();
  EXPECT_EQ(box_->service("campaign").faults().count("DELETE profile"), 0U);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_FALSE(profile(ids[i]).is_null()) << ids[i];
  EXPECT_EQ(campaign().records("profile").size(), 300U);
}

TEST_F(Ingress, FilteredOutContactsAreDeletedWhenDeleteFilteredOutIsOn) { filtered_out_case(true); }

TEST_F(Ingress, FilteredOutContactsAreLeftWhenDeleteFilteredOutIsOff) { filtered_out_case(false); }

TEST_F(Ingress, AFieldWithApplyUpdatesOffIsWrittenOnCreateAndOnReplayOnly) {
  start(50);
  for (auto& f : mapping("contacts")["fields"].as_array()) {
    if (f.as_object().at("source") == "emailaddress1") f.as_object()["apply_updates"] = false;
  }
  run_all();
  const auto ids = contact_ids();
  const auto first_email = dataverse().rows("contact")[0].at("emailaddress1");
  EXPECT_EQ(profile(ids[0]).at("email"), first_email);

  update_contacts(ids, 0, 1, "Later");
  run_all();
  auto p = profile(ids[0]);
  EXPECT_EQ(p.at("lastName"), "Later0");  // applied
  EXPECT_EQ(p.at("email"), first_email);  // not applied: apply_updates is off

  configure();
  const auto replay = host_.engine().request_replay({"acme", "contacts"}, false);
  ASSERT_TRUE(replay.accepted) << replay.message;
  EXPECT_EQ(replay.source_records, std::optional<std::uint64_t>(50));
  run_all();
  EXPECT_EQ(profile(ids[0]).at("email"), "Later.0@example.org");
  EXPECT_THAT(host_.log_text(), HasSubstr("replay finished"));
}

TEST_F(Ingress, PicklistsAsLabelsOrTechnicalValuesAndEveryTypeConverts) {
  start(40, 30, 2);
  run_all();
  auto check = sbx::check_ingress(*box_);
  ASSERT_TRUE(check.ok()) << describe(check);  // colour labels, Money/Integer/Boolean/Date/DateTime
  EXPECT_EQ(check.campaign_vehicles, 30U);
  EXPECT_EQ(check.campaign_visits, 60U);
  for (const auto& v : campaign().records("cusVehicle")) {
    const auto& color = v.at("cusColor");
    EXPECT_TRUE(color == "Red" || color == "Blue" || color == "Green") << color;
    EXPECT_TRUE(v.at("cusYear").is_int64() || v.at("cusYear").is_uint64());
    EXPECT_TRUE(v.at("cusElectric").is_bool());
    EXPECT_TRUE(v.at("cusPrice").is_double());
  }
  for (const auto& v : campaign().records("cusServiceVisit")) {
    const std::string date(v.at("cusVisitDate").as_string());
    EXPECT_EQ(date.size(), 24U) << date;  // "2025-03-04 08:30:00.000Z"
    EXPECT_EQ(date[10], ' ');
  }

  // Technical values: a replay rewrites the colour as the option's number.
  mapping("vehicles")["picklists"] = "value";
  configure();
  ASSERT_TRUE(host_.engine().request_replay({"acme", "vehicles"}, false).accepted);
  run_all();
  const auto rows = dataverse().rows("new_vehicle");
  std::map<std::string, std::string> colour;
  for (const auto& r : rows) {
    colour[json::value_to<std::string>(r.at("new_vehicleid"))] =
        std::to_string(r.at("new_color").to_number<int>());
  }
  for (const auto& v : campaign().records("cusVehicle")) {
    EXPECT_EQ(v.at("cusColor"),
              json::value(colour.at(json::value_to<std::string>(v.at("cusCrmId")))));
  }
}

TEST_F(Ingress, ChildrenCreatedBeforeTheirParentsEndUpLinkedToTheRightParent) {
  // Parents are read slowly, so service visits reach the host first and must wait.
  sbx::fault_rule slow_vehicles;
  slow_vehicles.match = "GET new_vehicles";
  slow_vehicles.latency = std::chrono::milliseconds(700);
  sbx::fault_rule slow_contacts;
  slow_contacts.match = "GET contacts";
  slow_contacts.latency = std::chrono::milliseconds(700);
  start(60, 40, 3, {{"dataverse", slow_vehicles}, {"dataverse", slow_contacts}});
  run_all();
  const auto check = sbx::check_ingress(*box_);
  EXPECT_TRUE(check.ok()) << describe(check);
  EXPECT_EQ(check.campaign_visits, 120U);
  EXPECT_GE(check.links_checked, 160U);
  EXPECT_THAT(host_.log_text(), HasSubstr("waiting for"));
  EXPECT_EQ(host_.state().count_dead_letters({"acme", "service-visits"}), 0U);

  // New rows of all three levels at once, children first: still linked right.
  auto& dv = dataverse();
  const auto contact = dv.upsert_rows(
      "contact", json::array{json::object{{"firstname", "Ada"}, {"lastname", "Parent"}}});
  const auto vehicle = dv.upsert_rows(
      "new_vehicle", json::array{json::object{
                         {"new_name", "Child car"},
                         {"new_color", 2},
                         {"new_OwnerId@odata.bind", fmt::format("/contacts({})", contact[0])}}});
  dv.upsert_rows("new_servicevisit",
                 json::array{json::object{
                     {"new_name", "Grandchild visit"},
                     {"new_mileage", 10},
                     {"new_VehicleId@odata.bind", fmt::format("/new_vehicles({})", vehicle[0])}}});
  run_all();
  const auto after = sbx::check_ingress(*box_);
  EXPECT_TRUE(after.ok()) << describe(after);
  EXPECT_EQ(after.campaign_visits, 121U);
}

TEST_F(Ingress, ExpiredDeltaTokenResyncsEverythingWithoutDuplicatesAndLogsWhy) {
  start(500);
  run_all();
  const auto ids = contact_ids();
  update_contacts(ids, 0, 10, "BeforeExpiry");
  // Deletes while the token is expired reach no delta: the full pass finds them missing.
  dataverse().delete_rows("contact", {ids.begin() + 10, ids.begin() + 15});
  dataverse().expire_delta_tokens();
  box_->service("campaign").faults().reset_counts();
  run_all();
  const auto check = sbx::check_ingress(*box_, false);
  EXPECT_TRUE(check.ok()) << describe(check);
  EXPECT_EQ(check.profiles, 495U);
  EXPECT_THAT(host_.log_text(), HasSubstr("full resync of the route from the beginning"));
  EXPECT_THAT(host_.log_text(), HasSubstr("expired"));
  EXPECT_THAT(host_.log_text(), HasSubstr("full pass complete: 5 record(s)"));
  // The full read of 495 rows wrote only the 10 changed ones (the rest were unchanged), and
  // deleted the 5 profiles whose contacts are gone.
  EXPECT_EQ(box_->service("campaign").faults().count("PATCH profile"), 10U);
  EXPECT_EQ(box_->service("campaign").faults().count("DELETE profile"), 5U);
  EXPECT_EQ(sbx::campaign_writes(*box_), 15U);

  // A no-op resync: expired again, nothing changed → zero Campaign writes.
  dataverse().expire_delta_tokens();
  box_->service("campaign").faults().reset_counts();
  run_all();
  EXPECT_EQ(sbx::campaign_writes(*box_), 0U);
  EXPECT_EQ(campaign().records("profile").size(), 495U);
}

TEST_F(Ingress, UnderInjectedFaultsTheEndStateIsTheSame) {
  auto rule = [](std::string service_match, int status, double rate, int retry_after = -1) {
    sbx::fault_rule r;
    r.match = std::move(service_match);
    r.status = status;
    r.rate = rate;
    r.retry_after = retry_after;
    return r;
  };
  sbx::fault_rule resets;
  resets.match = "";
  resets.rate = 0.03;
  resets.reset = true;
  start(800, 100, 1,
        {{"campaign", rule("", 500, 0.1)},
         {"campaign", rule("POST", 429, 0.05, 1)},
         {"dataverse", rule("GET", 503, 0.1)},
         {"dataverse", rule("GET", 429, 0.05, 1)},
         {"campaign", resets},
         {"dataverse", resets}});
  run_all();
  auto check = sbx::check_ingress(*box_);
  EXPECT_TRUE(check.ok()) << describe(check);
  EXPECT_EQ(check.profiles, 800U);
  EXPECT_EQ(check.campaign_vehicles, 100U);
  EXPECT_EQ(check.campaign_visits, 100U);
  for (const auto& r : {"contacts", "vehicles", "service-visits"}) {
    EXPECT_EQ(host_.state().count_dead_letters({"acme", r}), 0U) << r;
  }
}

TEST_F(Ingress, KillDashNineDuringTheInitialLoadThenRestartLeavesNoDuplicates) {
  start(6000);
  // The real executable, killed while it writes profiles.
  temp_dir dir;
  const auto config = write_binary_host_config(dir.path(), tenant_, box_->ca_file());
  {
    child_process run({SWITCHBOARD_TEST_BINARY, "run", config.string(), "--once"});
    ASSERT_TRUE(wait_until([&] { return campaign().records("profile").size() >= 1500; },
                           std::chrono::seconds(60)));
    run.signal(SIGKILL);
    const auto killed = run.wait();
    EXPECT_EQ(killed.term_signal, SIGKILL);
  }
  EXPECT_LT(campaign().records("profile").size(), 6000U);
  const auto restarted = run_process({SWITCHBOARD_TEST_BINARY, "run", config.string(), "--once"});
  EXPECT_EQ(restarted.exit_code, 0) << restarted.out << restarted.err;
  const auto check = sbx::check_ingress(*box_, false);
  EXPECT_TRUE(check.ok()) << describe(check);  // duplicates would be reported
  EXPECT_EQ(check.profiles, 6000U);
  EXPECT_EQ(campaign().records("profile").size(), 6000U);
}

TEST_F(Ingress, MappingErrorsStopTheRouteWithTheMappingAndFieldNamed) {
  start(5);
  const auto expect_failure = [&](const std::string& text) {
    configure();
    const auto outcomes = host_.run_once();
    ASSERT_EQ(outcomes.size(), 1U);
    EXPECT_EQ(outcomes[0].status, host::run_status::failed);
    EXPECT_THAT(outcomes[0].message, HasSubstr(text));
  };
  auto& fields = mapping("contacts")["fields"].as_array();
  fields.push_back(json::object{{"source", "nosuchcolumn"}, {"target", "salutation"}});
  expect_failure("nosuchcolumn");
  fields.pop_back();
  fields.push_back(json::object{{"source", "jobtitle"}, {"target", "noSuchField"}});
  expect_failure("noSuchField");
  fields.pop_back();
  mapping("contacts")["target"].as_object()["key"] = "salutation";  // no identification key
  expect_failure("not unique");
}

}  // namespace
}  // namespace switchboard::test
