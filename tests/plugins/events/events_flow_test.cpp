// Campaign email events → Dynamics 365 timeline activities end to end: the route of
// config/templates/email-events.json (campaign.events → dynamics365.activities) with the
// templates' connections, against the sandbox's I/O Events journal, IMS, Entra ID and Dataverse
// over HTTPS: one activity per distinct event despite redeliveries and a kill -9, disabled types
// stay out, and $batch keeps Dataverse requests down.
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/events/events_emulator.hpp"
#include "sandbox/events_schema.hpp"
#include "sandbox/ingress_schema.hpp"
#include "sandbox/sandbox.hpp"
#include "support/process.hpp"
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <csignal>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace switchboard::test {
namespace {

namespace json = boost::json;
namespace sbx = switchboard::sandbox;

const char* const activity_tables[] = {"new_emailsend", "new_emailopen", "new_emailclick",
                                       "new_emailbounce"};

class EmailEvents : public ::testing::Test {
 protected:
  EmailEvents() {
    sbx::sandbox_options options;
    options.seed = 5;
    options.seed_contacts = 1250;
    box_ = std::make_unique<sbx::sandbox>(options);
    sbx::define_email_activity_tables(*box_);
    for (const auto& [name, value] : sbx::template_environment(*box_)) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    const std::filesystem::path templates =
        std::filesystem::path(SWITCHBOARD_TEST_SOURCE_DIR) / "config/templates";
    auto route = sbx::email_events_route(templates);
    route["error_policy"] = json::object{{"max_attempts", 20},
                                         {"initial_backoff", "10ms"},
                                         {"max_backoff", "200ms"},
                                         {"retry_budget", "2m"}};
    tenant_ = json::object{
        {"id", "acme"},
        {"plugins", json::array{"dynamics365", "campaign"}},
        {"connections", sbx::read_template(templates / "connections-dynamics-campaign.json")},
        {"routes", json::array{std::move(route)}}};
  }

  sbx::events_emulator& events() { return box_->emulator_as<sbx::events_emulator>("events"); }
  sbx::dataverse_emulator& dataverse() {
    return box_->emulator_as<sbx::dataverse_emulator>("dataverse");
  }
  json::object& source_config() {
    return tenant_["routes"].as_array()[0].as_object()["source"].as_object()["config"].as_object();
  }

  /// One delivery to every seeded contact's profile: 1250 sends, about 60% opens, 30% clicks,
  /// 10% bounces (some 2500 events in all).
  void send_delivery(std::string_view delivery, std::uint64_t seed) {
    json::array profiles;
    for (const auto& row : dataverse().rows("contact")) {
      const std::string id(row.as_object().at("contactid").as_string());
      profiles.push_back(json::object{{"PKey", "@" + id}, {"externalId", id}});
    }
    events().send_delivery(
        json::object{{"campaign", json::object{{"id", "OP42"}, {"name", "Loyalty"}}},
                     {"delivery", json::object{{"id", delivery}, {"name", "Spring"}}},
                     {"profiles", std::move(profiles)},
                     {"opens", 0.6},
                     {"clicks", 0.3},
                     {"bounces", 0.1},
                     {"seed", seed}});
  }

  /// Distinct events of the journal by id.
  std::map<std::string, json::object> journal() {
    std::map<std::string, json::object> out;
    for (const auto& e : events().entries()) {
      const auto& event = e.at("event").as_object();
      out[std::string(event.at("id").as_string())] = event;
    }
    return out;
  }

  /// Activity rows in the four tables.
  std::size_t activity_rows() {
    std::size_t rows = 0;
    for (const char* table : activity_tables) rows += dataverse().rows(table).size();
    return rows;
  }

  /// Each distinct event of the journal (of `types`) is one activity in the right table, on
  /// the right contact, with the right columns; nothing else is there.
  void expect_one_activity_per_event(const std::set<std::string>& types) {
    const auto check = sbx::check_email_activities(*box_, types);
    EXPECT_TRUE(check.ok()) << check.problems << " problem(s), e.g. "
                            << (check.examples.empty() ? "" : check.examples.front());
    EXPECT_EQ(check.activities, check.events);
    EXPECT_GT(check.events, 0u);
  }

  std::string host_extra() const {
    return fmt::format(R"("http": {{"ca_file": "{}"}})", box_->ca_file().string());
  }

  void run_ok() {
    host_.configure_tenant(json::serialize(tenant_), host_extra());
    const auto outcomes = host_.run_once();
    ASSERT_EQ(outcomes.size(), 1u);
    ASSERT_EQ(outcomes[0].status, host::run_status::succeeded) << outcomes[0].message << "\n"
                                                               << host_.log_text();
    ASSERT_EQ(outcomes[0].counts.dead_lettered, 0u);
  }

  /// $batch requests and all requests Dataverse counted.
  std::pair<std::uint64_t, std::uint64_t> dataverse_requests() {
    auto& faults = box_->service("dataverse").faults();
    return {faults.count("POST $batch"), faults.counts().at("total").to_number<std::uint64_t>()};
  }

  std::unique_ptr<sbx::sandbox> box_;
  json::object tenant_;
  test_host host_;
};

TEST_F(EmailEvents, EveryDistinctEventIsOneActivityDespiteTenPercentRedelivered) {
  send_delivery("DM1", 3);
  send_delivery("DM2", 4);
  send_delivery("DM3", 5);
  ASSERT_GE(journal().size(), 5000u);
  events().set_redelivery(0.1, 9);
  box_->service("dataverse").faults().reset_counts();
  run_ok();
  std::size_t redelivered = 0;
  for (const auto& e : events().entries()) redelivered += e.at("redelivery").as_bool() ? 1 : 0;
  EXPECT_GE(redelivered, journal().size() / 20) << "about 10% should come twice";
  expect_one_activity_per_event({"send", "open", "click", "bounce"});

  // With the template's batching: at most 2 $batch requests per 1000 activities, and no
  // requests per activity outside them.
  const auto [batches, total] = dataverse_requests();
  const double per_thousand =
      static_cast<double>(batches) * 1000.0 / static_cast<double>(journal().size());
  EXPECT_LE(per_thousand, 2.0) << batches << " $batch requests";
  // The one other request is the sink's start-up read of the activity tables' metadata; all of
  // them together stay within 2 per 1000 activities too.
  EXPECT_EQ(total, batches + 1) << "no Dataverse request per activity outside $batch";
  EXPECT_LE(static_cast<double>(total) * 1000.0 / static_cast<double>(journal().size()), 2.0);
}

TEST_F(EmailEvents, ADisabledTypeProducesNoActivity) {
  send_delivery("DM1", 3);
  source_config()["event_types"] = json::array{"send", "click", "bounce"};
  run_ok();
  expect_one_activity_per_event({"send", "click", "bounce"});
  EXPECT_EQ(dataverse().rows("new_emailopen").size(), 0u);

  // The check itself notices a lost activity.
  const auto sends = dataverse().rows("new_emailsend");
  ASSERT_FALSE(sends.empty());
  dataverse().delete_rows("new_emailsend",
                          {std::string(sends.at(0).as_object().at("activityid").as_string())});
  const auto check = sbx::check_email_activities(*box_, {"send", "click", "bounce"});
  EXPECT_EQ(check.problems, 1u);
  ASSERT_FALSE(check.examples.empty());
  EXPECT_THAT(check.examples.front(), ::testing::HasSubstr("has no activity"));
}

TEST_F(EmailEvents, KillDashNineMidStreamThenRestartStillGivesOneActivityEach) {
  send_delivery("DM1", 3);
  send_delivery("DM2", 4);
  events().set_redelivery(0.1, 9);
  source_config()["limit"] = 100;  // many small batches, so the kill lands mid-stream
  auto& route = tenant_["routes"].as_array()[0].as_object();
  route["batch_size"] = 100;
  temp_dir dir;
  const auto config = write_binary_host_config(dir.path(), tenant_, box_->ca_file());
  const auto total = journal().size();
  {
    child_process run({SWITCHBOARD_TEST_BINARY, "run", config.string(), "--once"});
    ASSERT_TRUE(wait_until([&] { return activity_rows() >= total / 3; }, std::chrono::seconds(60)));
    run.signal(SIGKILL);
    EXPECT_EQ(run.wait().term_signal, SIGKILL);
  }
  EXPECT_LT(activity_rows(), total);
  const auto restarted = run_process({SWITCHBOARD_TEST_BINARY, "run", config.string(), "--once"});
  ASSERT_EQ(restarted.exit_code, 0)
      << restarted.out << restarted.err << read_file(dir / "host.log");
  expect_one_activity_per_event({"send", "open", "click", "bounce"});
}

}  // namespace
}  // namespace switchboard::test
