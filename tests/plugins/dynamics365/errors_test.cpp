// dynamics365.table when things go wrong: bad configuration and mappings, tables without change
// tracking, storms of 5xx/429/resets, malformed and truncated answers, permanent refusals.
#include "table_fixture.hpp"

#include <gmock/gmock.h>

namespace switchboard::test::d365 {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class Errors : public TableFixture {
 protected:
  /// The message of a configuration the host refuses, or of a route that fails.
  std::string failure(const route_options& o) {
    try {
      configure(o);
      const auto outcome = run();
      EXPECT_EQ(outcome.status, host::run_status::failed);
      return outcome.message;
    } catch (const std::exception& e) {
      return e.what();  // the host refused the configuration
    }
  }

  std::string contacts_mapping(const std::string& fields) const {
    return fmt::format(R"({{"name": "contacts", "source": {{"table": "contact"}},
        "target": {{"resource": "profile", "key": "externalId"}}, "fields": {}}})",
                       fields);
  }
};

TEST_F(Errors, AMappedColumnTheTableLacksIsNamedWithItsMapping) {
  dataverse().seed_contacts(10, 1);
  const auto message = failure(route_options().source("{}").mapping(
      contacts_mapping(R"([{"source": "firstnam", "target": "firstName"}])")));
  EXPECT_THAT(
      message,
      HasSubstr(R"(mapping "contacts": column "firstnam" is not in Dataverse table contact)"));
  EXPECT_THAT(message, HasSubstr("creating dynamics365.table"));
  EXPECT_EQ(requests("GET contacts"), 0u) << "no row is read";
}

TEST_F(Errors, ALookupNamedByItsLogicalNameGetsAHint) {
  const auto message = failure(route_options().source("{}").mapping(
      contacts_mapping(R"([{"source": "parentcustomerid", "target": "company"}])")));
  EXPECT_THAT(message, HasSubstr(R"(column "parentcustomerid" of Dataverse table contact is a )"
                                 R"(lookup: name it "_parentcustomerid_value")"));
}

TEST_F(Errors, AnExtraColumnTheTableLacksIsNamed) {
  const auto message =
      failure(route_options().source(R"({"table": "contact", "columns": ["nope"]})"));
  EXPECT_THAT(message,
              HasSubstr(R"(option "columns": column "nope" is not in Dataverse table contact)"));
}

TEST_F(Errors, AnUnknownTableIsNamed) {
  const auto message = failure(route_options().source(R"({"table": "new_nothing"})"));
  EXPECT_THAT(message, HasSubstr("table new_nothing is not in the Dataverse environment"));
}

TEST_F(Errors, ATableWithoutChangeTrackingIsRefusedByName) {
  dataverse().define_table(sandbox::dataverse::table_definition_from_json(json::object{
      {"logical_name", "new_untracked"},
      {"change_tracking", false},
      {"columns", json::array{json::object{{"name", "new_name"}, {"type", "String"}}}}}));
  const auto message = failure(route_options().source(R"({"table": "new_untracked"})"));
  EXPECT_THAT(message, HasSubstr("change tracking is off for Dataverse table new_untracked"));
}

TEST_F(Errors, TheTableOptionAndTheMappingMustAgree) {
  const auto message = failure(
      route_options()
          .source(R"({"table": "account"})")
          .mapping(contacts_mapping(R"([{"source": "firstname", "target": "firstName"}])")));
  EXPECT_THAT(message, HasSubstr(R"(option "table" is "account" but mapping "contacts" reads )"
                                 R"(table "contact")"));
}

TEST_F(Errors, OptionsAreCheckedBeforeAnythingRuns) {
  EXPECT_THAT(failure(route_options().source(R"({"table": "contact", "page_size": 6000})")),
              HasSubstr("page_size"));
  EXPECT_THAT(failure(route_options().source(R"({"table": "contact", "picklists": "both"})")),
              HasSubstr("picklists"));
  EXPECT_THAT(failure(route_options().source(R"({"table": "contact", "colour": 1})")),
              HasSubstr("colour"));
  EXPECT_THAT(failure(route_options().source(R"({"table": "Contact Table"})")),
              HasSubstr("is not a table logical name"));
  EXPECT_THAT(failure(route_options().source(R"({})")), HasSubstr("no table to read"));
  EXPECT_THAT(failure(route_options().source(
                  R"({"table": "contact", "url": "http://org.crm.dynamics.com"})")),
              HasSubstr("must be an https URL"));
  EXPECT_THAT(failure(route_options().source(
                  R"({"table": "contact", "url": "https://org.crm.dynamics.com/api/data/v9.2"})")),
              HasSubstr("without a path"));
  EXPECT_THAT(failure(route_options().source(R"({"table": "contact", "api_version": "9.2"})")),
              HasSubstr("api_version"));
  EXPECT_THAT(failure(route_options().source(R"({"table": "contact", "connection": "crm"})")),
              HasSubstr(R"(has no connection "crm" with an "auth" object)"));
}

TEST_F(Errors, StormsOf5xx429AndResetsGiveTheSameResult) {
  dataverse().seed_contacts(3000, 8);
  const auto add = [&](std::string match, int status, double rate, std::uint64_t count,
                       int retry_after, bool reset) {
    sandbox::fault_rule r;
    r.match = std::move(match);
    r.status = status;
    r.rate = rate;
    r.count = count;
    r.retry_after = retry_after;
    r.reset = reset;
    faults().add(r);
  };
  add("GET contacts", 503, 0.1, 0, -1, false);
  add("GET contacts", 500, 0.1, 0, -1, false);
  add("GET contacts", 429, 0.5, 2, 1, false);
  add("GET contacts", 0, 0.1, 0, -1, true);
  add("GET EntityDefinitions", 503, 0.3, 0, -1, false);
  configure(route_options().batch(100));
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  const auto lines = sink_lines();
  EXPECT_EQ(keys_of(lines), contact_ids());
  EXPECT_EQ(lines.size(), 3000u) << "retries do not repeat rows";

  // The same for the changes.
  const auto id_set = contact_ids();
  json::array changes;
  std::size_t i = 0;
  for (const auto& id : id_set) {
    if (i++ % 10 == 0) changes.push_back(json::object{{"contactid", id}, {"lastname", "Storm"}});
  }
  dataverse().upsert_rows("contacts", changes);
  add("GET contacts delta", 503, 0.3, 0, -1, false);
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto delta = sink_lines_since(3000);
  EXPECT_EQ(delta.size(), 300u);
  for (const auto& line : delta) EXPECT_EQ(line.fields.at("lastname"), "Storm");
}

TEST_F(Errors, AMalformedAnswerIsRetriedAndNamedWhenItPersists) {
  dataverse().seed_contacts(300, 3);
  sandbox::fault_rule once;
  once.match = "GET contacts";
  once.malformed = true;
  once.count = 2;
  faults().add(once);
  configure(route_options().batch(100));
  const auto recovered = run();
  ASSERT_EQ(recovered.status, host::run_status::succeeded) << recovered.message;
  EXPECT_EQ(keys_of(sink_lines()), contact_ids());
  EXPECT_THAT(host_.log_text(),
              HasSubstr("malformed answer from Dataverse GET /api/data/v9.2/contacts"));

  sandbox::fault_rule always;
  always.match = "GET contacts";
  always.malformed = true;
  faults().add(always);
  dataverse().upsert_rows("contacts", json::array{json::object{{"lastname", "Late"}}});
  configure(route_options().batch(100).attempts(3));
  const auto failed = run();
  ASSERT_EQ(failed.status, host::run_status::failed);
  EXPECT_THAT(failed.message, AllOf(HasSubstr("failed 3 times in a row"),
                                    HasSubstr("malformed answer from Dataverse GET "
                                              "/api/data/v9.2/contacts")));
}

TEST_F(Errors, ATruncatedAnswerIsRetried) {
  dataverse().seed_contacts(300, 3);
  sandbox::fault_rule r;
  r.match = "GET contacts";
  r.truncate = true;
  r.count = 1;
  faults().add(r);
  configure(route_options().batch(100));
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(keys_of(sink_lines()), contact_ids());
}

TEST_F(Errors, APermanentRefusalNamesStatusPathAndMessageButNoSecret) {
  dataverse().seed_contacts(10, 3);
  sandbox::fault_rule r;
  r.match = "GET contacts";
  r.status = 404;
  faults().add(r);
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr("dynamics365.table: table contact: Dataverse GET "
                                         "/api/data/v9.2/contacts returned 404"));
  EXPECT_THAT(outcome.message, HasSubstr("injected fault"));
  EXPECT_THAT(outcome.message, Not(HasSubstr("$select")));
  EXPECT_THAT(host_.log_text(), Not(HasSubstr(sandbox_->credentials().entra_client_secret)));
  EXPECT_EQ(requests("GET contacts"), 1u) << "a 404 is not retried";
}

TEST_F(Errors, DataversesOwnErrorMessageIsQuoted) {
  dataverse().seed_contacts(10, 3);
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  // A cursor whose link names a set the environment does not have.
  auto c = cursor();
  c["next"] = dataverse_url() + "/api/data/v9.2/contactz?$select=firstname";
  host_.state().commit({"acme", route_id}, json::serialize(c), {});
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr("Dataverse GET /api/data/v9.2/contactz returned 404 (0x"));
  EXPECT_THAT(outcome.message, HasSubstr("Resource not found for the segment 'contactz'"));
}

TEST_F(Errors, ALinkToAnotherHostIsNotFollowed) {
  configure();
  host_.state().commit(
      {"acme", route_id},
      R"({"v":1,"phase":"delta","next":"https://elsewhere.example.com/api/data/v9.2/contacts"})",
      {});
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message, HasSubstr("refusing to follow a link to another host"));
}

}  // namespace
}  // namespace switchboard::test::d365
