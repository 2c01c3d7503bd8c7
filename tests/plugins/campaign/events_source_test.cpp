// campaign.events against the sandbox's I/O Events journal over HTTPS, through the in-process
// host: every distinct event arrives once at mock.sink (redeliveries, later runs, an expired
// position, 5xx), disabled types and soft bounces stay out, and bad options and events are
// named.
#include "../../../plugins/campaign/events_source.hpp"
#include "sandbox/events/events_emulator.hpp"
#include "sandbox/sandbox.hpp"
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>

namespace switchboard::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

class CampaignEvents : public ::testing::Test {
 protected:
  CampaignEvents() : events_(sandbox_.emulator_as<sandbox::events_emulator>("events")) {}

  std::string journal_url() const {
    const auto& c = sandbox_.credentials();
    return fmt::format("{}/events/organizations/{}/integrations/{}/{}", sandbox_.url("events"),
                       c.events_organization, c.events_integration, c.events_registration);
  }

  /// Route "events": campaign.events (with `source_extra` options) → mock.sink appending to a
  /// JSONL file; `route_extra` adds route keys.
  void configure(const std::string& source_extra = "", const std::string& route_extra = "") {
    const auto& c = sandbox_.credentials();
    host_.configure_tenant(
        fmt::format(
            R"({{"id": "acme", "plugins": ["mock", "campaign"],
  "connections": {{"acs": {{"plugin": "campaign",
    "auth": {{"type": "ims_oauth", "ims_url": "{}", "client_id": "{}", "client_secret": "{}"}}}}}},
  "routes": [{{"id": "events",
    "source": {{"component": "campaign.events", "config": {{"journal_url": "{}",
      "api_key": "{}", "ims_org_id": "{}", "connection": "acs", "limit": 50{}}}}},
    "sink": {{"component": "mock.sink", "config": {{"mode": "jsonl", "path": "{}"}}}},
    "error_policy": {{"max_attempts": 6, "initial_backoff": "10ms", "max_backoff": "100ms"}}{}}}]}})",
            sandbox_.url("ims"), c.ims_client_id, c.ims_client_secret, journal_url(),
            c.ims_client_id, c.ims_org_id, source_extra, output().string(), route_extra),
        fmt::format(R"("http": {{"ca_file": "{}"}})", sandbox_.ca_file().string()));
  }

  std::filesystem::path output() const { return host_.path("events.jsonl"); }

  host::route_outcome run() {
    auto outcomes = host_.run_once();
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.empty() ? host::route_outcome{} : outcomes.front();
  }

  /// Records mock.sink received, by key; each key's count of deliveries in `times`.
  std::map<std::string, json::object> received(std::map<std::string, int>* times = nullptr) {
    std::map<std::string, json::object> out;
    if (!std::filesystem::exists(output())) return out;
    std::istringstream lines(read_file(output()));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      auto rec = json::parse(line).as_object();
      EXPECT_EQ(rec.at("op"), "upsert") << line;
      const std::string key(rec.at("key").as_string());
      if (times != nullptr) ++(*times)[key];
      out[key] = rec.at("fields").as_object();
    }
    return out;
  }

  /// A delivery of `profiles` profiles (contact ids 1..n as externalId).
  json::object send_delivery(int profiles, std::string_view delivery, std::uint64_t seed = 3) {
    json::array list;
    for (int i = 1; i <= profiles; ++i) {
      list.push_back(json::object{{"PKey", fmt::format("@pkey{}", i)},
                                  {"email", fmt::format("p{}@example.org", i)},
                                  {"externalId", fmt::format("contact-{}", i)}});
    }
    return events_.send_delivery(
        json::object{{"campaign", json::object{{"id", "OP42"}, {"name", "Loyalty"}}},
                     {"delivery", json::object{{"id", delivery}, {"name", "Spring newsletter"}}},
                     {"profiles", std::move(list)},
                     {"opens", 0.6},
                     {"clicks", 0.3},
                     {"bounces", 0.1},
                     {"seed", seed}});
  }

  /// Distinct events in the journal (redeliveries folded), by id.
  std::map<std::string, json::object> journal_events() {
    std::map<std::string, json::object> out;
    for (const auto& e : events_.entries()) {
      const auto& event = e.at("event").as_object();
      const auto* id = event.if_contains("id");
      if (id != nullptr && id->is_string()) out[std::string(id->get_string())] = event;
    }
    return out;
  }

  sandbox::sandbox sandbox_;
  sandbox::events_emulator& events_;
  test_host host_;
};

TEST_F(CampaignEvents, EveryDistinctEventArrivesOnceDespiteRedeliveries) {
  const auto counts = send_delivery(300, "DM1");
  ASSERT_GT(counts.at("clicks").to_number<int>(), 0);
  ASSERT_GT(counts.at("bounces").to_number<int>(), 0);
  events_.set_redelivery(0.1, 7);
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;

  const auto journal = journal_events();
  std::size_t redelivered = 0;
  for (const auto& e : events_.entries()) redelivered += e.at("redelivery").as_bool() ? 1 : 0;
  EXPECT_GT(redelivered, 0u) << "the journal was to redeliver some events";

  std::map<std::string, int> times;
  const auto got = received(&times);
  EXPECT_EQ(got.size(), journal.size());
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
  for (const auto& [id, event] : journal) {
    ASSERT_TRUE(got.contains(id)) << id;
    const auto& f = got.at(id);
    EXPECT_EQ(f.at("type"), event.at("type"));
    EXPECT_EQ(f.at("externalId"), event.at("profile").at("externalId"));
    EXPECT_EQ(f.at("campaignId"), "OP42");
    EXPECT_EQ(f.at("campaignName"), "Loyalty");
    EXPECT_EQ(f.at("deliveryId"), "DM1");
    EXPECT_EQ(f.at("deliveryName"), "Spring newsletter");
    EXPECT_EQ(f.at("eventTime"), event.at("timestamp"));
    EXPECT_EQ(f.at("url"), event.at("url"));
    EXPECT_EQ(f.at("mirrorPageUrl"), event.at("mirrorPageUrl"));
  }
}

TEST_F(CampaignEvents, ALaterRunHandsOutOnlyNewEventsAndDropsRedeliveriesOfOldOnes) {
  send_delivery(100, "DM1");
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto first = received().size();
  ASSERT_EQ(first, journal_events().size());

  // Everything of the first delivery comes again, after the stored position.
  for (const auto& e : events_.entries()) events_.publish(e.at("event").as_object());
  send_delivery(50, "DM2", 9);
  ASSERT_EQ(run().status, host::run_status::succeeded);
  std::map<std::string, int> times;
  const auto got = received(&times);
  EXPECT_EQ(got.size(), journal_events().size());
  EXPECT_GT(got.size(), first);
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
}

TEST_F(CampaignEvents, PagesLargerThanTheRoutesBatchAreHandedOutOverSeveralReads) {
  send_delivery(120, "DM1");
  events_.set_redelivery(0.1, 5);
  configure("", R"(, "batch_size": 7)");  // journal pages of 50
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  std::map<std::string, int> times;
  EXPECT_EQ(received(&times).size(), journal_events().size());
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
  // Nothing read twice: the pages of 50 went out seven events per read.
  EXPECT_EQ(outcome.counts.read, journal_events().size());
}

TEST_F(CampaignEvents, DisabledTypesAndSoftBouncesStayOut) {
  send_delivery(200, "DM1");
  // A soft bounce, which the original integration does not forward.
  events_.publish(json::object{{"id", "soft-1"},
                               {"type", "bounce"},
                               {"timestamp", "2026-11-29T08:00:00.000Z"},
                               {"profile", json::object{{"externalId", "contact-1"}}},
                               {"campaign", json::object{{"id", "OP42"}}},
                               {"delivery", json::object{{"id", "DM1"}}},
                               {"bounceType", "soft"}});
  configure(R"(, "event_types": ["click", "bounce"])");
  ASSERT_EQ(run().status, host::run_status::succeeded);
  std::size_t clicks = 0;
  std::size_t hard_bounces = 0;
  for (const auto& [id, event] : journal_events()) {
    if (event.at("type") == "click") ++clicks;
    if (event.at("type") == "bounce" && event.at("bounceType") == "hard") ++hard_bounces;
  }
  const auto got = received();
  EXPECT_EQ(got.size(), clicks + hard_bounces);
  for (const auto& [id, f] : got) {
    EXPECT_TRUE(f.at("type") == "click" || f.at("type") == "bounce") << id;
  }
  EXPECT_FALSE(got.contains("soft-1"));
}

TEST_F(CampaignEvents, SoftBouncesWhenAskedFor) {
  events_.publish(json::object{{"id", "soft-1"},
                               {"type", "bounce"},
                               {"timestamp", "2026-11-29 08:00:00.250Z"},
                               {"profile", json::object{{"externalId", "contact-1"}}},
                               {"campaign", json::object{{"id", "OP42"}}},
                               {"delivery", json::object{{"id", "DM1"}}},
                               {"bounceType", "soft"}});
  configure(R"(, "soft_bounces": true)");
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto got = received();
  ASSERT_TRUE(got.contains("soft-1"));
  // Campaign's own date-time form is accepted and handed out in ISO 8601.
  EXPECT_EQ(got.at("soft-1").at("eventTime"), "2026-11-29T08:00:00.250Z");
  EXPECT_TRUE(got.at("soft-1").at("url").is_null());
}

TEST_F(CampaignEvents, UnusableEventsGoOnMarkedWithWhyAndTheOthersArrive) {
  events_.publish(json::object{{"type", "open"}, {"timestamp", "2026-11-29T08:00:00Z"}});
  events_.publish(
      json::object{{"id", "bad-type"}, {"type", "forward"}, {"timestamp", "2026-11-29T08:00:00Z"}});
  events_.publish(json::object{{"id", "bad-time"}, {"type", "open"}, {"timestamp", "yesterday"}});
  send_delivery(20, "DM1");
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto got = received();
  std::vector<std::string> unusable;
  std::size_t events = 0;
  for (const auto& [key, fields] : got) {
    if (const auto* why = fields.if_contains("malformed")) {
      EXPECT_THAT(key, ::testing::StartsWith("journal position "));
      EXPECT_THAT(fields.at("entry").as_string().c_str(), HasSubstr("\"event\""));
      unusable.emplace_back(why->as_string());
    } else {
      ++events;
    }
  }
  EXPECT_EQ(events, journal_events().size() - 2);  // the id-less one is not in the map
  ASSERT_EQ(unusable.size(), 3u);
  const auto all = fmt::format("{}", fmt::join(unusable, "\n"));
  EXPECT_THAT(all, HasSubstr("campaign.events: journal position"));
  EXPECT_THAT(all, HasSubstr("forward"));
  EXPECT_THAT(all, HasSubstr("yesterday"));
  EXPECT_FALSE(got.contains("bad-type"));
  EXPECT_FALSE(got.contains("bad-time"));
}

TEST_F(CampaignEvents, AnExpiredPositionStartsOverFromTheOldestWithoutDuplicates) {
  send_delivery(60, "DM1");
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  send_delivery(40, "DM2", 11);
  // The stored position and everything before it are gone from the journal: 410.
  const auto entries = events_.entries().size();
  ASSERT_TRUE(events_
                  .control("expire_events", "POST",
                           json::object{{"count", static_cast<std::int64_t>(entries - 10)}})
                  .has_value());
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  std::map<std::string, int> times;
  const auto got = received(&times);
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
  // The last ten events were still in the journal; the first run had some of them.
  const auto all = events_.entries();
  for (std::size_t i = entries - 10; i < entries; ++i) {
    const auto& event = all.at(i).at("event").as_object();
    EXPECT_TRUE(got.contains(std::string(event.at("id").as_string())));
  }
  EXPECT_THAT(host_.log_text(), HasSubstr("410"));
}

TEST_F(CampaignEvents, ServerErrorsAreRetriedToTheSameEndState) {
  send_delivery(150, "DM1");
  sandbox_.service("events").faults().add({.match = "GET journal", .status = 503, .rate = 0.3});
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  std::map<std::string, int> times;
  EXPECT_EQ(received(&times).size(), journal_events().size());
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
}

TEST_F(CampaignEvents, BadOptionsAreNamed) {
  const auto failure = [&](const std::string& extra) {
    try {
      configure(extra);
      return run().message;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  };
  EXPECT_THAT(failure(R"(, "event_types": ["send", "forward"])"),
              HasSubstr("\"forward\" is not send, open, click or bounce"));
  EXPECT_THAT(failure(R"(, "field_paths": {"colour": "/colour"})"),
              HasSubstr("unknown record field \"colour\""));
  EXPECT_THAT(failure(R"(, "field_paths": {"externalId": "profile.externalId"})"),
              HasSubstr("\"externalId\" must be a JSON pointer"));
  EXPECT_THAT(failure(R"(, "start": "middle")"), HasSubstr("start"));
}

TEST(CampaignEventRecord, FieldPathsReadAnotherPayloadShape) {
  campaign::events_settings s;
  s.field_paths = campaign::default_event_field_paths();
  s.field_paths["externalId"] = "/body/contact";
  s.field_paths["type"] = "/body/kind";
  s.field_paths["mirrorPageUrl"] = "";
  s.field_paths["bounceReason"] = "/body/why";
  std::string why;
  const auto rec =
      campaign::event_record(json::parse(R"({"id": "e1", "timestamp": "2026-11-29T08:00:00+01:00",
                      "body": {"contact": "c-9", "kind": "open", "why": "mailbox full"},
                      "mirrorPageUrl": "https://m/1"})"),
                             s, why);
  ASSERT_TRUE(rec.has_value()) << why;
  EXPECT_EQ(rec->key, "e1");
  EXPECT_EQ(rec->fields.at("externalId"), "c-9");
  EXPECT_EQ(rec->fields.at("type"), "open");
  EXPECT_EQ(rec->fields.at("eventTime"), "2026-11-29T07:00:00.000Z");
  EXPECT_TRUE(rec->fields.at("mirrorPageUrl").is_null());
  EXPECT_EQ(rec->fields.at("bounceReason"), "mailbox full");

  EXPECT_FALSE(campaign::event_record(json::parse(R"({"type": "open"})"), s, why).has_value());
  EXPECT_THAT(why, HasSubstr("no event id (a string) at /id"));
}

}  // namespace
}  // namespace switchboard::test
