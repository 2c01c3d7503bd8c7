// dynamics365.activities against the sandbox's Dataverse emulator over HTTPS, through the
// in-process host: mock.source replays Campaign email events from a JSONL file.
#include "../../../plugins/dynamics365/batch_request.cpp"

#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/sandbox.hpp"
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace switchboard::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

TEST(ActivityBatch, BuildsChangeSetsAndReadsTheAnswer) {
  const auto body = dynamics365::build_batch_body(
      "batch_1", {{{"1", "PATCH", "/api/data/v9.2/new_emailsends(new_eventid='e1')", "{}"},
                   {"2", "POST", "/api/data/v9.2/new_emailsends", "{\"a\":1}"}}});
  EXPECT_THAT(body, HasSubstr("--batch_1\r\nContent-Type: multipart/mixed; boundary="));
  EXPECT_THAT(body, HasSubstr("Content-ID: 2\r\n\r\nPOST /api/data/v9.2/new_emailsends HTTP/1.1"));
  EXPECT_TRUE(body.ends_with("--batch_1--\r\n"));

  const std::string answer =
      "--batchresponse_x\r\nContent-Type: multipart/mixed; boundary=changesetresponse_y\r\n\r\n"
      "--changesetresponse_y\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n"
      "HTTP/1.1 204 No Content\r\nOData-EntityId: https://h/api/data/v9.2/s(1)\r\n\r\n\r\n"
      "--changesetresponse_y--\r\n"
      "--batchresponse_x\r\nContent-Type: application/http\r\nContent-ID: 7\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"error\":{}}\r\n"
      "--batchresponse_x--\r\n";
  std::string error;
  const auto parts =
      dynamics365::parse_batch_response("multipart/mixed; boundary=batchresponse_x", answer, error);
  ASSERT_TRUE(parts.has_value()) << error;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_TRUE((*parts)[0].change_set);
  EXPECT_EQ((*parts)[0].responses.at(0).status, 204);
  EXPECT_EQ(*(*parts)[0].responses.at(0).header("odata-entityid"), "https://h/api/data/v9.2/s(1)");
  EXPECT_FALSE((*parts)[1].change_set);
  EXPECT_EQ((*parts)[1].responses.at(0).content_id, "7");
  EXPECT_EQ((*parts)[1].responses.at(0).body, "{\"error\":{}}");

  EXPECT_FALSE(dynamics365::parse_batch_response("application/json", "{}", error).has_value());
  EXPECT_THAT(error, HasSubstr("not multipart/mixed"));
  EXPECT_FALSE(dynamics365::parse_batch_response("multipart/mixed; boundary=b", "--b\r\nX", error)
                   .has_value());
}

/// One Campaign email event as campaign.events hands it out.
json::object event(const std::string& id, std::string_view type, const std::string& contact) {
  json::object fields{{"type", type},
                      {"externalId", contact},
                      {"campaignId", "CMP1"},
                      {"campaignName", "Spring"},
                      {"deliveryId", "DLV2"},
                      {"deliveryName", "Spring mail"},
                      {"eventTime", "2026-03-01T10:00:00Z"},
                      {"mirrorPageUrl", "https://m.example.com/" + id}};
  if (type == "click") fields["url"] = "https://shop.example.com/";
  if (type == "bounce") fields["bounceReason"] = "mailbox full";
  return json::object{{"key", id}, {"op", "upsert"}, {"fields", std::move(fields)}};
}

std::string text(const json::object& row, std::string_view name) {
  const auto* v = row.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

class Activities : public ::testing::Test {
 protected:
  Activities() : dataverse_(sandbox_.emulator_as<sandbox::dataverse_emulator>("dataverse")) {
    for (const char* table :
         {"new_emailsend", "new_emailopen", "new_emailclick", "new_emailbounce"}) {
      dataverse_.define_table(sandbox::dataverse::table_definition_from_json(json::object{
          {"logical_name", table},
          {"is_activity", true},
          {"columns",
           json::array{
               json::object{{"name", "new_campaignname"}, {"type", "String"}},
               json::object{{"name", "new_deliveryname"}, {"type", "String"}},
               json::object{{"name", "new_eventdate"}, {"type", "DateTime"}},
               json::object{
                   {"name", "new_mirrorpageurl"}, {"type", "String"}, {"max_length", 1000}},
               json::object{{"name", "new_trackingurl"}, {"type", "String"}, {"max_length", 1000}},
               json::object{{"name", "new_bouncereason"}, {"type", "String"}},
               json::object{{"name", "new_eventid"}, {"type", "String"}}}},
          {"keys", json::array{json::object{{"name", "new_eventid_key"},
                                            {"columns", json::array{"new_eventid"}}}}}}));
    }
    dataverse_.seed_contacts(20, 7);
    for (const auto& row : dataverse_.rows("contact")) {
      contacts_.push_back(std::string(row.as_object().at("contactid").as_string()));
    }
    write_file(input(), "");
  }

  void TearDown() override {
    if (!HasFailure()) return;
    const auto log = host_.log_text();
    std::cerr << "host log (end):\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0);
  }

  std::filesystem::path input() const { return host_.path("events.jsonl"); }

  void append(const std::vector<json::object>& rows) {
    std::string all = read_file(input());
    for (const auto& r : rows) all += json::serialize(r) + "\n";
    write_file(input(), all);
  }

  void configure(const std::string& sink_config = "{}", std::size_t batch_size = 1000,
                 int max_attempts = 3) {
    const auto& c = sandbox_.credentials();
    const auto tenant = fmt::format(
        R"({{"id": "acme", "plugins": ["dynamics365", "mock"],
  "connections": {{"d365": {{"plugin": "dynamics365",
    "options": {{"url": "{0}", "connection": "d365"}},
    "auth": {{"type": "entra_secret", "authority": "{1}", "tenant": "{2}", "client_id": "{3}",
             "client_secret": "{4}", "resource": "{0}"}}}}}},
  "routes": [{{"id": "events", "batch_size": {5},
    "source": {{"component": "mock.source", "config": {{"jsonl": "{6}"}}}},
    "sink": {{"component": "dynamics365.activities", "connection": "d365", "config": {7}}},
    "error_policy": {{"max_attempts": {8}, "initial_backoff": "10ms", "max_backoff": "20ms"}}}}]}})",
        sandbox_.url("dataverse"), sandbox_.url("entra"), c.entra_tenant, c.entra_client_id,
        c.entra_client_secret, batch_size, input().string(), sink_config, max_attempts);
    host_.configure_tenant(
        tenant, fmt::format(R"("http": {{"ca_file": "{}"}})", sandbox_.ca_file().string()));
  }

  host::route_outcome run() {
    auto outcomes = host_.run_once();
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.empty() ? host::route_outcome{} : outcomes.front();
  }

  std::string failure(const std::string& sink_config) {
    try {
      configure(sink_config);
      const auto outcome = run();
      EXPECT_EQ(outcome.status, host::run_status::failed);
      return outcome.message;
    } catch (const std::exception& e) {
      return e.what();
    }
  }

  std::vector<std::string> dead_letter_reasons() {
    std::vector<std::string> out;
    for (const auto& d : host_.state().dead_letters(route_, 100)) out.push_back(d.reason);
    return out;
  }

  /// Rows of an activity table by event id.
  std::map<std::string, json::object> activities(const std::string& table) {
    std::map<std::string, json::object> out;
    for (const auto& r : dataverse_.rows(table)) {
      out.emplace(text(r.as_object(), "new_eventid"), r.as_object());
    }
    return out;
  }

  std::size_t activity_count() {
    std::size_t n = 0;
    for (const char* t : {"new_emailsend", "new_emailopen", "new_emailclick", "new_emailbounce"}) {
      n += dataverse_.rows(t).size();
    }
    return n;
  }

  sandbox::fault_injector& faults() { return sandbox_.service("dataverse").faults(); }

  sandbox::sandbox sandbox_;
  sandbox::dataverse_emulator& dataverse_;
  test_host host_;
  host::route_key route_{"acme", "events"};
  std::vector<std::string> contacts_;
};

TEST_F(Activities, ConfigErrorsNameTheOption) {
  EXPECT_THAT(failure(R"({"batch_size": 0})"), HasSubstr("batch_size"));
  EXPECT_THAT(failure(R"({"open_table": "New-Open"})"),
              HasSubstr(R"(option "open_table" must be a logical name)"));
  EXPECT_THAT(failure(R"({"url_column": ""})"), HasSubstr(R"(option "url_column")"));
  EXPECT_THAT(failure(R"({"contact_wait_ms": -1})"), HasSubstr("contact_wait_ms"));
  EXPECT_THAT(failure(R"({"nope": 1})"), HasSubstr("nope"));
}

TEST_F(Activities, EveryEventTypeLandsAsOneActivityOnTheContact) {
  append({event("e-send", "send", contacts_[0]), event("e-open", "open", contacts_[1]),
          event("e-click", "click", contacts_[2]), event("e-bounce", "bounce", contacts_[3])});
  configure(R"({"bounce_reason_column": "new_bouncereason"})");
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.written, 4u);
  EXPECT_EQ(outcome.counts.dead_lettered, 0u);

  const auto send = activities("new_emailsend").at("e-send");
  EXPECT_EQ(text(send, "subject"), "Email Send: CMP1/DLV2");
  EXPECT_EQ(text(send, "_regardingobjectid_value"), contacts_[0]);
  EXPECT_EQ(text(send, "new_campaignname"), "CMP1");
  EXPECT_EQ(text(send, "new_deliveryname"), "DLV2");
  EXPECT_THAT(text(send, "new_eventdate"), HasSubstr("2026-03-01T10:00:00"));
  EXPECT_EQ(text(send, "new_mirrorpageurl"), "https://m.example.com/e-send");
  EXPECT_EQ(text(send, "new_trackingurl"), "");
  const auto open = activities("new_emailopen").at("e-open");
  EXPECT_EQ(text(open, "subject"), "Email Open: CMP1/DLV2");
  EXPECT_EQ(text(open, "_regardingobjectid_value"), contacts_[1]);
  const auto click = activities("new_emailclick").at("e-click");
  EXPECT_EQ(text(click, "subject"), "Email URL Click: CMP1/DLV2");
  EXPECT_EQ(text(click, "new_trackingurl"), "https://shop.example.com/");
  const auto bounce = activities("new_emailbounce").at("e-bounce");
  EXPECT_EQ(text(bounce, "subject"), "Email Bounce: CMP1/DLV2");
  EXPECT_EQ(text(bounce, "new_bouncereason"), "mailbox full");
  EXPECT_EQ(text(bounce, "_regardingobjectid_value"), contacts_[3]);
  EXPECT_EQ(activity_count(), 4u);

  const auto id = host_.state().find_id(route_, "e-click");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->target_key, text(click, "activityid"));
}

TEST_F(Activities, ARedeliveredEventGivesOneActivity) {
  // Twice in one write call: two upserts of one alternate key.
  append({event("e1", "open", contacts_[0]), event("e1", "open", contacts_[0])});
  configure();
  auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(activity_count(), 1u);

  // Again in a later call: the id map knows it, nothing is sent.
  faults().reset_counts();
  append({event("e1", "open", contacts_[0])});
  outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.written, 1u);
  EXPECT_EQ(faults().count("POST $batch"), 0u);
  EXPECT_EQ(activity_count(), 1u);

  // And one call per record (the id map is committed in between, the key decides anyway).
  append({event("e2", "click", contacts_[1]), event("e2", "click", contacts_[1])});
  configure("{}", 1);
  outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(activity_count(), 2u);
}

TEST_F(Activities, AnEventItsSourceCouldNotReadIsDeadLetteredWithTheReason) {
  append({event("e1", "open", contacts_[0]),
          json::object{{"key", "journal position 7"},
                       {"op", "upsert"},
                       {"fields", json::object{{"malformed",
                                                "campaign.events: journal position 7: the "
                                                "event has no id (/id)"},
                                               {"entry", "{}"}}}}});
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.dead_lettered, 1u);
  EXPECT_EQ(activity_count(), 1u);
  EXPECT_THAT(dead_letter_reasons().back(),
              HasSubstr("campaign.events: journal position 7: the event has no id"));
}

TEST_F(Activities, AThousandEventsTakeOneBatchRequest) {
  std::vector<json::object> events;
  for (int i = 0; i < 1000; ++i) {
    events.push_back(event(fmt::format("ev-{}", i), i % 2 ? "open" : "send",
                           contacts_[static_cast<std::size_t>(i) % contacts_.size()]));
  }
  append(events);
  configure();
  faults().reset_counts();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.written, 1000u);
  EXPECT_EQ(activity_count(), 1000u);
  EXPECT_LE(faults().count("POST $batch"), 2u);
  // Besides the one start-up read of the four tables' metadata, every request is a $batch.
  const auto total = faults().counts().at("total").to_number<std::uint64_t>();
  EXPECT_EQ(faults().count("GET EntityDefinitions"), 1u) << json::serialize(faults().counts());
  EXPECT_EQ(total, faults().count("POST $batch") + 1) << json::serialize(faults().counts());
}

TEST_F(Activities, StartUpChecksNameAMissingTableColumnOrKey) {
  configure(R"({"open_table": "new_emailopened"})");
  auto outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr("dynamics365.activities: open table new_emailopened: "
                                         "Dataverse has no such table"));
  configure(R"({"url_column": "new_clickedurl"})");
  outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr("dynamics365.activities: click table new_emailclick: no column "
                        "new_clickedurl"));
  configure(R"({"event_id_column": "subject"})");
  outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr("send table new_emailsend: no alternate key on subject alone"));
}

TEST_F(Activities, AMissingContactWaitsThenFailsForGood) {
  const std::string ghost = "00000000-0000-4000-8000-00000000dead";
  append({event("a", "send", contacts_[0]), event("b", "send", ghost),
          event("c", "open", contacts_[1])});
  configure(R"({"contact_wait_ms": 0})", 1000, 3);
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(outcome.counts.written, 2u);
  EXPECT_EQ(outcome.counts.dead_lettered, 1u);
  EXPECT_EQ(outcome.counts.retries, 1u) << "retryable once, then permanent";
  EXPECT_THAT(dead_letter_reasons(),
              ::testing::ElementsAre("contact " + ghost + " not found in Dataverse after 0ms"));
  EXPECT_EQ(activity_count(), 2u);
}

TEST_F(Activities, AMissingContactIsRetryableWithinTheWait) {
  const std::string ghost = "00000000-0000-4000-8000-00000000beef";
  append({event("b", "bounce", ghost), event("c", "open", contacts_[1])});
  configure("{}", 1000, 2);
  const auto outcome = run();
  EXPECT_EQ(outcome.counts.written, 1u);
  EXPECT_EQ(outcome.counts.retries, 1u);
  ASSERT_EQ(dead_letter_reasons().size(), 1u) << "the host's retry budget ran out first";
  EXPECT_THAT(dead_letter_reasons().front(),
              HasSubstr("contact " + ghost + " not found in Dataverse (yet)"));
  EXPECT_THAT(dead_letter_reasons().front(), HasSubstr("up to 10m"));
}

TEST_F(Activities, ServerFaultsAreRetryable) {
  for (const int status : {429, 503}) {
    faults().clear();
    faults().add(sandbox::fault_rule::from_json(json::parse(
        fmt::format(R"({{"match": "POST $batch", "status": {}, "retry_after": 0}})", status))));
    append({event(fmt::format("f{}", status), "send", contacts_[0])});
    configure("{}", 1000, 2);
    const auto outcome = run();
    EXPECT_EQ(outcome.counts.retries, 1u) << status;
    const auto reasons = dead_letter_reasons();
    ASSERT_FALSE(reasons.empty());
    EXPECT_THAT(reasons.back(), HasSubstr(fmt::format("$batch returned {}", status)));
  }
  faults().clear();
  faults().add(sandbox::fault_rule::from_json(
      json::parse(R"({"match": "POST $batch", "malformed": true})")));
  append({event("m1", "send", contacts_[0])});
  configure("{}", 1000, 2);
  run();
  EXPECT_THAT(dead_letter_reasons().back(), HasSubstr("malformed answer from Dataverse POST"));
  // The damaged answer hid a write that happened; a redelivery upserts the same row.
  EXPECT_EQ(activity_count(), 1u);
}

}  // namespace
}  // namespace switchboard::test
