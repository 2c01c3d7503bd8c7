// Tests of the Dataverse emulator's queries: auth, $select/$filter/$orderby/$top/$count, paging,
// formatted values, single rows and malformed input.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_test_client.hpp"
#include "sandbox/dataverse/odata_query.hpp"

namespace switchboard::sandbox {
namespace dataverse_query_test {
namespace {

namespace json = boost::json;

const std::string ana = "11111111-0000-0000-0000-000000000001";
const std::string ben = "11111111-0000-0000-0000-000000000002";
const std::string cleo = "11111111-0000-0000-0000-000000000003";
const std::string acme = "22222222-0000-0000-0000-000000000001";

std::string enc(std::string_view text) { return dataverse::encode_component(text, "$,()=@"); }

class DataverseQuery : public ::testing::Test {
 protected:
  DataverseQuery() {
    emulator.upsert_rows("accounts",
                         json::array{json::object{{"accountid", acme}, {"name", "Acme Ltd"}}});
    emulator.upsert_rows("contacts",
                         json::array{json::object{{"contactid", ana},
                                                  {"firstname", "Ana"},
                                                  {"lastname", "O'Bryan"},
                                                  {"emailaddress1", "ana@example.com"},
                                                  {"numberofchildren", 2},
                                                  {"creditlimit", 1234.5},
                                                  {"birthdate", "1990-05-17"},
                                                  {"gendercode", 2},
                                                  {"parentcustomerid_account@odata.bind",
                                                   "/accounts(" + acme + ")"}},
                                     json::object{{"contactid", ben},
                                                  {"firstname", "Ben"},
                                                  {"lastname", "Smith"},
                                                  {"emailaddress1", "ben@example.com"},
                                                  {"numberofchildren", 0},
                                                  {"donotbulkemail", true},
                                                  {"statecode", 1}},
                                     json::object{{"contactid", cleo},
                                                  {"firstname", "Cleo"},
                                                  {"lastname", "Smith"},
                                                  {"numberofchildren", 5}}});
  }

  json::array values(const std::string& target, std::vector<sdk::http_header> headers = {}) {
    const auto reply = client.get(dataverse_test_client::path(target), std::move(headers));
    EXPECT_EQ(reply.status, 200) << reply.body;
    return dataverse_test_client::json(reply).at("value").as_array();
  }

  std::vector<std::string> first_names(const std::string& filter) {
    std::vector<std::string> names;
    for (const auto& v :
         values("contacts?$select=firstname&$orderby=firstname&$filter=" + enc(filter))) {
      names.emplace_back(v.at("firstname").as_string());
    }
    return names;
  }

  token_registry tokens;
  dataverse_emulator emulator{tokens};
  dataverse_test_client client{
      emulator, tokens.issue("app", "https://org.crm.dynamics.test", std::chrono::hours(1))};
};

TEST_F(DataverseQuery, RequestWithoutTokenIsRejectedWithChallenge) {
  const dataverse_test_client anonymous(emulator, "");
  const auto reply = anonymous.get(dataverse_test_client::path("contacts"));
  EXPECT_EQ(reply.status, 401);
  const auto challenge = dataverse_test_client::header(reply, "WWW-Authenticate");
  EXPECT_EQ(challenge.rfind("Bearer authorization_uri=https://login.microsoftonline.com/", 0), 0u);
  EXPECT_NE(challenge.find("resource_id=https://org.crm.dynamics.test/"), std::string::npos);
  EXPECT_TRUE(dataverse_test_client::json(reply).at("error").as_object().contains("code"));
}

TEST_F(DataverseQuery, ExpiredTokenIsRejected) {
  tokens.expire_all();
  const auto reply = client.get(dataverse_test_client::path("contacts"));
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(dataverse_test_client::header(reply, "WWW-Authenticate").find("invalid_token"),
            std::string::npos);
  const dataverse_test_client stranger(emulator, "not-a-token");
  EXPECT_EQ(stranger.get(dataverse_test_client::path("contacts")).status, 401);
}

TEST_F(DataverseQuery, SelectReturnsSelectedColumnsEtagAndKey) {
  const auto reply =
      client.get(dataverse_test_client::path("contacts?$select=firstname,emailaddress1"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(dataverse_test_client::header(reply, "OData-Version"), "4.0");
  const auto body = dataverse_test_client::json(reply);
  EXPECT_EQ(body.at("@odata.context").as_string(),
            client.root() + "/$metadata#contacts(firstname,emailaddress1)");
  const auto& first = body.at("value").as_array().at(0).as_object();
  EXPECT_EQ(first.size(), 4u);
  EXPECT_EQ(first.at("contactid").as_string(), ana);
  EXPECT_EQ(first.at("firstname").as_string(), "Ana");
  EXPECT_EQ(std::string(first.at("@odata.etag").as_string()).substr(0, 3), "W/\"");
  EXPECT_FALSE(body.as_object().contains("@odata.nextLink"));
}

TEST_F(DataverseQuery, WithoutSelectEveryColumnIsReturned) {
  const auto rows = values("contacts");
  ASSERT_EQ(rows.size(), 3u);
  const auto& row = rows[0].as_object();
  EXPECT_EQ(row.at("fullname").as_string(), "Ana O'Bryan");
  EXPECT_EQ(row.at("statecode").as_int64(), 0);
  EXPECT_EQ(row.at("statuscode").as_int64(), 1);
  EXPECT_TRUE(row.at("followemail").as_bool());
  EXPECT_FALSE(row.at("donotemail").as_bool());
  EXPECT_EQ(row.at("_parentcustomerid_value").as_string(), acme);
  EXPECT_TRUE(row.at("emailaddress2").is_null());
  EXPECT_EQ(row.at("modifiedon").as_string().back(), 'Z');
  EXPECT_EQ(rows[1].at("statuscode").as_int64(), 2);  // statecode 1 → its default status
}

TEST_F(DataverseQuery, FilterComparisonsAndLogic) {
  EXPECT_EQ(first_names("firstname eq 'ana'"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("lastname eq 'O''Bryan'"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("lastname ne 'Smith'"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("numberofchildren gt 0"), (std::vector<std::string>{"Ana", "Cleo"}));
  EXPECT_EQ(first_names("numberofchildren ge 2 and numberofchildren le 2"),
            std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("numberofchildren lt 1 or firstname eq 'Cleo'"),
            (std::vector<std::string>{"Ben", "Cleo"}));
  EXPECT_EQ(first_names("not (lastname eq 'Smith')"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("emailaddress1 eq null"), std::vector<std::string>{"Cleo"});
  EXPECT_EQ(first_names("emailaddress1 ne null and donotbulkemail eq true"),
            std::vector<std::string>{"Ben"});
  EXPECT_EQ(first_names("birthdate lt 2000-01-01"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("modifiedon gt 2000-01-01T00:00:00Z"),
            (std::vector<std::string>{"Ana", "Ben", "Cleo"}));
  EXPECT_EQ(first_names("_parentcustomerid_value eq " + acme), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("contactid eq " + cleo), std::vector<std::string>{"Cleo"});
  EXPECT_EQ(first_names("statecode eq 1"), std::vector<std::string>{"Ben"});
  EXPECT_EQ(first_names("creditlimit gt 1000.25"), std::vector<std::string>{"Ana"});
}

TEST_F(DataverseQuery, FilterStringAndDataverseFunctions) {
  EXPECT_EQ(first_names("contains(emailaddress1,'EXAMPLE')"),
            (std::vector<std::string>{"Ana", "Ben"}));
  EXPECT_EQ(first_names("startswith(lastname,'o''b')"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(first_names("endswith(firstname,'eo')"), std::vector<std::string>{"Cleo"});
  EXPECT_EQ(first_names("not contains(lastname,'smith')"), std::vector<std::string>{"Ana"});
  EXPECT_EQ(
      first_names(
          "Microsoft.Dynamics.CRM.In(PropertyName='firstname',PropertyValues=[\"Ben\",\"Cleo\"])"),
      (std::vector<std::string>{"Ben", "Cleo"}));
  EXPECT_EQ(first_names("Microsoft.Dynamics.CRM.Null(PropertyName='emailaddress1')"),
            std::vector<std::string>{"Cleo"});
  EXPECT_EQ(first_names("Microsoft.Dynamics.CRM.Between(PropertyName='numberofchildren',"
                        "PropertyValues=['1','4'])"),
            std::vector<std::string>{"Ana"});
}

TEST_F(DataverseQuery, OrderbyTopAndCount) {
  const auto reply = client.get(dataverse_test_client::path(
      "contacts?$select=firstname&$orderby=" + enc("lastname desc,firstname asc") +
      "&$top=2&$count=true"));
  ASSERT_EQ(reply.status, 200);
  const auto body = dataverse_test_client::json(reply);
  EXPECT_EQ(body.at("@odata.count").as_int64(), 3);
  const auto& rows = body.at("value").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("firstname").as_string(), "Ben");
  EXPECT_EQ(rows[1].at("firstname").as_string(), "Cleo");
  EXPECT_FALSE(body.as_object().contains("@odata.nextLink"));
}

TEST_F(DataverseQuery, MaxPageSizePagesWithOpaqueNextLinks) {
  emulator.seed_contacts(22, 7);
  const std::vector<sdk::http_header> prefer{{"Prefer", "odata.maxpagesize=10"}};
  std::set<std::string> ids;
  std::string target = dataverse_test_client::path("contacts?$select=fullname");
  int pages = 0;
  while (!target.empty()) {
    const auto reply = client.get(target, prefer);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(dataverse_test_client::header(reply, "Preference-Applied"), "odata.maxpagesize=10");
    const auto body = dataverse_test_client::json(reply).as_object();
    for (const auto& row : body.at("value").as_array()) {
      EXPECT_TRUE(ids.insert(std::string(row.at("contactid").as_string())).second);
    }
    target.clear();
    if (const auto* next = body.if_contains("@odata.nextLink")) {
      const std::string link(next->as_string());
      EXPECT_EQ(link.rfind(client.root() + "/contacts?$select=fullname&$skiptoken=", 0), 0u);
      EXPECT_NE(link.find("%3Ccookie%20pagenumber=%22" + std::to_string(pages + 2) + "%22"),
                std::string::npos);
      EXPECT_NE(link.find("pagingcookie=%22%253ccookie"), std::string::npos);
      target = link;
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids.size(), 25u);
}

TEST_F(DataverseQuery, ReencodedNextLinkIsRejected) {
  emulator.seed_contacts(5, 1);
  const auto first = client.get(dataverse_test_client::path("contacts?$select=fullname"),
                                {{"Prefer", "odata.maxpagesize=2"}});
  const std::string link(dataverse_test_client::json(first).at("@odata.nextLink").as_string());
  std::string twice = link.substr(0, link.find("$skiptoken=") + 11) +
                      dataverse::encode_component(link.substr(link.find("$skiptoken=") + 11));
  const auto reply = client.get(twice, {{"Prefer", "odata.maxpagesize=2"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(dataverse_test_client::json(reply).at("error").at("code").as_string(), "0x80060888");
}

TEST_F(DataverseQuery, PagingFollowsOrderby) {
  emulator.seed_contacts(30, 3);
  std::vector<std::string> names;
  std::string target = dataverse_test_client::path("contacts?$select=lastname&$orderby=lastname");
  while (!target.empty()) {
    const auto body =
        dataverse_test_client::json(client.get(target, {{"Prefer", "odata.maxpagesize=7"}}));
    for (const auto& row : body.at("value").as_array())
      names.emplace_back(row.at("lastname").as_string());
    const auto* next = body.as_object().if_contains("@odata.nextLink");
    target = next ? std::string(next->as_string()) : "";
  }
  EXPECT_EQ(names.size(), 33u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end(), [](const auto& a, const auto& b) {
    return dataverse::lowercase(a) < dataverse::lowercase(b);
  }));
}

TEST_F(DataverseQuery, PageSizeAboveFiveThousandIsCapped) {
  const auto reply = client.get(dataverse_test_client::path("contacts?$select=fullname"),
                                {{"Prefer", "odata.maxpagesize=20000"}});
  EXPECT_EQ(dataverse_test_client::header(reply, "Preference-Applied"), "odata.maxpagesize=5000");
}

TEST_F(DataverseQuery, FormattedValuesFollowReferenceExample) {
  const auto reply = client.get(
      dataverse_test_client::path("contacts(" + ana +
                                  ")?$select=statecode,statuscode,donotemail,"
                                  "birthdate,creditlimit,numberofchildren,gendercode,"
                                  "_parentcustomerid_value,createdon"),
      {{"Prefer", "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\""}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto row = dataverse_test_client::json(reply).as_object();
  const std::string fv = "@OData.Community.Display.V1.FormattedValue";
  EXPECT_EQ(row.at("statecode" + fv).as_string(), "Active");
  EXPECT_EQ(row.at("statecode").as_int64(), 0);
  EXPECT_EQ(row.at("statuscode" + fv).as_string(), "Active");
  EXPECT_EQ(row.at("statuscode").as_int64(), 1);
  EXPECT_EQ(row.at("donotemail" + fv).as_string(), "Allow");
  EXPECT_EQ(row.at("birthdate" + fv).as_string(), "5/17/1990");
  EXPECT_EQ(row.at("birthdate").as_string(), "1990-05-17");
  EXPECT_EQ(row.at("creditlimit" + fv).as_string(), "$1,234.50");
  EXPECT_EQ(row.at("gendercode" + fv).as_string(), "Female");
  EXPECT_EQ(row.at("_parentcustomerid_value" + fv).as_string(), "Acme Ltd");
  EXPECT_FALSE(row.contains("_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"));
  EXPECT_NE(row.at("createdon" + fv).as_string().find('M'), std::string::npos);
  EXPECT_EQ(dataverse_test_client::header(reply, "Preference-Applied"),
            "odata.include-annotations=\"OData.Community.Display.V1.FormattedValue\"");
}

TEST_F(DataverseQuery, AllAnnotationsIncludeLookupDetails) {
  const auto rows = values(
      "contacts?$select=_parentcustomerid_value&$filter=" + enc("_parentcustomerid_value ne null"),
      {{"Prefer", "odata.include-annotations=\"*\""}});
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0].as_object();
  EXPECT_EQ(row.at("_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname").as_string(),
            "account");
  EXPECT_EQ(row.at("_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty")
                .as_string(),
            "parentcustomerid_account");
  EXPECT_EQ(row.at("_parentcustomerid_value@OData.Community.Display.V1.FormattedValue").as_string(),
            "Acme Ltd");
}

TEST_F(DataverseQuery, SingleRowByIdByAlternateKeyAndConditionalGet) {
  auto contact = dataverse::standard_tables().front();
  contact.keys.push_back({"contact_email_key", {"emailaddress1"}});
  emulator.define_table(contact);
  const auto by_id =
      client.get(dataverse_test_client::path("contacts(" + ana + ")?$select=firstname"));
  ASSERT_EQ(by_id.status, 200);
  const auto body = dataverse_test_client::json(by_id);
  EXPECT_EQ(body.at("@odata.context").as_string(),
            client.root() + "/$metadata#contacts(firstname)/$entity");
  const auto etag = dataverse_test_client::header(by_id, "ETag");
  EXPECT_EQ(body.at("@odata.etag").as_string(), etag);
  const auto by_key = client.get(
      dataverse_test_client::path("contacts(emailaddress1=" + enc("'BEN@example.com'") + ")"));
  ASSERT_EQ(by_key.status, 200) << by_key.body;
  EXPECT_EQ(dataverse_test_client::json(by_key).at("contactid").as_string(), ben);
  const auto by_named_id =
      client.get(dataverse_test_client::path("contacts(contactid=" + cleo + ")"));
  EXPECT_EQ(by_named_id.status, 200);
  const auto unchanged =
      client.get(dataverse_test_client::path("contacts(" + ana + ")?$select=firstname"),
                 {{"If-None-Match", etag}});
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_TRUE(unchanged.body.empty());
  EXPECT_EQ(
      client.get(dataverse_test_client::path("contacts(" + ana + ")"), {{"If-None-Match", "null"}})
          .status,
      200);
}

TEST_F(DataverseQuery, MissingRowAndUnknownSetAre404) {
  const auto missing =
      client.get(dataverse_test_client::path("contacts(99999999-0000-0000-0000-000000000000)"));
  EXPECT_EQ(missing.status, 404);
  const auto error = dataverse_test_client::json(missing).at("error");
  EXPECT_EQ(error.at("code").as_string(), "0x80040217");
  EXPECT_EQ(error.at("message").as_string(),
            "contact With Id = 99999999-0000-0000-0000-000000000000 Does Not Exist");
  const auto unknown = client.get(dataverse_test_client::path("foos"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(dataverse_test_client::json(unknown).at("error").at("message").as_string(),
            "Resource not found for the segment 'foos'.");
}

TEST_F(DataverseQuery, PropertyCountAndWhoAmI) {
  const auto property = client.get(dataverse_test_client::path("contacts(" + ana + ")/firstname"));
  ASSERT_EQ(property.status, 200);
  EXPECT_EQ(dataverse_test_client::json(property).at("value").as_string(), "Ana");
  const auto count = client.get(dataverse_test_client::path("contacts/$count"));
  EXPECT_EQ(count.body, "3");
  const auto who = client.get(dataverse_test_client::path("WhoAmI"));
  ASSERT_EQ(who.status, 200);
  EXPECT_TRUE(dataverse_test_client::json(who).as_object().contains("UserId"));
  const auto org = values("organizations?$select=expirechangetrackingindays");
  EXPECT_EQ(org.at(0).at("expirechangetrackingindays").as_int64(), 7);
}

TEST_F(DataverseQuery, MalformedQueriesAnswerDocumented400) {
  const std::vector<std::string> filters = {
      "firstname eq",
      "firstname eq 'unterminated",
      "(firstname eq 'a'",
      "firstname eq 'a')",
      "firstname eqq 'a'",
      "and",
      "firstname eq 5",
      "numberofchildren eq 'two'",
      "contactid eq 'x'",
      "nosuchcolumn eq 1",
      "tolower(firstname) eq 'a'",
      "contains(numberofchildren,'1')",
      "firstname eq 'a' and",
      "not",
      "2024-13-45 eq birthdate",
      "",
      "'a' 'b'",
      "firstname eq guid'abc'",
      "Microsoft.Dynamics.CRM.In(PropertyName='nosuch',PropertyValues=['a'])"};
  for (const auto& filter : filters) {
    const auto reply = client.get(dataverse_test_client::path("contacts?$filter=" + enc(filter)));
    EXPECT_EQ(reply.status, 400) << filter << " → " << reply.body;
    const auto error = dataverse_test_client::json(reply).at("error");
    EXPECT_EQ(error.at("code").as_string(), "0x80060888") << filter;
  }
  const auto syntax =
      client.get(dataverse_test_client::path("contacts?$filter=" + enc("firstname eqq 'a'")));
  EXPECT_EQ(dataverse_test_client::json(syntax).at("error").at("message").as_string(),
            "Syntax error at position 10 in 'firstname eqq 'a''.");
  const auto types =
      client.get(dataverse_test_client::path("contacts?$filter=" + enc("firstname eq 5")));
  EXPECT_EQ(dataverse_test_client::json(types).at("error").at("message").as_string(),
            "A binary operator with incompatible types was detected. Found operand types "
            "'Edm.String' and 'Edm.Int32' for operator kind 'Equal'.");
  for (const auto& query :
       {"$select=nosuch", "$orderby=nosuch", "$orderby=firstname%20sideways", "$top=-1", "$top=abc",
        "$count=maybe", "$skip=5", "$search=x", "$skiptoken=garbage", "$unknown=1"}) {
    const auto reply = client.get(dataverse_test_client::path(std::string("contacts?") + query));
    EXPECT_EQ(reply.status, 400) << query << " → " << reply.body;
  }
  EXPECT_EQ(dataverse_test_client::json(client.get(dataverse_test_client::path("contacts?$skip=5")))
                .at("error")
                .at("message")
                .as_string(),
            "Skip Clause is not supported in CRM");
}

TEST_F(DataverseQuery, ErrorsCarryDetailAnnotationsWhenAsked) {
  const auto reply = client.get(dataverse_test_client::path("contacts?$select=nosuch"),
                                {{"Prefer", "odata.include-annotations=\"*\""}});
  ASSERT_EQ(reply.status, 400);
  const auto error = dataverse_test_client::json(reply).at("error").as_object();
  EXPECT_EQ(error.at("@Microsoft.PowerApps.CDS.InnerError.Message"), error.at("message"));
  EXPECT_EQ(error.at("@Microsoft.PowerApps.CDS.ErrorDetails.HttpStatusCode").as_string(), "400");
  EXPECT_TRUE(error.contains("@Microsoft.PowerApps.CDS.HelpLink"));
  EXPECT_TRUE(error.contains("@Microsoft.PowerApps.CDS.TraceText"));
  const auto plain = client.get(dataverse_test_client::path("contacts?$select=nosuch"));
  EXPECT_EQ(dataverse_test_client::json(plain).at("error").as_object().size(), 2u);
}

}  // namespace
}  // namespace dataverse_query_test
}  // namespace switchboard::sandbox
