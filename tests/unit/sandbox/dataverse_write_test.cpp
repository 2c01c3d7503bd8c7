// Tests of the Dataverse emulator's writes: create, upsert and conditional updates, delete,
// alternate keys, @odata.bind, type validation, activities and single-property writes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_test_client.hpp"

namespace switchboard::sandbox {
namespace dataverse_write_test {
namespace {

namespace json = boost::json;
using client_t = dataverse_test_client;

const std::string known = "33333333-0000-0000-0000-000000000001";
const std::string absent = "33333333-0000-0000-0000-0000000000ff";

table_definition vehicle_table() {
  table_definition t;
  t.logical_name = "new_vehicle";
  t.entity_set_name = "new_vehicles";
  column_definition vin;
  vin.logical_name = "new_vin";
  vin.max_length = 17;
  column_definition owner;
  owner.logical_name = "new_ownerid";
  owner.type = column_type::lookup;
  owner.targets = {"contact"};
  owner.navigation = "new_OwnerId";
  column_definition color;
  color.logical_name = "new_color";
  color.type = column_type::picklist;
  color.options = {{100000000, "Red"}, {100000001, "Blue"}};
  column_definition price;
  price.logical_name = "new_price";
  price.type = column_type::money;
  t.columns = {vin, owner, color, price};
  t.keys = {{"new_vin_key", {"new_vin"}}};
  return t;
}

class DataverseWrites : public ::testing::Test {
 protected:
  DataverseWrites() {
    emulator.define_table(vehicle_table());
    emulator.upsert_rows(
        "contacts",
        json::array{json::object{{"contactid", known}, {"firstname", "Kim"}, {"lastname", "Lee"}}});
  }

  json::object row(const std::string& set, const std::string& id) {
    const auto reply = client.get(client_t::path(set + "(" + id + ")"));
    EXPECT_EQ(reply.status, 200) << reply.body;
    return client_t::json(reply).as_object();
  }

  static json::object error(const server_reply& reply) {
    return client_t::json(reply).at("error").as_object();
  }

  token_registry tokens;
  dataverse_emulator emulator{tokens};
  client_t client{emulator,
                  tokens.issue("app", "https://org.crm.dynamics.test", std::chrono::hours(1))};
};

TEST_F(DataverseWrites, CreateAnswers204WithEntityId) {
  const auto reply =
      client.post(client_t::path("contacts"), json::object{{"firstname", "Ada"},
                                                           {"lastname", "Byron"},
                                                           {"emailaddress1", "ada@example.com"}});
  ASSERT_EQ(reply.status, 204) << reply.body;
  const auto entity = client_t::header(reply, "OData-EntityId");
  ASSERT_EQ(entity.rfind(client.root() + "/contacts(", 0), 0u);
  const auto id = entity.substr(entity.rfind('(') + 1, 36);
  const auto created = row("contacts", id);
  EXPECT_EQ(created.at("fullname").as_string(), "Ada Byron");
  EXPECT_EQ(created.at("createdon"), created.at("modifiedon"));
  EXPECT_TRUE(created.at("followemail").as_bool());
}

TEST_F(DataverseWrites, CreateWithRepresentationAnswers201WithBody) {
  const auto reply = client.post(client_t::path("contacts?$select=firstname,lastname"),
                                 json::object{{"firstname", "Ada"}, {"lastname", "Byron"}},
                                 {{"Prefer", "return=representation"}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(client_t::header(reply, "OData-EntityId"), "");
  EXPECT_EQ(client_t::header(reply, "Preference-Applied"), "return=representation");
  const auto body = client_t::json(reply).as_object();
  EXPECT_EQ(body.at("@odata.context").as_string(),
            client.root() + "/$metadata#contacts(firstname,lastname)/$entity");
  EXPECT_TRUE(body.contains("@odata.etag"));
  EXPECT_TRUE(body.contains("contactid"));
  EXPECT_EQ(body.at("lastname").as_string(), "Byron");
}

TEST_F(DataverseWrites, PatchUpsertsAndUpdates) {
  const auto created = client.patch(client_t::path("contacts(" + absent + ")"),
                                    json::object{{"lastname", "Upserted"}});
  EXPECT_EQ(created.status, 204);
  EXPECT_EQ(client_t::header(created, "OData-EntityId"),
            client.root() + "/contacts(" + absent + ")");
  EXPECT_EQ(row("contacts", absent).at("lastname").as_string(), "Upserted");
  const auto before = row("contacts", known);
  const auto updated = client.patch(client_t::path("contacts(" + known + ")"),
                                    json::object{{"donotemail", true}}, {{"If-Match", "*"}});
  EXPECT_EQ(updated.status, 204);
  const auto after = row("contacts", known);
  EXPECT_TRUE(after.at("donotemail").as_bool());
  EXPECT_EQ(after.at("firstname").as_string(), "Kim");
  EXPECT_NE(after.at("@odata.etag"), before.at("@odata.etag"));
  const auto represented =
      client.patch(client_t::path("contacts(" + known + ")?$select=donotemail"),
                   json::object{{"donotemail", false}}, {{"Prefer", "return=representation"}});
  EXPECT_EQ(represented.status, 200);
  EXPECT_FALSE(client_t::json(represented).at("donotemail").as_bool());
}

TEST_F(DataverseWrites, ConditionalHeadersFollowTheReference) {
  const auto no_row = client.patch(client_t::path("contacts(" + absent + ")"),
                                   json::object{{"lastname", "x"}}, {{"If-Match", "*"}});
  EXPECT_EQ(no_row.status, 404);
  EXPECT_EQ(error(no_row).at("code").as_string(), "");
  EXPECT_EQ(error(no_row).at("message").as_string(),
            "contact With Id = " + absent + " Does Not Exist");
  EXPECT_EQ(client.get(client_t::path("contacts(" + absent + ")")).status, 404);

  const auto exists = client.patch(client_t::path("contacts(" + known + ")"),
                                   json::object{{"lastname", "x"}}, {{"If-None-Match", "*"}});
  EXPECT_EQ(exists.status, 412);
  EXPECT_EQ(error(exists).at("message").as_string(),
            "A record with matching key values already exists.");
  EXPECT_EQ(row("contacts", known).at("lastname").as_string(), "Lee");

  const auto stale = client.patch(client_t::path("contacts(" + known + ")"),
                                  json::object{{"lastname", "x"}}, {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(error(stale).at("message").as_string(),
            "The version of the existing record doesn't match the RowVersion property provided.");
  const std::string current(row("contacts", known).at("@odata.etag").as_string());
  EXPECT_EQ(client
                .patch(client_t::path("contacts(" + known + ")"), json::object{{"lastname", "y"}},
                       {{"If-Match", current}})
                .status,
            204);
  EXPECT_EQ(client
                .patch(client_t::path("contacts(" + known + ")"), json::object{{"lastname", "z"}},
                       {{"If-None-Match", "null"}})
                .status,
            204);
}

TEST_F(DataverseWrites, DeleteAnswers204Then404) {
  EXPECT_EQ(client.send("DELETE", client_t::path("contacts(" + known + ")")).status, 204);
  const auto again = client.send("DELETE", client_t::path("contacts(" + known + ")"));
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(error(again).at("code").as_string(), "0x80040217");
  EXPECT_EQ(error(again).at("message").as_string(),
            "contact With Id = " + known + " Does Not Exist");
}

TEST_F(DataverseWrites, AlternateKeysAddressRowsAndRejectDuplicates) {
  const auto created = client.patch(client_t::path("new_vehicles(new_vin='VIN0001')"),
                                    json::object{{"new_name", "Van"}, {"new_color", 100000001}});
  ASSERT_EQ(created.status, 204) << created.body;
  const auto fetched = client.get(client_t::path("new_vehicles(new_vin='vin0001')"));
  ASSERT_EQ(fetched.status, 200);
  const auto body = client_t::json(fetched);
  EXPECT_EQ(body.at("new_vin").as_string(), "VIN0001");
  EXPECT_EQ(body.at("new_name").as_string(), "Van");
  EXPECT_EQ(client
                .patch(client_t::path("new_vehicles(new_vin='VIN0001')"),
                       json::object{{"new_name", "Bus"}})
                .status,
            204);
  EXPECT_EQ(emulator.rows("new_vehicles").size(), 1u);
  const auto duplicate = client.post(client_t::path("new_vehicles"),
                                     json::object{{"new_name", "Copy"}, {"new_vin", "VIN0001"}});
  EXPECT_EQ(duplicate.status, 412);
  EXPECT_EQ(error(duplicate).at("code").as_string(), "0x80040237");
  const auto wrong_key = client.get(client_t::path("new_vehicles(new_name='Bus')"));
  EXPECT_EQ(wrong_key.status, 400);
  const auto plus = client.get(client_t::path("new_vehicles(new_vin='a+b')"));
  EXPECT_EQ(plus.status, 400);
  const auto missing = client.send("DELETE", client_t::path("new_vehicles(new_vin='NOPE')"));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(DataverseWrites, BindSetsLookupsAndMissingTargetsAre404) {
  const auto bound = client.post(
      client_t::path("new_vehicles"),
      json::object{{"new_vin", "V2"}, {"new_OwnerId@odata.bind", "/contacts(" + known + ")"}});
  ASSERT_EQ(bound.status, 204) << bound.body;
  const auto rows = emulator.rows("new_vehicles");
  EXPECT_EQ(rows.at(0).at("_new_ownerid_value").as_string(), known);
  EXPECT_EQ(
      rows.at(0).at("_new_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname").as_string(),
      "contact");
  const auto missing = client.post(
      client_t::path("new_vehicles"),
      json::object{{"new_vin", "V3"}, {"new_OwnerId@odata.bind", "contacts(" + absent + ")"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(error(missing).at("message").as_string(),
            "contact With Id = " + absent + " Does Not Exist");
  EXPECT_EQ(emulator.rows("new_vehicles").size(), 1u);
  const auto unknown_nav =
      client.post(client_t::path("new_vehicles"),
                  json::object{{"new_owner@odata.bind", "/contacts(" + known + ")"}});
  EXPECT_EQ(unknown_nav.status, 400);
  EXPECT_EQ(error(unknown_nav).at("code").as_string(), "0x80048d19");
  const auto customer = client.patch(client_t::path("contacts(" + known + ")"),
                                     json::object{{"parentcustomerid_contact@odata.bind",
                                                   client.root() + "/contacts(" + known + ")"}});
  EXPECT_EQ(customer.status, 204);
  const auto direct = client.patch(client_t::path("contacts(" + known + ")"),
                                   json::object{{"_parentcustomerid_value", known}});
  EXPECT_EQ(direct.status, 400);
  EXPECT_EQ(
      client.send("DELETE", client_t::path("contacts(" + known + ")/parentcustomerid_contact/$ref"))
          .status,
      204);
  EXPECT_TRUE(row("contacts", known).at("_parentcustomerid_value").is_null());
}

TEST_F(DataverseWrites, InvalidPayloadsAnswerDocumented400) {
  struct bad {
    std::string body;
    std::string code;
    std::string message_start;
  };
  const std::vector<bad> cases = {
      {"{not json", "0x80048d19",
       "Error identified in Payload provided by the user for Entity :'contacts'"},
      {"[1,2]", "0x80048d19", "Error identified in Payload"},
      {"{\"nosuch\":1}", "0x80048d19", "Error identified in Payload"},
      {"{\"numberofchildren\":\"two\"}", "0x80048d19", "Error identified in Payload"},
      {"{\"numberofchildren\":1.5}", "0x80048d19", "Error identified in Payload"},
      {"{\"donotemail\":\"yes\"}", "0x80048d19", "Error identified in Payload"},
      {"{\"birthdate\":\"yesterday\"}", "0x80048d19", "Error identified in Payload"},
      {"{\"firstname\":\"" + std::string(51, 'x') + "\"}", "0x80044331",
       "A validation error occurred. The length of the 'firstname' attribute of the 'contact' "
       "entity exceeded the maximum allowed length of '50'."},
      {"{\"gendercode\":7}", "0x8004431a",
       "A validation error occurred. The value 7 of 'gendercode'"},
      {"{\"statecode\":0,\"statuscode\":2}", "0x80040203", ""},
      {"{\"contactid\":\"not-a-guid\"}", "0x80048d19", "Error identified in Payload"},
  };
  for (const auto& c : cases) {
    const auto reply = client.send("POST", client_t::path("contacts"), c.body,
                                   {{"Content-Type", "application/json"}});
    EXPECT_EQ(reply.status, 400) << c.body << " → " << reply.body;
    const auto e = error(reply);
    EXPECT_EQ(e.at("code").as_string(), c.code) << c.body;
    EXPECT_EQ(std::string(e.at("message").as_string()).rfind(c.message_start, 0), 0u)
        << c.body << " → " << e.at("message").as_string();
  }
  EXPECT_EQ(emulator.rows("contacts").size(), 1u);
}

TEST_F(DataverseWrites, CustomActivityWithRegardingAndParties) {
  table_definition open;
  open.logical_name = "new_emailopen";
  open.is_activity = true;
  column_definition campaign;
  campaign.logical_name = "new_campaign";
  open.columns = {campaign};
  emulator.define_table(open);
  const auto reply = client.post(
      client_t::path("new_emailopens"),
      json::object{
          {"subject", "CMP123 DLV456"},
          {"new_campaign", "Spring"},
          {"regardingobjectid_contact_new_emailopen@odata.bind", "/contacts(" + known + ")"},
          {"new_emailopen_activity_parties",
           json::array{json::object{{"partyid_contact@odata.bind", "/contacts(" + known + ")"},
                                    {"participationtypemask", 2}}}}});
  ASSERT_EQ(reply.status, 204) << reply.body;
  const auto rows = emulator.rows("new_emailopen");
  ASSERT_EQ(rows.size(), 1u);
  const auto& activity = rows[0].as_object();
  EXPECT_EQ(activity.at("_regardingobjectid_value").as_string(), known);
  EXPECT_EQ(activity.at("activitytypecode").as_string(), "new_emailopen");
  EXPECT_EQ(activity.at("statecode").as_int64(), 0);
  const std::string id(activity.at("activityid").as_string());
  const auto pointer =
      client.get(client_t::path("activitypointers(" + id + ")?$select=subject,activitytypecode"));
  ASSERT_EQ(pointer.status, 200);
  EXPECT_EQ(client_t::json(pointer).at("activitytypecode").as_string(), "new_emailopen");
  const auto parties = emulator.rows("activityparty");
  ASSERT_EQ(parties.size(), 1u);
  EXPECT_EQ(parties[0].at("_partyid_value").as_string(), known);
  EXPECT_EQ(parties[0].at("_activityid_value").as_string(), id);
  EXPECT_EQ(parties[0].at("participationtypemask").as_int64(), 2);
  const json::object party_one{{"partyid_contact@odata.bind", "/contacts(" + known + ")"},
                               {"participationtypemask", 1}};
  const json::object party_two{{"partyid_contact@odata.bind", "/contacts(" + known + ")"},
                               {"participationtypemask", 2}};
  const auto replaced = client.send(
      "PUT", client_t::path("new_emailopens(" + id + ")/new_emailopen_activity_parties"),
      json::serialize(json::object{{"value", json::array{party_one, party_two}}}),
      {{"Content-Type", "application/json"}});
  EXPECT_EQ(replaced.status, 204) << replaced.body;
  EXPECT_EQ(emulator.rows("activityparty").size(), 2u);
  const auto wrong_nav = client.post(
      client_t::path("new_emailopens"),
      json::object{{"regardingobjectid_contact_task@odata.bind", "/contacts(" + known + ")"}});
  EXPECT_EQ(wrong_nav.status, 400);
  EXPECT_EQ(client.send("DELETE", client_t::path("new_emailopens(" + id + ")")).status, 204);
  EXPECT_TRUE(emulator.rows("activityparty").empty());
  EXPECT_EQ(client.get(client_t::path("activitypointers(" + id + ")")).status, 404);
  EXPECT_EQ(client.post(client_t::path("activitypointers"), json::object{{"subject", "x"}}).status,
            400);
}

TEST_F(DataverseWrites, SinglePropertyWrites) {
  EXPECT_EQ(client
                .send("PUT", client_t::path("contacts(" + known + ")/lastname"),
                      R"({"value":"Park"})", {{"Content-Type", "application/json"}})
                .status,
            204);
  EXPECT_EQ(row("contacts", known).at("fullname").as_string(), "Kim Park");
  EXPECT_EQ(client.send("DELETE", client_t::path("contacts(" + known + ")/firstname")).status, 204);
  EXPECT_TRUE(row("contacts", known).at("firstname").is_null());
  EXPECT_EQ(client
                .send("PUT", client_t::path("contacts(" + known + ")/numberofchildren"),
                      R"({"value":"x"})", {{"Content-Type", "application/json"}})
                .status,
            400);
  EXPECT_EQ(client
                .send("PUT", client_t::path("contacts(" + absent + ")/lastname"),
                      R"({"value":"x"})", {{"Content-Type", "application/json"}})
                .status,
            404);
}

TEST_F(DataverseWrites, UpsertMultipleIsAllOrNothing) {
  const auto created = client.post(
      client_t::path("new_vehicles/Microsoft.Dynamics.CRM.UpsertMultiple"),
      json::object{{"Targets",
                    json::array{json::object{{"@odata.type", "Microsoft.Dynamics.CRM.new_vehicle"},
                                             {"new_vin", "M1"},
                                             {"new_name", "One"}},
                                json::object{{"@odata.type", "Microsoft.Dynamics.CRM.new_vehicle"},
                                             {"new_vin", "M2"},
                                             {"new_name", "Two"}}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  const auto body = client_t::json(created);
  EXPECT_EQ(body.at("@odata.context").as_string(),
            client.root() + "/$metadata#Microsoft.Dynamics.CRM.UpsertMultipleResponse");
  ASSERT_EQ(body.at("Ids").as_array().size(), 2u);
  const auto updated = client.post(
      client_t::path("new_vehicles/Microsoft.Dynamics.CRM.UpsertMultiple"),
      json::object{{"Targets", json::array{json::object{{"new_vin", "M1"}, {"new_name", "Uno"}},
                                           json::object{{"@odata.id", "new_vehicles(new_vin='M3')"},
                                                        {"new_name", "Three"}}}}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(client_t::json(updated).at("Ids").as_array()[0], body.at("Ids").as_array()[0]);
  EXPECT_EQ(emulator.rows("new_vehicles").size(), 3u);
  const auto failed = client.post(
      client_t::path("new_vehicles/Microsoft.Dynamics.CRM.UpsertMultiple"),
      json::object{{"Targets", json::array{json::object{{"new_vin", "M4"}},
                                           json::object{{"new_vin", "M5"}, {"new_color", 7}}}}});
  EXPECT_EQ(failed.status, 400);
  EXPECT_EQ(emulator.rows("new_vehicles").size(), 3u);
  const auto duplicate =
      client.post(client_t::path("new_vehicles/Microsoft.Dynamics.CRM.CreateMultiple"),
                  json::object{{"Targets", json::array{json::object{{"new_vin", "M6"}},
                                                       json::object{{"new_vin", "M1"}}}}});
  EXPECT_EQ(duplicate.status, 412);
  EXPECT_EQ(emulator.rows("new_vehicles").size(), 3u);
  EXPECT_EQ(client
                .post(client_t::path("new_vehicles/Microsoft.Dynamics.CRM.UpsertMultiple"),
                      json::object{{"Targets", 5}})
                .status,
            400);
}

}  // namespace
}  // namespace dataverse_write_test
}  // namespace switchboard::sandbox
