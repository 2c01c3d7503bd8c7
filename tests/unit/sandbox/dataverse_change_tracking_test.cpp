// Tests of the Dataverse emulator's change tracking: tracked initial sync across pages, delta
// links with upserts and $deletedEntity rows, delta paging, token expiry, and scale.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sandbox/dataverse/change_tracking.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_test_client.hpp"
#include "sandbox/dataverse/odata_query.hpp"

namespace switchboard::sandbox {
namespace dataverse_change_tracking_test {
namespace {

namespace json = boost::json;
using std::chrono::system_clock;

/// One tracked read followed to its end: the rows by id (deleted ids map to null) and the
/// delta link of the last page.
struct sync_result {
  std::map<std::string, json::value> rows;
  std::vector<std::string> deleted;
  std::string delta_link;
  int pages = 0;
  std::vector<std::string> contexts;
};

class DataverseChangeTracking : public ::testing::Test {
 protected:
  dataverse_options options() {
    dataverse_options o;
    o.clock = [this] { return now; };
    return o;
  }

  sync_result follow(std::string target, const std::string& prefer) {
    sync_result result;
    while (!target.empty()) {
      const auto reply = client.get(target, {{"Prefer", prefer}});
      EXPECT_EQ(reply.status, 200) << reply.body;
      if (reply.status != 200) break;
      EXPECT_NE(
          dataverse_test_client::header(reply, "Preference-Applied").find("odata.track-changes"),
          std::string::npos);
      const auto body = dataverse_test_client::json(reply).as_object();
      result.contexts.emplace_back(body.at("@odata.context").as_string());
      ++result.pages;
      for (const auto& item : body.at("value").as_array()) {
        const auto& row = item.as_object();
        if (row.contains("reason")) {
          EXPECT_EQ(row.at("reason").as_string(), "deleted");
          EXPECT_EQ(row.at("@odata.context").as_string(),
                    client.root() + "/$metadata#contacts/$deletedEntity");
          result.deleted.emplace_back(row.at("id").as_string());
          continue;
        }
        result.rows[std::string(row.at("contactid").as_string())] = row;
      }
      target.clear();
      const bool has_next = body.contains("@odata.nextLink");
      const bool has_delta = body.contains("@odata.deltaLink");
      EXPECT_NE(has_next, has_delta) << "exactly one of nextLink and deltaLink";
      if (has_next) target = std::string(body.at("@odata.nextLink").as_string());
      if (has_delta) result.delta_link = std::string(body.at("@odata.deltaLink").as_string());
    }
    return result;
  }

  system_clock::time_point now = system_clock::time_point(std::chrono::hours(24 * 365 * 54));
  token_registry tokens;
  dataverse_emulator emulator{tokens, options()};
  dataverse_test_client client{
      emulator, tokens.issue("app", "https://org.crm.dynamics.test", std::chrono::hours(1))};
};

TEST_F(DataverseChangeTracking, TrackedSyncThenDeltaShowsChangesAndDeletes) {
  emulator.seed_contacts(25, 11);
  const auto initial =
      follow(dataverse_test_client::path(
                 "contacts?$select=fullname,emailaddress1,donotbulkemail,modifiedon"),
             "odata.track-changes,odata.maxpagesize=10");
  EXPECT_EQ(initial.pages, 3);
  EXPECT_EQ(initial.rows.size(), 25u);
  EXPECT_EQ(
      initial.contexts.front(),
      client.root() + "/$metadata#contacts(fullname,emailaddress1,donotbulkemail,modifiedon)");
  ASSERT_EQ(initial.delta_link.rfind(client.root() +
                                         "/contacts?$select=fullname,emailaddress1,donotbulkemail,"
                                         "modifiedon&$deltatoken=",
                                     0),
            0u);
  EXPECT_NE(initial.delta_link.find("%21"), std::string::npos);  // <version>!<date> encoded
  const auto& row = initial.rows.begin()->second.as_object();
  EXPECT_EQ(row.size(), 6u);  // etag, four columns, key
  EXPECT_TRUE(row.contains("@odata.etag"));

  auto ids = emulator.rows("contacts");
  const std::string changed(ids[0].at("contactid").as_string());
  const std::string removed(ids[1].at("contactid").as_string());
  now += std::chrono::minutes(5);
  emulator.upsert_rows("contacts",
                       json::array{json::object{{"contactid", changed}, {"donotbulkemail", true}}});
  emulator.delete_rows("contacts", {removed});
  const auto created = emulator.upsert_rows(
      "contacts", json::array{json::object{{"firstname", "New"}, {"lastname", "Person"}}});
  const auto short_lived = emulator.upsert_rows(
      "contacts", json::array{json::object{{"firstname", "Gone"}, {"lastname", "Soon"}}});
  emulator.delete_rows("contacts", short_lived);

  const auto delta = follow(initial.delta_link, "odata.track-changes");
  EXPECT_EQ(delta.contexts.front(),
            client.root() +
                "/$metadata#contacts(fullname,emailaddress1,donotbulkemail,modifiedon)/$delta");
  EXPECT_EQ(delta.rows.size(), 2u);
  ASSERT_TRUE(delta.rows.count(changed));
  EXPECT_TRUE(delta.rows.at(changed).at("donotbulkemail").as_bool());
  EXPECT_NE(delta.rows.at(changed).at("modifiedon"), initial.rows.at(changed).at("modifiedon"));
  EXPECT_TRUE(delta.rows.count(created[0]));
  EXPECT_EQ(delta.rows.at(created[0]).at("fullname").as_string(), "New Person");
  EXPECT_EQ(std::set<std::string>(delta.deleted.begin(), delta.deleted.end()),
            (std::set<std::string>{removed, short_lived[0]}));
  EXPECT_NE(delta.delta_link, initial.delta_link);

  const auto quiet = follow(delta.delta_link, "odata.track-changes");
  EXPECT_TRUE(quiet.rows.empty());
  EXPECT_TRUE(quiet.deleted.empty());
  EXPECT_FALSE(quiet.delta_link.empty());
}

TEST_F(DataverseChangeTracking, DeltaPagesUpsertsThenDeletes) {
  emulator.seed_contacts(6, 2);
  const auto initial =
      follow(dataverse_test_client::path("contacts?$select=fullname"), "odata.track-changes");
  EXPECT_EQ(initial.pages, 1);
  auto ids = emulator.rows("contacts");
  json::array edits;
  for (std::size_t i = 0; i < 4; ++i) {
    edits.push_back(json::object{{"contactid", ids[i].at("contactid")}, {"jobtitle", "Buyer"}});
  }
  emulator.upsert_rows("contacts", edits);
  emulator.delete_rows("contacts", {std::string(ids[4].at("contactid").as_string()),
                                    std::string(ids[5].at("contactid").as_string())});
  const auto delta = follow(initial.delta_link, "odata.track-changes,odata.maxpagesize=4");
  EXPECT_EQ(delta.pages, 2);
  EXPECT_EQ(delta.rows.size(), 4u);
  EXPECT_EQ(delta.deleted.size(), 2u);
}

TEST_F(DataverseChangeTracking, ChangesDuringInitialSyncArriveInTheDelta) {
  emulator.seed_contacts(10, 5);
  const auto first = client.get(dataverse_test_client::path("contacts?$select=fullname"),
                                {{"Prefer", "odata.track-changes,odata.maxpagesize=5"}});
  const auto body = dataverse_test_client::json(first);
  const std::string next(body.at("@odata.nextLink").as_string());
  const auto late =
      emulator.upsert_rows("contacts", json::array{json::object{{"lastname", "Late"}}});
  auto rest = follow(next, "odata.track-changes,odata.maxpagesize=5");
  const auto delta = follow(rest.delta_link, "odata.track-changes");
  EXPECT_TRUE(delta.rows.count(late[0]));
}

TEST_F(DataverseChangeTracking, ExpiredDeltaTokenAnswersDocumentedError) {
  emulator.seed_contacts(3, 1);
  const auto initial =
      follow(dataverse_test_client::path("contacts?$select=fullname"), "odata.track-changes");
  now += std::chrono::hours(24 * 7 + 1);
  const auto reply = client.get(initial.delta_link, {{"Prefer", "odata.track-changes"}});
  EXPECT_EQ(reply.status, 400);
  const auto error = dataverse_test_client::json(reply).at("error");
  EXPECT_EQ(error.at("code").as_string(), "0x80044352");
  EXPECT_EQ(error.at("message").as_string(),
            "Version stamp associated with the client has expired. Please perform a full sync.");
}

TEST_F(DataverseChangeTracking, ExpireControlAndUnknownTokensFailLikeExpiry) {
  emulator.seed_contacts(3, 1);
  const auto initial = follow(dataverse_test_client::path("contacts"), "odata.track-changes");
  EXPECT_EQ(client.get(initial.delta_link).status, 200);
  const auto control = emulator.control("expire_delta_tokens", "POST", json::object{});
  ASSERT_TRUE(control.has_value());
  EXPECT_EQ(control->status, 200);
  EXPECT_EQ(client.get(initial.delta_link).status, 400);
  for (const auto& token : {"garbage", "99999999%2101%2f01%2f2020%2000%3a00%3a00", "12%21nodate"}) {
    const auto reply =
        client.get(dataverse_test_client::path(std::string("contacts?$deltatoken=") + token));
    EXPECT_EQ(reply.status, 400) << token;
    EXPECT_EQ(dataverse_test_client::json(reply).at("error").at("code").as_string(), "0x80044352");
  }
  const auto fresh = follow(dataverse_test_client::path("contacts"), "odata.track-changes");
  EXPECT_EQ(client.get(fresh.delta_link).status, 200);
}

TEST_F(DataverseChangeTracking, QueryOptionsAreRejectedWithTrackChanges) {
  for (const auto& option : {"$filter", "$orderby", "$top"}) {
    const std::string value = std::string(option) == "$top" ? "5" : "fullname";
    const auto reply =
        client.get(dataverse_test_client::path(
                       std::string("contacts?") + option + "=" +
                       (std::string(option) == "$filter" ? "fullname%20eq%20'a'" : value)),
                   {{"Prefer", "odata.track-changes"}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(dataverse_test_client::json(reply).at("error").at("message").as_string(),
              "The \"" + std::string(option) +
                  "\" query parameter isn't supported when Change Tracking is enabled.");
  }
}

TEST_F(DataverseChangeTracking, TableWithoutChangeTrackingRefusesTrackedReads) {
  table_definition lookup_table;
  lookup_table.logical_name = "new_code";
  lookup_table.change_tracking = false;
  emulator.define_table(lookup_table);
  const auto reply =
      client.get(dataverse_test_client::path("new_codes"), {{"Prefer", "odata.track-changes"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(dataverse_test_client::json(reply).at("error").at("code").as_string(), "0x80072491");
}

TEST_F(DataverseChangeTracking, PendingChangesCount) {
  emulator.seed_contacts(4, 9);
  const auto initial = follow(dataverse_test_client::path("contacts"), "odata.track-changes");
  emulator.upsert_rows("contacts", json::array{json::object{{"lastname", "One"}},
                                               json::object{{"lastname", "Two"}}});
  const auto token = initial.delta_link.substr(initial.delta_link.find("$deltatoken="));
  const auto count = client.get(dataverse_test_client::path("contacts/$count?" + token));
  EXPECT_EQ(count.status, 200);
  EXPECT_EQ(count.body, "2");
}

TEST(DataverseChangeTrackingQuirks, AnnotationsCanDropTheDeltaLinkLikeIssue439) {
  dataverse_options options;
  options.drop_delta_link_with_annotations = true;
  token_registry tokens;
  dataverse_emulator emulator(tokens, options);
  dataverse_test_client client(emulator, tokens.issue("app", "aud", std::chrono::hours(1)));
  emulator.seed_contacts(3, 1);
  const auto annotated =
      client.get(dataverse_test_client::path("contacts?$select=fullname"),
                 {{"Prefer", "odata.track-changes,odata.include-annotations=\"*\""}});
  EXPECT_FALSE(dataverse_test_client::json(annotated).as_object().contains("@odata.deltaLink"));
  const auto plain = client.get(dataverse_test_client::path("contacts?$select=fullname"),
                                {{"Prefer", "odata.track-changes"}});
  EXPECT_TRUE(dataverse_test_client::json(plain).as_object().contains("@odata.deltaLink"));
}

TEST(DataverseDeltaToken, RoundTripsTheDocumentedShape) {
  const auto issued = system_clock::time_point(std::chrono::seconds(1503389444));  // 2017-08-22
  const auto text = dataverse::delta_token_text(919042, issued);
  EXPECT_EQ(text, "919042!08/22/2017 08:10:44");
  EXPECT_EQ(dataverse::encode_component(text, "", true), "919042%2108%2f22%2f2017%2008%3a10%3a44");
  const auto parsed = dataverse::parse_delta_token(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->version, 919042u);
  EXPECT_EQ(parsed->issued, 1503389444);
  EXPECT_FALSE(dataverse::parse_delta_token("919042!13/45/2017 08:10:44").has_value());
}

TEST(DataverseScale, HundredThousandRowTrackedSyncServesPagesQuickly) {
  token_registry tokens;
  dataverse_emulator emulator(tokens);
  dataverse_test_client client(emulator, tokens.issue("app", "aud", std::chrono::hours(1)));
  emulator.seed_contacts(100000, 42);
  std::string target =
      dataverse_test_client::path("contacts?$select=fullname,emailaddress1,modifiedon");
  std::size_t rows = 0;
  int pages = 0;
  auto slowest = std::chrono::steady_clock::duration::zero();
  std::string delta_link;
  while (!target.empty()) {
    const auto started = std::chrono::steady_clock::now();
    const auto reply =
        client.get(target, {{"Prefer", "odata.track-changes,odata.maxpagesize=5000"}});
    slowest = std::max(slowest, std::chrono::steady_clock::now() - started);
    ASSERT_EQ(reply.status, 200);
    const auto body = dataverse_test_client::json(reply).as_object();
    rows += body.at("value").as_array().size();
    ++pages;
    target.clear();
    if (const auto* next = body.if_contains("@odata.nextLink"))
      target = std::string(next->as_string());
    if (const auto* delta = body.if_contains("@odata.deltaLink"))
      delta_link = std::string(delta->as_string());
  }
  EXPECT_EQ(rows, 100000u);
  EXPECT_EQ(pages, 20);
  EXPECT_FALSE(delta_link.empty());
  // Generous bound (sanitizer and debug builds); a page costs a few ms in release builds.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count(), 1500);
  const auto started = std::chrono::steady_clock::now();
  const auto delta = client.get(delta_link, {{"Prefer", "odata.track-changes"}});
  EXPECT_EQ(delta.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace dataverse_change_tracking_test
}  // namespace switchboard::sandbox
