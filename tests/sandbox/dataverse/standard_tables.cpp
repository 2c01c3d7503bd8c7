// The tables every emulated environment has: contact, account, activities and organization.
#include "sandbox/dataverse/table_schema.hpp"

namespace switchboard::sandbox::dataverse {
namespace {

column_definition column(std::string name, column_type type, int max_length = 0) {
  column_definition c;
  c.logical_name = std::move(name);
  c.type = type;
  c.max_length = max_length;
  return c;
}

column_definition flag(std::string name, std::string false_label, std::string true_label,
                       bool fallback = false) {
  auto c = column(std::move(name), column_type::boolean);
  c.options = {{0, std::move(false_label)}, {1, std::move(true_label)}};
  c.default_value = fallback;
  return c;
}

column_definition activity_state() {
  auto c = column("statecode", column_type::state);
  c.options = {{0, "Open"}, {1, "Completed"}, {2, "Canceled"}, {3, "Scheduled"}};
  c.default_value = 0;
  return c;
}

column_definition activity_status() {
  auto c = column("statuscode", column_type::status);
  c.options = {{1, "Open", 0}, {2, "Completed", 1}, {3, "Canceled", 2}, {4, "Scheduled", 3}};
  c.default_value = 1;
  return c;
}

table_definition contact() {
  table_definition t;
  t.logical_name = "contact";
  t.entity_set_name = "contacts";
  t.primary_id = "contactid";
  t.primary_name = "fullname";
  t.schema_name = "Contact";
  t.display_name = "Contact";
  t.is_custom = false;
  t.change_tracking = true;
  t.columns.push_back(column("contactid", column_type::uniqueidentifier));
  auto first = column("firstname", column_type::string, 50);
  first.display_name = "First Name";
  t.columns.push_back(std::move(first));
  auto last = column("lastname", column_type::string, 50);
  last.display_name = "Last Name";
  t.columns.push_back(std::move(last));
  auto full = column("fullname", column_type::string, 160);
  full.read_only = true;
  full.display_name = "Full Name";
  t.columns.push_back(std::move(full));
  t.columns.push_back(column("emailaddress1", column_type::string, 100));
  t.columns.push_back(column("emailaddress2", column_type::string, 100));
  t.columns.push_back(column("emailaddress3", column_type::string, 100));
  t.columns.push_back(flag("donotemail", "Allow", "Do Not Allow"));
  t.columns.push_back(flag("donotbulkemail", "Allow", "Do Not Allow"));
  t.columns.push_back(flag("donotphone", "Allow", "Do Not Allow"));
  t.columns.push_back(flag("donotfax", "Allow", "Do Not Allow"));
  t.columns.push_back(flag("donotpostalmail", "Allow", "Do Not Allow"));
  t.columns.push_back(flag("donotbulkpostalmail", "No", "Yes"));
  t.columns.push_back(flag("donotsendmm", "Send", "Do Not Send"));
  t.columns.push_back(flag("followemail", "Do Not Allow", "Allow", true));
  t.columns.push_back(column("telephone1", column_type::string, 50));
  t.columns.push_back(column("mobilephone", column_type::string, 50));
  t.columns.push_back(column("jobtitle", column_type::string, 100));
  t.columns.push_back(column("address1_city", column_type::string, 80));
  t.columns.push_back(column("address1_country", column_type::string, 80));
  t.columns.push_back(column("birthdate", column_type::date_only));
  auto gender = column("gendercode", column_type::picklist);
  gender.options = {{1, "Male"}, {2, "Female"}};
  t.columns.push_back(std::move(gender));
  auto method = column("preferredcontactmethodcode", column_type::picklist);
  method.options = {{1, "Any"}, {2, "Email"}, {3, "Phone"}, {4, "Fax"}, {5, "Mail"}};
  method.default_value = 1;
  t.columns.push_back(std::move(method));
  auto children = column("numberofchildren", column_type::integer);
  children.min_value = 0;
  children.max_value = 1000000000;
  t.columns.push_back(std::move(children));
  auto credit = column("creditlimit", column_type::money);
  credit.min_value = 0;
  credit.max_value = 100000000000000.0;
  t.columns.push_back(std::move(credit));
  auto parent = column("parentcustomerid", column_type::customer);
  parent.targets = {"account", "contact"};
  parent.display_name = "Company Name";
  t.columns.push_back(std::move(parent));
  auto state = column("statecode", column_type::state);
  state.options = {{0, "Active"}, {1, "Inactive"}};
  state.default_value = 0;
  t.columns.push_back(std::move(state));
  auto status = column("statuscode", column_type::status);
  status.options = {{1, "Active", 0}, {2, "Inactive", 1}};
  status.default_value = 1;
  t.columns.push_back(std::move(status));
  return complete_definition(std::move(t));
}

table_definition account() {
  table_definition t;
  t.logical_name = "account";
  t.entity_set_name = "accounts";
  t.primary_id = "accountid";
  t.primary_name = "name";
  t.schema_name = "Account";
  t.display_name = "Account";
  t.is_custom = false;
  t.columns.push_back(column("accountid", column_type::uniqueidentifier));
  t.columns.push_back(column("name", column_type::string, 160));
  t.columns.push_back(column("accountnumber", column_type::string, 20));
  t.columns.push_back(column("emailaddress1", column_type::string, 100));
  t.columns.push_back(column("telephone1", column_type::string, 50));
  t.columns.push_back(column("numberofemployees", column_type::integer));
  t.columns.push_back(column("revenue", column_type::money));
  auto primary = column("primarycontactid", column_type::lookup);
  primary.targets = {"contact"};
  primary.navigation = "primarycontactid";
  t.columns.push_back(std::move(primary));
  return complete_definition(std::move(t));
}

table_definition activitypointer() {
  table_definition t;
  t.logical_name = "activitypointer";
  t.entity_set_name = "activitypointers";
  t.primary_id = "activityid";
  t.primary_name = "subject";
  t.schema_name = "ActivityPointer";
  t.display_name = "Activity";
  t.is_custom = false;
  t.change_tracking = false;
  t.columns.push_back(column("activityid", column_type::uniqueidentifier));
  t.columns.push_back(column("subject", column_type::string, 400));
  auto type_code = column("activitytypecode", column_type::string, 64);
  type_code.read_only = true;
  t.columns.push_back(std::move(type_code));
  t.columns.push_back(column("regardingobjectid", column_type::lookup));
  t.columns.push_back(column("description", column_type::memo));
  t.columns.push_back(activity_state());
  t.columns.push_back(activity_status());
  return complete_definition(std::move(t));
}

table_definition activityparty() {
  table_definition t;
  t.logical_name = "activityparty";
  t.entity_set_name = "activityparties";
  t.primary_id = "activitypartyid";
  t.primary_name = "addressused";
  t.schema_name = "ActivityParty";
  t.display_name = "Activity Party";
  t.is_custom = false;
  t.change_tracking = false;
  t.columns.push_back(column("activitypartyid", column_type::uniqueidentifier));
  auto activity = column("activityid", column_type::lookup);
  activity.targets = {"activitypointer"};
  activity.navigation = "activityid_activitypointer";
  t.columns.push_back(std::move(activity));
  auto party = column("partyid", column_type::customer);
  party.targets = {"contact", "account"};
  t.columns.push_back(std::move(party));
  auto mask = column("participationtypemask", column_type::picklist);
  mask.options = {{1, "Sender"},        {2, "To Recipient"},      {3, "CC Recipient"},
                  {4, "BCC Recipient"}, {5, "Required attendee"}, {6, "Optional attendee"},
                  {7, "Organizer"},     {8, "Regarding"},         {9, "Owner"},
                  {10, "Resource"},     {11, "Customer"},         {12, "Chat Participant"}};
  t.columns.push_back(std::move(mask));
  t.columns.push_back(column("addressused", column_type::string, 320));
  return complete_definition(std::move(t));
}

table_definition organization() {
  table_definition t;
  t.logical_name = "organization";
  t.entity_set_name = "organizations";
  t.primary_id = "organizationid";
  t.primary_name = "name";
  t.schema_name = "Organization";
  t.display_name = "Organization";
  t.is_custom = false;
  t.change_tracking = false;
  t.columns.push_back(column("organizationid", column_type::uniqueidentifier));
  t.columns.push_back(column("name", column_type::string, 160));
  auto expiry = column("expirechangetrackingindays", column_type::integer);
  expiry.min_value = 0;
  expiry.max_value = 365;
  t.columns.push_back(std::move(expiry));
  return complete_definition(std::move(t));
}

}  // namespace

std::vector<table_definition> standard_tables() {
  return {contact(), account(), activitypointer(), activityparty(), organization()};
}

}  // namespace switchboard::sandbox::dataverse
