// compiled_mapping::build: key, apply_updates, replacements, picklist labels or values.
#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace {

namespace json = boost::json;
namespace m = switchboard::mapping;

json::object object_of(std::string_view text) { return json::parse(text).as_object(); }

m::compiled_mapping compile(std::string_view mapping_json, const m::source_schema* source = nullptr,
                            const m::target_schema* target = nullptr) {
  return m::compiled_mapping::compile(m::parse_mapping(object_of(mapping_json), "r"), source,
                                      target);
}

constexpr std::string_view contacts = R"({
  "name": "contacts",
  "source": {"table": "contact", "key": "contactid"},
  "target": {"resource": "profile", "key": "externalId"},
  "fields": [
    {"source": "firstname", "target": "firstName"},
    {"source": "emailaddress1", "target": "email", "apply_updates": false},
    {"source": "donotemail", "target": "blackListEmail"}
  ]
})";

TEST(BuildPayload, PutsTheKeyIntoCreateOnly) {
  const auto c = compile(contacts);
  const auto p = c.build(object_of(R"({"contactid": "c-1", "firstname": "Ada",
                                       "emailaddress1": "ada@example.com", "donotemail": false})"),
                         "c-1");
  EXPECT_EQ(p.create, object_of(R"({"externalId": "c-1", "firstName": "Ada",
                                    "email": "ada@example.com", "blackListEmail": false})"));
  EXPECT_FALSE(p.update.contains("externalId"));
  // The key leads the create payload.
  EXPECT_EQ(p.create.begin()->key(), "externalId");
}

TEST(BuildPayload, LeavesFieldsWithoutApplyUpdatesOutOfUpdate) {
  const auto c = compile(contacts);
  const auto p = c.build(object_of(R"({"firstname": "Ada", "emailaddress1": "ada@example.com",
                                       "donotemail": true})"),
                         "c-1");
  EXPECT_EQ(p.create.at("email"), json::value("ada@example.com"));
  EXPECT_EQ(p.update, object_of(R"({"firstName": "Ada", "blackListEmail": true})"));
}

TEST(BuildPayload, WritesNullForMissingAndNullFields) {
  const auto c = compile(contacts);
  const auto p = c.build(object_of(R"({"firstname": null})"), "c-2");
  EXPECT_EQ(p.create, object_of(R"({"externalId": "c-2", "firstName": null, "email": null,
                                    "blackListEmail": null})"));
  EXPECT_EQ(p.update, object_of(R"({"firstName": null, "blackListEmail": null})"));
}

TEST(BuildPayload, IgnoresUnmappedSourceFields) {
  const auto c = compile(contacts);
  const auto p = c.build(object_of(R"({"firstname": "Ada", "lastname": "Lovelace"})"), "k");
  EXPECT_FALSE(p.create.contains("lastname"));
  EXPECT_EQ(p.create.size(), 4U);
}

constexpr std::string_view with_replacements = R"({
  "source": {"table": "contact"},
  "target": {"resource": "profile", "key": "externalId"},
  "fields": [{"source": "code", "target": "out"}],
  "replacements": [
    {"field": "code", "from": 1, "to": "one"},
    {"field": "code", "from": "1", "to": "string one"},
    {"field": "code", "from": true, "to": "yes"},
    {"field": "code", "from": null, "to": "none"},
    {"field": "code", "from": "Green", "to": "#00FF00"}
  ]
})";

json::value replaced(const m::compiled_mapping& c, json::value in) {
  return c.build(json::object{{"code", std::move(in)}}, "k").create.at("out");
}

TEST(Replacements, MatchNumbersByValue) {
  const auto c = compile(with_replacements);
  EXPECT_EQ(replaced(c, 1), json::value("one"));
  EXPECT_EQ(replaced(c, 1.0), json::value("one"));
  EXPECT_EQ(replaced(c, json::value(std::uint64_t{1})), json::value("one"));
  EXPECT_EQ(replaced(c, 2), json::value(2));
  EXPECT_EQ(replaced(c, 1.5), json::value(1.5));
}

TEST(Replacements, MatchStringsExactlyAndCaseSensitively) {
  const auto c = compile(with_replacements);
  EXPECT_EQ(replaced(c, "1"), json::value("string one"));
  EXPECT_EQ(replaced(c, "Green"), json::value("#00FF00"));
  EXPECT_EQ(replaced(c, "green"), json::value("green"));
  EXPECT_EQ(replaced(c, "Green "), json::value("Green "));
}

TEST(Replacements, MatchBooleansAndNullByKind) {
  const auto c = compile(with_replacements);
  EXPECT_EQ(replaced(c, true), json::value("yes"));
  EXPECT_EQ(replaced(c, false), json::value(false));
  EXPECT_EQ(replaced(c, nullptr), json::value("none"));
  // A missing field is null, so the null replacement applies too.
  EXPECT_EQ(c.build(json::object{}, "k").create.at("out"), json::value("none"));
}

TEST(Replacements, ResultIsConvertedToTheTargetType) {
  const m::target_schema target{
      .resource = "profile",
      .fields = {{"externalId", m::target_type::string}, {"cusKids", m::target_type::integer}},
      .unique_fields = {}};
  const auto c = compile(R"({
    "source": {"table": "contact"},
    "target": {"resource": "profile", "key": "externalId"},
    "fields": [{"source": "kids", "target": "cusKids"}],
    "replacements": [{"field": "kids", "from": "many", "to": "10"}, {"field": "kids", "from": null, "to": 0}]
  })",
                         nullptr, &target);
  EXPECT_EQ(c.build(object_of(R"({"kids": "many"})"), "k").create.at("cusKids"), json::value(10));
  EXPECT_EQ(c.build(object_of(R"({"kids": null})"), "k").create.at("cusKids"), json::value(0));
  EXPECT_EQ(c.build(object_of(R"({"kids": "3"})"), "k").create.at("cusKids"), json::value(3));
}

m::source_schema contact_schema() {
  return {.table = "contact",
          .primary_key = "contactid",
          .columns = {{"contactid", m::source_type::uniqueidentifier},
                      {"gendercode", m::source_type::picklist},
                      {"donotemail", m::source_type::boolean}}};
}

constexpr std::string_view gender_values = R"({
  "source": {"table": "contact"},
  "target": {"resource": "profile", "key": "externalId"},
  "fields": [{"source": "gendercode", "target": "gender"}, {"source": "donotemail", "target": "noEmail"}],
  "replacements": [{"field": "gendercode", "from": 1, "to": "male"}]
})";

constexpr std::string_view gender_labels = R"({
  "source": {"table": "contact"},
  "target": {"resource": "profile", "key": "externalId"},
  "fields": [{"source": "gendercode", "target": "gender"}, {"source": "donotemail", "target": "noEmail"}],
  "replacements": [{"field": "gendercode", "from": "Female", "to": "female"}],
  "picklists": "label"
})";

constexpr std::string_view annotated_record = R"({
  "gendercode": 2, "gendercode@OData.Community.Display.V1.FormattedValue": "Female",
  "donotemail": true, "donotemail@OData.Community.Display.V1.FormattedValue": "Do Not Allow"
})";

TEST(Picklists, WriteTechnicalValuesByDefault) {
  const auto schema = contact_schema();
  const auto c = compile(gender_values, &schema);
  EXPECT_EQ(c.build(object_of(annotated_record), "k").create.at("gender"), json::value(2));
  EXPECT_EQ(c.build(object_of(R"({"gendercode": 1})"), "k").create.at("gender"),
            json::value("male"));
}

TEST(Picklists, WriteLabelsWhenAsked) {
  const auto schema = contact_schema();
  const auto c = compile(gender_labels, &schema);
  auto record = object_of(annotated_record);
  EXPECT_EQ(c.build(record, "k").create.at("gender"), json::value("female"));
  record["gendercode@OData.Community.Display.V1.FormattedValue"] = "Other";
  EXPECT_EQ(c.build(record, "k").create.at("gender"), json::value("Other"));
  // Only picklist columns use their label; a boolean keeps its value.
  EXPECT_EQ(c.build(record, "k").create.at("noEmail"), json::value(true));
  EXPECT_TRUE(c.build(object_of(R"({"gendercode": null})"), "k").create.at("gender").is_null());
}

TEST(Picklists, ReplacementsMatchLabelsInLabelMode) {
  const auto schema = contact_schema();
  const auto c = compile(gender_labels, &schema);
  // The technical value 1 is never compared in label mode.
  EXPECT_EQ(c.build(object_of(R"({"gendercode": 1,
      "gendercode@OData.Community.Display.V1.FormattedValue": "Male"})"),
                    "k")
                .create.at("gender"),
            json::value("Male"));
}

TEST(Picklists, MissingLabelIsAValueError) {
  const auto schema = contact_schema();
  const auto c = compile(gender_labels, &schema);
  try {
    (void)c.build(object_of(R"({"gendercode": 2})"), "k");
    FAIL() << "no error";
  } catch (const m::value_error& e) {
    EXPECT_STREQ(
        e.what(),
        R"(mapping "r": field "gendercode" → "gender": no label for value 2 (the record has no string "gendercode@OData.Community.Display.V1.FormattedValue"))");
  }
}

TEST(Picklists, WithoutSchemaUseAnyLabelTheRecordCarries) {
  const auto c = compile(gender_labels);
  const auto p = c.build(object_of(annotated_record), "k");
  EXPECT_EQ(p.create.at("gender"), json::value("female"));
  EXPECT_EQ(p.create.at("noEmail"), json::value("Do Not Allow"));
  EXPECT_EQ(c.build(object_of(R"({"gendercode": 2})"), "k").create.at("gender"), json::value(2));
}

TEST(Picklists, WithoutSchemaIgnoreLabelsInValueMode) {
  const auto c = compile(gender_values);
  EXPECT_EQ(c.build(object_of(annotated_record), "k").create.at("noEmail"), json::value(true));
}

TEST(Links, PassTheResolvedReference) {
  const auto c = compile(R"({
    "source": {"table": "new_vehicle"},
    "target": {"resource": "cusVehicle", "key": "crmId"},
    "fields": [{"source": "_new_contactid_value", "target": "cusProfile", "link": "contacts",
                "apply_updates": false}]
  })");
  const auto p = c.build(object_of(R"({"_new_contactid_value": {"PKey": "@xyz"}})"), "v-1");
  EXPECT_EQ(p.create, object_of(R"({"crmId": "v-1", "cusProfile": {"PKey": "@xyz"}})"));
  EXPECT_TRUE(p.update.empty());
}

}  // namespace
