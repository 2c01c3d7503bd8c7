// dynamics365.table initial loads against the sandbox: every row once with its fields, the
// published schema, progress, the cursor, resuming an interrupted load, the row count.
#include "table_fixture.hpp"

#include <gmock/gmock.h>

namespace switchboard::test::d365 {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class InitialLoad : public TableFixture {};

TEST_F(InitialLoad, EveryContactArrivesOnceWithItsFieldsInactiveOnesIncluded) {
  dataverse().seed_contacts(10000, 7);
  configure(route_options().source(R"({"table": "contact",
      "columns": ["firstname", "lastname", "emailaddress1", "statecode", "parentcustomerid"]})"));
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;

  const auto lines = sink_lines();
  ASSERT_EQ(lines.size(), 10000u);
  const auto rows = table_rows("contacts", "contactid");
  EXPECT_EQ(keys_of(lines).size(), 10000u);
  std::size_t inactive = 0;
  for (const auto& line : lines) {
    ASSERT_EQ(line.op, "upsert");
    const auto it = rows.find(line.key);
    ASSERT_NE(it, rows.end()) << line.key;
    const auto& row = it->second;
    for (const auto* column : {"contactid", "firstname", "lastname", "emailaddress1", "statecode",
                               "_parentcustomerid_value", "modifiedon"}) {
      ASSERT_TRUE(line.fields.contains(column)) << column;
      EXPECT_EQ(line.fields.at(column), row.at(column)) << column;
    }
    EXPECT_FALSE(line.fields.contains("@odata.etag"));
    EXPECT_FALSE(line.fields.contains("telephone1")) << "only the selected columns are read";
    EXPECT_FALSE(line.fields.contains("statecode@OData.Community.Display.V1.FormattedValue"));
    if (line.fields.at("statecode").as_int64() == 1) ++inactive;
  }
  EXPECT_GT(inactive, 100u);

  // Pages of the route's batch size (1000), then the cursor is the delta link.
  EXPECT_EQ(requests("GET contacts"), 10u);
  const auto c = cursor();
  EXPECT_EQ(c.at("phase").as_string(), "delta");
  EXPECT_THAT(std::string(c.at("next").as_string()), HasSubstr("$deltatoken="));
  EXPECT_EQ(c.at("table").as_string(), "contact");
  EXPECT_EQ(c.at("select").as_string(),
            "firstname,lastname,emailaddress1,statecode,_parentcustomerid_value,contactid,"
            "modifiedon");
  EXPECT_EQ(c.at("page_size").as_int64(), 1000);

  const auto log = host_.log_text();
  EXPECT_THAT(log, HasSubstr("initial load of contact: starting, 10000 rows counted"));
  EXPECT_THAT(log, HasSubstr("initial load of contact: 5000/10000 rows"));
  EXPECT_THAT(log, HasSubstr("initial load of contact: 10000/10000 rows, done"));
  EXPECT_DOUBLE_EQ(
      host_.metrics().value("dynamics365_rows_total", {"acme", route_id, "dynamics365.table"}),
      10000);
}

TEST_F(InitialLoad, PublishesTheTableSchemaForTheSink) {
  dataverse().seed_contacts(10, 1);
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto text = host_.state().kv_get({"acme", route_id}, mapping::source_schema_state_key);
  ASSERT_TRUE(text.has_value());
  const auto schema = mapping::source_schema::from_json(json::parse(*text).as_object());
  EXPECT_EQ(schema.table, "contact");
  EXPECT_EQ(schema.primary_key, "contactid");
  EXPECT_EQ(schema.columns.at("firstname"), mapping::source_type::string);
  EXPECT_EQ(schema.columns.at("_parentcustomerid_value"), mapping::source_type::lookup);
  EXPECT_EQ(schema.columns.at("birthdate"), mapping::source_type::date_only);
  EXPECT_EQ(schema.columns.at("modifiedon"), mapping::source_type::date_time);
  EXPECT_EQ(schema.columns.at("gendercode"), mapping::source_type::picklist);
  EXPECT_EQ(schema.columns.at("statecode"), mapping::source_type::picklist);
  EXPECT_EQ(schema.columns.at("donotemail"), mapping::source_type::boolean);
  EXPECT_EQ(schema.columns.at("creditlimit"), mapping::source_type::decimal);
  EXPECT_FALSE(schema.columns.contains("parentcustomerid"));
}

TEST_F(InitialLoad, ReadsTheMappedColumnsOfTheMappingsTable) {
  dataverse().seed_contacts(200, 3);
  configure(route_options()
                .source(R"({"columns": ["telephone1"]})")
                .mapping(R"({"name": "contacts", "source": {"table": "contact", "key": "contactid"},
               "target": {"resource": "profile", "key": "externalId"},
               "fields": [{"source": "emailaddress1", "target": "email"},
                          {"source": "_parentcustomerid_value", "target": "company"}],
               "filters": {"rules": [{"field": "statecode", "op": "eq", "value": 0}]}})"));
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto lines = sink_lines();
  ASSERT_EQ(lines.size(), 200u);
  EXPECT_EQ(cursor().at("select").as_string(),
            "contactid,emailaddress1,_parentcustomerid_value,statecode,telephone1,modifiedon");
  EXPECT_TRUE(lines.front().fields.contains("statecode")) << "filter fields are read too";
}

TEST_F(InitialLoad, AnInterruptedLoadResumesAtItsPageWithoutMissingRows) {
  dataverse().seed_contacts(10000, 11);
  // The 4th page fails permanently: the route stops after three pages.
  sandbox::fault_rule rule;
  rule.match = "GET contacts";
  rule.status = 403;
  rule.rate = 0.25;
  rule.count = 1;
  faults().add(rule);
  configure();
  const auto failed = run();
  ASSERT_EQ(failed.status, host::run_status::failed);
  EXPECT_THAT(failed.message, HasSubstr("returned 403"));
  EXPECT_THAT(failed.message, HasSubstr("/api/data/v9.2/contacts"));
  const auto first = sink_lines();
  EXPECT_EQ(first.size(), 3000u);
  const auto c = cursor();
  EXPECT_EQ(c.at("phase").as_string(), "initial");
  EXPECT_EQ(c.at("done").as_int64(), 3000);
  EXPECT_EQ(c.at("total").as_int64(), 10000);
  EXPECT_THAT(std::string(c.at("next").as_string()), HasSubstr("$skiptoken="));

  faults().clear();
  faults().reset_counts();
  configure();
  const auto resumed = run();
  ASSERT_EQ(resumed.status, host::run_status::succeeded) << resumed.message;
  EXPECT_EQ(requests("GET contacts"), 7u) << "pages 4 to 10 only";
  const auto all = sink_lines();
  EXPECT_EQ(all.size(), 10000u) << "no row twice, none missing";
  EXPECT_EQ(keys_of(all), contact_ids());
  EXPECT_THAT(host_.log_text(), HasSubstr("initial load of contact: 10000/10000 rows, done"));
}

TEST_F(InitialLoad, ResumesInsideAPageAfterTheLastKeyHandedOut) {
  dataverse().seed_contacts(3000, 5);
  sandbox::fault_rule rule;
  rule.match = "GET contacts";
  rule.status = 403;
  rule.rate = 0.5;
  rule.count = 1;
  faults().add(rule);
  configure();
  ASSERT_EQ(run().status, host::run_status::failed);  // page 2 failed: cursor at page 2
  ASSERT_EQ(sink_lines().size(), 1000u);
  faults().clear();

  // As if the host had committed 250 rows of page 2 (it asked for fewer than a page).
  const auto id_set = contact_ids();
  const std::vector<std::string> ids(id_set.begin(), id_set.end());
  auto c = cursor();
  c["skip"] = 250;
  c["after"] = ids[1249];
  host_.state().commit({"acme", route_id}, json::serialize(c), {});
  configure(route_options().batch(300));
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  const auto resumed = sink_lines_since(1000);
  ASSERT_EQ(resumed.size(), 1750u);
  EXPECT_EQ(resumed.front().key, ids[1250]);
  EXPECT_EQ(resumed.back().key, ids.back());
}

TEST_F(InitialLoad, APageThatChangedUnderTheCursorIsDeliveredAgainFromItsStart) {
  dataverse().seed_contacts(3000, 5);
  sandbox::fault_rule rule;
  rule.match = "GET contacts";
  rule.status = 403;
  rule.rate = 0.5;
  rule.count = 1;
  faults().add(rule);
  configure();
  ASSERT_EQ(run().status, host::run_status::failed);
  faults().clear();
  const auto id_set = contact_ids();
  const std::vector<std::string> ids(id_set.begin(), id_set.end());
  auto c = cursor();
  c["skip"] = 250;
  c["after"] = "00000000-0000-0000-0000-000000000000";  // gone: not on the page any more
  host_.state().commit({"acme", route_id}, json::serialize(c), {});
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  const auto resumed = sink_lines_since(1000);
  ASSERT_EQ(resumed.size(), 2000u);
  EXPECT_EQ(resumed.front().key, ids[1000]);
}

TEST_F(InitialLoad, TotalRecordsCountsTheTableForTheReplayGuard) {
  dataverse().seed_contacts(1234, 2);
  configure();
  const auto outcome = host_.engine().request_replay({"acme", route_id}, false);
  ASSERT_TRUE(outcome.source_records.has_value());
  EXPECT_EQ(*outcome.source_records, 1234u);
  EXPECT_GE(requests("GET RetrieveTotalRecordCount"), 1u);
}

TEST_F(InitialLoad, TheEmulatorCountsRowsAsRetrieveTotalRecordCountIsDocumented) {
  dataverse().seed_contacts(42, 2);
  const auto root = dataverse_url() + "/api/data/v9.2/";
  const auto answer =
      raw_get(root + "RetrieveTotalRecordCount(EntityNames=%5B'contact','account'%5D)");
  ASSERT_EQ(answer.status_code, 200) << answer.body;
  const auto body = json::parse(answer.body).as_object();
  EXPECT_THAT(std::string(body.at("@odata.context").as_string()),
              HasSubstr("$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse"));
  EXPECT_EQ(body.at("EntityRecordCountCollection"),
            json::parse(R"({"Count":2,"IsReadOnly":false,"Keys":["contact","account"],
                            "Values":[42,0]})"));
  const auto alias =
      raw_get(root + "RetrieveTotalRecordCount(EntityNames=@p1)?@p1=%5B%22contact%22%5D");
  ASSERT_EQ(alias.status_code, 200) << alias.body;
  EXPECT_EQ(json::parse(alias.body).at("EntityRecordCountCollection").at("Values"),
            json::parse("[42]"));
  EXPECT_EQ(raw_get(root + "RetrieveTotalRecordCount(EntityNames=%5B'nope'%5D)").status_code, 404);
  EXPECT_EQ(raw_get(root + "RetrieveTotalRecordCount()").status_code, 400);
}

TEST_F(InitialLoad, AnEmptyTableIsCaughtUpAtOnce) {
  configure(route_options().source(R"({"table": "account"})"));
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_TRUE(sink_lines().empty());
  EXPECT_EQ(cursor().at("phase").as_string(), "delta");
  EXPECT_THAT(host_.log_text(), HasSubstr("initial load of account: 0/0 rows, done"));
}

TEST_F(InitialLoad, ABareDeltaLinkIsAcceptedAsACursor) {
  dataverse().seed_contacts(50, 4);
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const std::string link(cursor().at("next").as_string());
  host_.state().commit({"acme", route_id}, link, {});
  dataverse().upsert_rows("contacts",
                          json::array{json::object{{"firstname", "Bare"}, {"lastname", "Link"}}});
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto delta = sink_lines_since(50);
  ASSERT_EQ(delta.size(), 1u);
  EXPECT_EQ(delta.front().fields.at("lastname"), "Link");
  EXPECT_EQ(cursor().at("phase").as_string(), "delta");
}

TEST_F(InitialLoad, AnUnreadableCursorFailsTheRouteNamingIt) {
  configure();
  host_.state().commit({"acme", route_id}, "garbage-cursor", {});
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr("cursor of table contact cannot be read"));
  EXPECT_THAT(outcome.message, HasSubstr("garbage-cursor"));
  EXPECT_THAT(outcome.message, Not(HasSubstr(sandbox_->credentials().entra_client_secret)));
}

}  // namespace
}  // namespace switchboard::test::d365
