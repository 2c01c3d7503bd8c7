// opt-out.consent and opt-out.campaign_changes beyond the decision table: the export-file path
// over a real SFTP server into the consent sink (applied once, malformed lines dead-lettered
// with their line number, stale lines skipped), bad options named, service failures retried or
// dead-lettered, and the change poller's paging and watermark.
#include "opt_out_world.hpp"
#include "sandbox/jwt/support.hpp"
#include "sandbox/optout_schema.hpp"
#include "sshd_server.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace switchboard::test {
namespace {

namespace json = boost::json;
namespace sbx = switchboard::sandbox;
namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string alice = "0a1b2c3d-0000-4000-8000-000000000001";
const std::string bob = "0a1b2c3d-0000-4000-8000-000000000002";
const std::string carol = "0a1b2c3d-0000-4000-8000-000000000003";

/// The route `id` of the bidirectional template.
json::object template_route(std::string_view id) {
  for (auto& r : sbx::opt_out_routes(template_dir(), "bidirectional")) {
    if (r.as_object().at("id").as_string() == id) {
      auto route = std::move(r.as_object());
      route["error_policy"] = json::object{{"max_attempts", 3},
                                           {"initial_backoff", "10ms"},
                                           {"max_backoff", "50ms"},
                                           {"on_permanent", "dead_letter"}};
      return route;
    }
  }
  throw std::runtime_error("no route " + std::string(id) + " in opt-out-bidirectional.json");
}

json::object& sink_config(json::object& route) {
  return route["sink"].as_object()["config"].as_object();
}

std::string now_iso() { return sbx::jwt::iso_millis(std::chrono::system_clock::now()); }

// --- the export files over SFTP into the consent sink -----------------------------------------

class ExportsIntoConsent : public ::testing::Test {
 protected:
  ExportsIntoConsent() : sshd_(ssh_dir_.path()) {
    fs::create_directories(exports());
    auto route = template_route("opt-out-exports");
    route["source"].as_object()["config"] =
        json::object{{"location", "sftp"},
                     {"host", "127.0.0.1"},
                     {"port", sshd_.port()},
                     {"user", sshd_.user()},
                     {"private_key", "${file:" + sshd_.user_key().string() + "}"},
                     {"host_key_sha256", sshd_.host_key_fingerprint()}};
    world_.configure(json::array{std::move(route)});
    world_.create(alice, false, false);
    world_.create(bob, false, false);
    world_.create(carol, false, false);
  }

  fs::path exports() const { return sshd_.root() / "d365_loads" / "exports"; }

  temp_dir ssh_dir_;
  sshd_server sshd_;
  opt_out_world world_;
};

TEST_F(ExportsIntoConsent, AppliesAFileOnceAndDeadLettersItsMalformedLineWithTheLineNumber) {
  // What Campaign shows, and the workflow's export of it (plus a line Campaign no longer
  // agrees with, and a malformed one).
  world_.set_campaign(alice, json::object{{"blackListEmail", true}});
  world_.set_campaign(bob, json::object{{"blackListPhone", true}});
  const auto at = now_iso();
  const std::string file = fmt::format(
      "externalId,attribute,value,changed\n"
      "{0},blackListEmail,true,{3}\n"
      "{0},blackListEmail,maybe,{3}\n"
      "{1},denyListPhone,1,{3}\n"
      "{2},blackListFax,true,{3}\n",
      alice, bob, carol, at);
  write_file(exports() / "optouts-2026-11-29.csv", file);

  const auto first = world_.run("opt-out-exports");
  EXPECT_EQ(first.status, host::run_status::succeeded) << first.message;
  EXPECT_EQ(first.counts.read, 4u);
  EXPECT_EQ(first.counts.dead_lettered, 1u);
  EXPECT_TRUE(world_.dynamics_value(alice, "donotemail"));
  EXPECT_TRUE(world_.dynamics_value(bob, "donotphone"));
  // Campaign shows blackListFax false for carol: the line is stale, nothing is written.
  EXPECT_FALSE(world_.dynamics_value(carol, "donotfax"));
  EXPECT_FALSE(world_.campaign_value(carol, "blackListFax"));
  EXPECT_THAT(world_.host().log_text(), HasSubstr("Campaign now shows false"));
  const auto letters = world_.dead_letters("opt-out-exports");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_THAT(letters[0].reason, HasSubstr("optouts-2026-11-29.csv line 3"));
  EXPECT_THAT(letters[0].reason, HasSubstr("maybe"));
  EXPECT_TRUE(fs::exists(exports() / "processed" / "optouts-2026-11-29.csv"));
  EXPECT_FALSE(fs::exists(exports() / "optouts-2026-11-29.csv"));

  // The same file dropped again (the workflow re-sent it): never applied twice.
  world_.set_dynamics(alice, json::object{{"donotemail", false}});
  const auto writes = world_.writes();
  write_file(exports() / "optouts-2026-11-29.csv", file);
  const auto second = world_.run("opt-out-exports");
  EXPECT_EQ(second.status, host::run_status::succeeded) << second.message;
  EXPECT_EQ(second.counts.read, 0u);
  EXPECT_EQ(world_.writes(), writes);
  EXPECT_FALSE(world_.dynamics_value(alice, "donotemail"));
  EXPECT_EQ(world_.dead_letters("opt-out-exports").size(), 1u);
  EXPECT_FALSE(fs::exists(exports() / "optouts-2026-11-29.csv"));
}

// --- options ----------------------------------------------------------------------------------

struct bad_option {
  std::string name;
  std::function<void(json::object&)> edit;
  std::string expected;
};

void PrintTo(const bad_option& o, std::ostream* os) { *os << o.name; }

class ConsentOptions : public ::testing::TestWithParam<bad_option> {};

TEST_P(ConsentOptions, AreRefusedNamingTheOptionAndValue) {
  opt_out_world world;
  auto route = template_route("opt-out-dynamics");
  GetParam().edit(sink_config(route));
  // Schema violations are refused as configuration errors naming the value's place, the rest
  // fail the route's start.
  host::route_outcome outcome;
  try {
    world.configure(json::array{std::move(route)});
    outcome = world.run("opt-out-dynamics");
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("/routes/0/sink/config"));
    EXPECT_THAT(e.what(), HasSubstr(GetParam().expected));
    return;
  }
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr(GetParam().expected));
}

const std::vector<bad_option> bad_options{
    {"empty_pairs", [](json::object& c) { c["pairs"] = json::array{}; },
     "option \"pairs\": expected a non-empty array"},
    {"unknown_attribute",
     [](json::object& c) {
       c["pairs"] = json::array{json::object{{"dynamics", "donotemail"}, {"campaign", "optOut"}}};
     },
     "\"optOut\" is not one of Campaign's opt-out attributes"},
    {"pair_without_campaign",
     [](json::object& c) {
       c["pairs"] = json::array{json::object{{"dynamics", "donotemail"}}};
     },
     "option \"pairs\"/0: expected {\"dynamics\""},
    {"column_twice",
     [](json::object& c) {
       c["pairs"] =
           json::array{json::object{{"dynamics", "donotemail"}, {"campaign", "blackListEmail"}},
                       json::object{{"dynamics", "donotemail"}, {"campaign", "blackList"}}};
     },
     "option \"pairs\"/1/dynamics: column donotemail is already paired"},
    {"attribute_twice_by_ui_name",
     [](json::object& c) {
       c["pairs"] =
           json::array{json::object{{"dynamics", "donotemail"}, {"campaign", "blackListEmail"}},
                       json::object{{"dynamics", "donotbulkemail"}, {"campaign", "denyListEmail"}}};
     },
     "option \"pairs\"/1/campaign: attribute blackListEmail is already paired"},
    {"not_a_column_name",
     [](json::object& c) {
       c["pairs"] =
           json::array{json::object{{"dynamics", "DoNot Email"}, {"campaign", "blackList"}}};
     },
     "\"DoNot Email\" is not a Dataverse column name"},
    {"unknown_column",
     [](json::object& c) {
       c["pairs"] =
           json::array{json::object{{"dynamics", "donotcarrierpigeon"}, {"campaign", "blackList"}}};
     },
     "reading the opt-out columns of contact failed"},
    {"http_url", [](json::object& c) { c["dynamics_url"] = "http://org.crm.dynamics.com"; },
     "option \"dynamics_url\": \"http://org.crm.dynamics.com\" is not an https URL"},
    {"unknown_connection", [](json::object& c) { c["campaign_connection"] = "nope"; },
     "the tenant has no connection \"nope\""},
    {"bad_mode", [](json::object& c) { c["mode"] = "sideways"; },
     "expected one of \"disabled\", \"dynamics_to_campaign\", \"campaign_to_dynamics\", "
     "\"bidirectional\", got \"sideways\""},
};

INSTANTIATE_TEST_SUITE_P(Bad, ConsentOptions, ::testing::ValuesIn(bad_options),
                         [](const auto& test) { return test.param.name; });

TEST(ConsentSetup, NeedsACampaignFilterByExternalId) {
  opt_out_world world(/*without_lookup=*/true);
  world.configure(json::array{template_route("opt-out-dynamics")});
  const auto outcome = world.run("opt-out-dynamics");
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr("Campaign has no filter looking profiles up by externalId"));
}

// --- service failures -------------------------------------------------------------------------

TEST(ConsentFailures, CampaignLookupsFailingForAWhileAreRetried) {
  opt_out_world world;
  world.create(alice, true, false);
  world.box()
      .service("campaign")
      .faults()
      .add({.match = "GET profile", .status = 503, .count = 6, .retry_after = 0});
  world.configure(json::array{template_route("opt-out-dynamics")});
  const auto outcome = world.run("opt-out-dynamics");
  EXPECT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.dead_lettered, 0u);
  EXPECT_TRUE(world.campaign_value(alice));
}

TEST(ConsentFailures, ARefusedDataverseWriteIsDeadLetteredWithTheAnswer) {
  opt_out_world world;
  world.create(alice, false, false);
  world.configure(json::array{template_route("opt-out-campaign")});
  ASSERT_EQ(world.run("opt-out-campaign").status, host::run_status::succeeded);
  world.set_campaign(alice, json::object{{"blackListEmail", true}});
  world.box().service("dataverse").faults().add({.match = "PATCH contacts", .status = 400});
  const auto outcome = world.run("opt-out-campaign");
  EXPECT_EQ(outcome.counts.dead_lettered, 1u) << outcome.message;
  const auto letters = world.dead_letters("opt-out-campaign");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_THAT(letters[0].reason, HasSubstr("Dataverse PATCH /api/data/v9.2/contacts(" + alice));
  EXPECT_THAT(letters[0].reason, HasSubstr("returned 400"));
  EXPECT_FALSE(world.dynamics_value(alice));
}

TEST(ConsentFailures, APairedColumnThatIsNotABooleanIsDeadLettered) {
  opt_out_world world;
  world.create(alice, false, false);
  auto route = template_route("opt-out-dynamics");
  route["source"].as_object()["config"].as_object()["columns"] = json::array{"lastname"};
  sink_config(route)["pairs"] =
      json::array{json::object{{"dynamics", "lastname"}, {"campaign", "blackListFax"}}};
  world.configure(json::array{std::move(route)});
  const auto outcome = world.run("opt-out-dynamics");
  EXPECT_EQ(outcome.counts.dead_lettered, 1u) << outcome.message;
  const auto letters = world.dead_letters("opt-out-dynamics");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_THAT(letters[0].reason,
              HasSubstr("contact " + alice + " column lastname is not a boolean: \"Case\""));
}

TEST(ConsentFailures, AContactWithoutAProfileIsSkippedAndCounted) {
  opt_out_world world;
  world.dataverse().upsert_rows(
      "contact", json::array{json::object{
                     {"contactid", alice}, {"lastname", "Lonely"}, {"donotemail", true}}});
  world.configure(json::array{template_route("opt-out-dynamics")});
  const auto outcome = world.run("opt-out-dynamics");
  EXPECT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.dead_lettered, 0u);
  EXPECT_EQ(world.writes(), 0u);
  EXPECT_THAT(world.host().log_text(), HasSubstr("no Campaign profile has externalId " + alice +
                                                 ": nothing to synchronise"));
}

// --- opt-out.campaign_changes -----------------------------------------------------------------

class CampaignChanges : public ::testing::Test {
 protected:
  void configure(const std::string& start, int page_size = 2) {
    auto route = template_route("opt-out-campaign");
    auto& source = route["source"].as_object()["config"].as_object();
    source["start"] = start;
    source["page_size"] = page_size;
    route["sink"] =
        json::object{{"component", "mock.sink"},
                     {"config", json::object{{"mode", "jsonl"}, {"path", out_.string()}}}};
    world_.configure(json::array{std::move(route)});
  }

  /// The records mock.sink received since the last call, as (key, fields).
  std::vector<std::pair<std::string, json::object>> received() {
    std::vector<std::pair<std::string, json::object>> all;
    if (!fs::exists(out_)) return all;
    std::istringstream text(read_file(out_));
    for (std::string line; std::getline(text, line);) {
      if (line.empty()) continue;
      auto rec = json::parse(line).as_object();
      all.emplace_back(std::string(rec.at("key").as_string()), rec.at("fields").as_object());
    }
    std::vector<std::pair<std::string, json::object>> fresh(all.begin() + seen_, all.end());
    seen_ = all.size();
    return fresh;
  }

  void run_ok() {
    const auto outcome = world_.run("opt-out-campaign");
    ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message << "\n"
                                                           << world_.host().log_text();
  }

  void profile_without_external_id() {
    world_.campaign().control("create_record", "POST",
                              json::object{{"resource", "profile"},
                                           {"fields", json::object{{"email", "walk-in@example.com"},
                                                                   {"blackListEmail", true}}}});
  }

  opt_out_world world_;
  fs::path out_ = world_.host().path("changes.jsonl");
  std::size_t seen_ = 0;
};

TEST_F(CampaignChanges, FromTheOldestReadsEveryProfileOnceOldestFirstOverSeveralPages) {
  const auto t0 = std::chrono::sys_days(std::chrono::year{2026} / 3 / 1) + std::chrono::hours(9);
  const std::vector<std::string> ids{alice, bob, carol, "0a1b2c3d-0000-4000-8000-000000000004",
                                     "0a1b2c3d-0000-4000-8000-000000000005"};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    world_.box().freeze_clock(t0 + std::chrono::seconds(i));
    world_.create(ids[i], false, i == 1);
  }
  profile_without_external_id();
  configure("oldest", 2);
  run_ok();
  const auto first = received();
  ASSERT_EQ(first.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(first[i].first, ids[i]);
    const auto& f = first[i].second;
    EXPECT_EQ(f.at("externalId").as_string(), ids[i]);
    EXPECT_EQ(f.at("PKey").as_string(), world_.pkey(ids[i]));
    EXPECT_EQ(f.at("blackListEmail").as_bool(), i == 1);
    EXPECT_FALSE(f.at("ccpaOptOut").as_bool());
    EXPECT_EQ(f.at("lastModified").as_string(), sbx::jwt::iso_millis(t0 + std::chrono::seconds(i)));
  }
  // Nothing changed: nothing read. Two changes: exactly those, oldest first.
  world_.box().freeze_clock(t0 + std::chrono::minutes(1));
  run_ok();
  EXPECT_TRUE(received().empty());
  world_.box().freeze_clock(t0 + std::chrono::minutes(2));
  world_.set_campaign(ids[3], json::object{{"blackListFax", true}});
  world_.box().freeze_clock(t0 + std::chrono::minutes(3));
  world_.set_campaign(ids[0], json::object{{"blackList", true}});
  run_ok();
  const auto changed = received();
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].first, ids[3]);
  EXPECT_TRUE(changed[0].second.at("blackListFax").as_bool());
  EXPECT_EQ(changed[1].first, ids[0]);
  EXPECT_TRUE(changed[1].second.at("blackList").as_bool());
}

TEST_F(CampaignChanges, ProfilesChangedInTheWatermarksMillisecondAreNeitherRepeatedNorMissed) {
  const auto t = std::chrono::sys_days(std::chrono::year{2026} / 3 / 1) + std::chrono::hours(9);
  world_.box().freeze_clock(t);
  world_.create(alice, false, false);
  world_.create(bob, false, false);
  configure("oldest", 1);
  run_ok();
  EXPECT_EQ(received().size(), 2u);
  world_.create(carol, false, false);  // the same millisecond as the watermark
  run_ok();
  const auto more = received();
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].first, carol);
  run_ok();
  EXPECT_TRUE(received().empty());
}

TEST_F(CampaignChanges, FromTheLatestOnlyLaterChangesArrive) {
  world_.create(alice, true, true);
  world_.create(bob, false, false);
  configure("latest");
  run_ok();
  EXPECT_TRUE(received().empty());
  EXPECT_THAT(world_.host().log_text(), HasSubstr("starting at the latest change"));
  world_.set_campaign(bob, json::object{{"blackListMobile", true}});
  run_ok();
  const auto changed = received();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].first, bob);
  EXPECT_TRUE(changed[0].second.at("blackListMobile").as_bool());
}

TEST_F(CampaignChanges, FromTheLatestOnAnEmptyInstanceTheFirstProfileIsAChange) {
  configure("latest");
  run_ok();
  EXPECT_THAT(world_.host().log_text(),
              HasSubstr("starting at the latest change (no profile yet)"));
  world_.create(alice, false, true);
  run_ok();
  const auto changed = received();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].first, alice);
}

TEST_F(CampaignChanges, ARefusedListingFailsTheRouteNamingTheRequest) {
  world_.create(alice, false, false);
  configure("oldest");
  world_.box().service("campaign").faults().add({.match = "GET profile", .status = 400});
  const auto outcome = world_.run("opt-out-campaign");
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr("listing changed Campaign profiles: GET"));
  EXPECT_THAT(outcome.message, HasSubstr("returned 400"));
}

}  // namespace
}  // namespace switchboard::test
