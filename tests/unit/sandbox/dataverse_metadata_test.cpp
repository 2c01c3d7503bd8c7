// Tests of the Dataverse emulator's metadata: EntityDefinitions of contact and custom tables,
// attribute queries, picklist casts with OptionSet, keys and relationships.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <set>
#include <string>

#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_test_client.hpp"
#include "sandbox/dataverse/odata_query.hpp"

namespace switchboard::sandbox {
namespace dataverse_metadata_test {
namespace {

namespace json = boost::json;
using client_t = dataverse_test_client;

std::string enc(std::string_view text) { return dataverse::encode_component(text, "$,()=;'"); }

class DataverseMetadata : public ::testing::Test {
 protected:
  DataverseMetadata() {
    const auto reply = emulator.control("define_table", "POST", json::parse(R"json({
      "logical_name": "new_vehicle", "entity_set_name": "new_vehicles", "primary_name": "new_name",
      "columns": [
        {"name": "new_vin", "type": "String", "max_length": 17, "required": true},
        {"name": "new_ownerid", "type": "Lookup", "targets": ["contact"],
         "navigation": "new_OwnerId"},
        {"name": "new_color", "type": "Picklist",
         "options": [{"value": 100000000, "label": "Red"}, {"value": 100000001, "label": "Blue"}]},
        {"name": "new_registered", "type": "Date"},
        {"name": "new_mileage", "type": "Integer", "min_value": 0, "max_value": 2000000}],
      "keys": [{"name": "new_vin_key", "columns": ["new_vin"]}]})json"));
    EXPECT_EQ(reply->status, 200) << reply->body;
    emulator.control("define_table", "POST", json::parse(R"json({
      "logical_name": "new_emailopen", "is_activity": true,
      "columns": [{"name": "new_campaign", "type": "String"}]})json"));
  }

  json::object get(const std::string& resource) {
    const auto reply = client.get(client_t::path(resource));
    EXPECT_EQ(reply.status, 200) << resource << " → " << reply.body;
    return client_t::json(reply).as_object();
  }

  token_registry tokens;
  dataverse_emulator emulator{tokens};
  client_t client{emulator,
                  tokens.issue("app", "https://org.crm.dynamics.test", std::chrono::hours(1))};
};

TEST_F(DataverseMetadata, ContactDefinitionFollowsReference) {
  const auto body =
      get("EntityDefinitions(LogicalName='contact')?$select=EntitySetName,PrimaryIdAttribute,"
          "PrimaryNameAttribute,ChangeTrackingEnabled");
  EXPECT_EQ(body.at("@odata.context").as_string(),
            client.root() +
                "/$metadata#EntityDefinitions(EntitySetName,PrimaryIdAttribute,"
                "PrimaryNameAttribute,ChangeTrackingEnabled)/$entity");
  EXPECT_EQ(body.at("EntitySetName").as_string(), "contacts");
  EXPECT_EQ(body.at("PrimaryIdAttribute").as_string(), "contactid");
  EXPECT_EQ(body.at("PrimaryNameAttribute").as_string(), "fullname");
  EXPECT_TRUE(body.at("ChangeTrackingEnabled").as_bool());
  EXPECT_TRUE(body.contains("MetadataId"));
  EXPECT_FALSE(body.contains("LogicalName"));
}

TEST_F(DataverseMetadata, ContactAttributesCarryTypes) {
  const auto body =
      get("EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName,"
          "AttributeType,SchemaName");
  std::map<std::string, std::string> types;
  for (const auto& a : body.at("value").as_array()) {
    types[std::string(a.at("LogicalName").as_string())] =
        std::string(a.at("AttributeType").as_string());
  }
  EXPECT_EQ(types.at("contactid"), "Uniqueidentifier");
  EXPECT_EQ(types.at("firstname"), "String");
  EXPECT_EQ(types.at("donotbulkemail"), "Boolean");
  EXPECT_EQ(types.at("statecode"), "State");
  EXPECT_EQ(types.at("statuscode"), "Status");
  EXPECT_EQ(types.at("modifiedon"), "DateTime");
  EXPECT_EQ(types.at("parentcustomerid"), "Customer");
  EXPECT_EQ(types.at("gendercode"), "Picklist");
  EXPECT_EQ(types.at("creditlimit"), "Money");
  const auto one =
      get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='emailaddress1')");
  EXPECT_EQ(one.at("@odata.type").as_string(), "#Microsoft.Dynamics.CRM.StringAttributeMetadata");
  EXPECT_EQ(one.at("MaxLength").as_int64(), 100);
  EXPECT_EQ(one.at("AttributeTypeName").at("Value").as_string(), "StringType");
}

TEST_F(DataverseMetadata, PicklistCastExpandsOptionSet) {
  const auto body =
      get("EntityDefinitions(LogicalName='new_vehicle')/Attributes/"
          "Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,"
          "GlobalOptionSet");
  const auto& values = body.at("value").as_array();
  ASSERT_EQ(values.size(), 1u);
  const auto& color = values[0].as_object();
  EXPECT_EQ(color.at("LogicalName").as_string(), "new_color");
  EXPECT_TRUE(color.at("GlobalOptionSet").is_null());
  const auto& options = color.at("OptionSet").at("Options").as_array();
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(options[0].at("Value").as_int64(), 100000000);
  EXPECT_EQ(options[0].at("Label").at("UserLocalizedLabel").at("Label").as_string(), "Red");
  EXPECT_EQ(options[0].at("Label").at("UserLocalizedLabel").at("LanguageCode").as_int64(), 1033);
  EXPECT_EQ(color.at("OptionSet").at("OptionSetType").as_string(), "Picklist");
  const std::string id(color.at("MetadataId").as_string());
  const auto option_set =
      get("EntityDefinitions(LogicalName='new_vehicle')/Attributes(" + id +
          ")/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet?$select=Options");
  EXPECT_EQ(option_set.at("Options").as_array().size(), 2u);
  const auto state =
      get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='statuscode')/"
          "Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet");
  EXPECT_EQ(state.at("OptionSet").at("Options").as_array()[1].at("State").as_int64(), 1);
  const auto boolean =
      get("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='followemail')/"
          "Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet");
  EXPECT_EQ(boolean.at("OptionSet")
                .at("TrueOption")
                .at("Label")
                .at("UserLocalizedLabel")
                .at("Label")
                .as_string(),
            "Allow");
  const auto enum_cast =
      client.get(client_t::path("EntityDefinitions(LogicalName='contact')/Attributes/"
                                "Microsoft.Dynamics.CRM.EnumAttributeMetadata"));
  EXPECT_EQ(enum_cast.status, 400);
}

TEST_F(DataverseMetadata, FilterFindsTrackedAndCustomActivityTables) {
  const auto tracked =
      get("EntityDefinitions?$select=SchemaName&$filter=" + enc("ChangeTrackingEnabled eq true"));
  std::set<std::string> names;
  for (const auto& e : tracked.at("value").as_array())
    names.emplace(e.at("SchemaName").as_string());
  EXPECT_TRUE(names.count("Contact"));
  EXPECT_TRUE(names.count("new_vehicle"));
  EXPECT_FALSE(names.count("Organization"));
  const auto activities = get("EntityDefinitions?$select=LogicalName,EntitySetName&$filter=" +
                              enc("IsActivity eq true and IsCustomEntity eq true"));
  ASSERT_EQ(activities.at("value").as_array().size(), 1u);
  EXPECT_EQ(activities.at("value").as_array()[0].at("EntitySetName").as_string(), "new_emailopens");
  const auto custom =
      get("EntityDefinitions?$select=LogicalName&$filter=" +
          enc("CanCreateAttributes/Value eq true and startswith(LogicalName,'new_')"));
  EXPECT_EQ(custom.at("value").as_array().size(), 2u);
}

TEST_F(DataverseMetadata, ExpandAttributesOfOneType) {
  const auto body = get("EntityDefinitions(LogicalName='contact')?$select=LogicalName&$expand=" +
                        enc("Attributes($select=LogicalName;$filter=AttributeType eq "
                            "Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')"));
  std::set<std::string> names;
  for (const auto& a : body.at("Attributes").as_array())
    names.emplace(a.at("LogicalName").as_string());
  EXPECT_EQ(names, (std::set<std::string>{"gendercode", "preferredcontactmethodcode"}));
}

TEST_F(DataverseMetadata, CustomTableDefinitionKeysAndRelationships) {
  const auto vehicle =
      get("EntityDefinitions(LogicalName='new_vehicle')?$expand=Keys,ManyToOneRelationships");
  EXPECT_EQ(vehicle.at("EntitySetName").as_string(), "new_vehicles");
  EXPECT_EQ(vehicle.at("PrimaryIdAttribute").as_string(), "new_vehicleid");
  EXPECT_EQ(vehicle.at("PrimaryNameAttribute").as_string(), "new_name");
  EXPECT_FALSE(vehicle.at("IsActivity").as_bool());
  EXPECT_TRUE(vehicle.at("IsCustomEntity").as_bool());
  EXPECT_EQ(vehicle.at("Keys").as_array()[0].at("KeyAttributes").as_array()[0].as_string(),
            "new_vin");
  const auto& relationship = vehicle.at("ManyToOneRelationships").as_array()[0];
  EXPECT_EQ(relationship.at("ReferencingAttribute").as_string(), "new_ownerid");
  EXPECT_EQ(relationship.at("ReferencedEntity").as_string(), "contact");
  EXPECT_EQ(relationship.at("ReferencingEntityNavigationPropertyName").as_string(), "new_OwnerId");
  const auto open = get("EntityDefinitions(LogicalName='new_emailopen')?$expand=" +
                        enc("ManyToOneRelationships($filter=ReferencedEntity eq 'contact')"));
  EXPECT_TRUE(open.at("IsActivity").as_bool());
  EXPECT_EQ(open.at("PrimaryIdAttribute").as_string(), "activityid");
  EXPECT_EQ(open.at("ManyToOneRelationships")
                .as_array()[0]
                .at("ReferencingEntityNavigationPropertyName")
                .as_string(),
            "regardingobjectid_contact_new_emailopen");
  const auto mileage =
      get("EntityDefinitions(LogicalName='new_vehicle')/Attributes(LogicalName='new_mileage')");
  EXPECT_EQ(mileage.at("MaxValue").as_double(), 2000000);
  EXPECT_EQ(mileage.at("RequiredLevel").at("Value").as_string(), "None");
  const auto vin =
      get("EntityDefinitions(LogicalName='new_vehicle')/Attributes(LogicalName='new_vin')");
  EXPECT_EQ(vin.at("RequiredLevel").at("Value").as_string(), "ApplicationRequired");
}

TEST_F(DataverseMetadata, UnknownMetadataIsAnError) {
  EXPECT_EQ(client.get(client_t::path("EntityDefinitions(LogicalName='nosuch')")).status, 404);
  EXPECT_EQ(client
                .get(client_t::path(
                    "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='x')"))
                .status,
            404);
  EXPECT_EQ(client.get(client_t::path("EntityDefinitions(LogicalName='contact')/Nope")).status,
            404);
  EXPECT_EQ(client.get(client_t::path("EntityDefinitions?$filter=" + enc("IsActivity eq"))).status,
            400);
  EXPECT_EQ(client.get(client_t::path("EntityDefinitions?$expand=Nope")).status, 400);
}

TEST_F(DataverseMetadata, InvalidDefinitionsAreRejected) {
  for (const auto* body : {R"({"logical_name":"Bad Name"})", R"({"columns":[]})",
                           R"({"logical_name":"new_x","columns":[{"name":"a","type":"Nope"}]})",
                           R"({"logical_name":"new_x","columns":[{"name":"a","type":"Picklist"}]})",
                           R"({"logical_name":"new_x","columns":[{"name":"a","type":"Lookup"}]})",
                           R"({"logical_name":"new_x","keys":[{"name":"k","columns":["nosuch"]}]})",
                           R"({"logical_name":"new_x","entity_set_name":"contacts"})", R"([1])"}) {
    const auto reply = emulator.control("define_table", "POST", json::parse(body));
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 400) << body;
    EXPECT_TRUE(client_t::json(*reply).as_object().contains("error")) << body;
  }
}

}  // namespace
}  // namespace dataverse_metadata_test
}  // namespace switchboard::sandbox
