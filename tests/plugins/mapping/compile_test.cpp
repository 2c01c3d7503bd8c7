// compiled_mapping::compile: checks against the source and target schemas.
#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace {

namespace json = boost::json;
namespace m = switchboard::mapping;

m::source_schema contact_schema() {
  m::source_schema s;
  s.table = "contact";
  s.primary_key = "contactid";
  s.columns = {
      {"contactid", m::source_type::uniqueidentifier},
      {"firstname", m::source_type::string},
      {"emailaddress1", m::source_type::string},
      {"donotemail", m::source_type::boolean},
      {"numberofchildren", m::source_type::integer},
      {"creditlimit", m::source_type::decimal},
      {"birthdate", m::source_type::date_only},
      {"modifiedon", m::source_type::date_time},
      {"gendercode", m::source_type::picklist},
      {"statecode", m::source_type::picklist},
      {"_parentcustomerid_value", m::source_type::lookup},
      {"new_misc", m::source_type::other},
  };
  return s;
}

m::target_schema profile_schema() {
  m::target_schema t;
  t.resource = "profile";
  t.fields = {
      {"externalId", m::target_type::string},
      {"firstName", m::target_type::string},
      {"email", m::target_type::string},
      {"blackListEmail", m::target_type::boolean},
      {"cusKids", m::target_type::integer},
      {"cusBirth", m::target_type::date},
      {"gender", m::target_type::enumeration},
      {"cusCompany", m::target_type::link},
      {"cusLimit", m::target_type::double_precision},
  };
  t.unique_fields = {"externalId"};
  return t;
}

m::mapping_spec spec_of(std::string_view fields_json, std::string_view extra = "") {
  std::string text = R"({"name": "contacts", "source": {"table": "contact"},
    "target": {"resource": "profile", "key": "externalId"}, "fields": )";
  text += fields_json;
  if (!extra.empty()) {
    text += ", ";
    text += extra;
  }
  text += "}";
  return m::parse_mapping(json::parse(text).as_object(), "r");
}

std::string compile_error(const m::mapping_spec& spec, const m::source_schema* source,
                          const m::target_schema* target) {
  try {
    (void)m::compiled_mapping::compile(spec, source, target);
  } catch (const m::mapping_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CompileMapping, TakesTheSourceKeyFromTheSchema) {
  const auto source = contact_schema();
  const auto c = m::compiled_mapping::compile(
      spec_of(R"([{"source": "firstname", "target": "firstName"}])"), &source, nullptr);
  EXPECT_EQ(c.spec().source_key, "contactid");
  EXPECT_EQ(c.spec().source_columns(), (std::vector<std::string>{"contactid", "firstname"}));
}

TEST(CompileMapping, KeepsAnExplicitSourceKey) {
  const auto source = contact_schema();
  auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  spec.source_key = "emailaddress1";
  EXPECT_EQ(m::compiled_mapping::compile(spec, &source, nullptr).spec().source_key,
            "emailaddress1");
}

TEST(CompileMapping, WithoutSchemasAcceptsAnyNames) {
  const auto c = m::compiled_mapping::compile(
      spec_of(R"([{"source": "whatever", "target": "anything"}])"), nullptr, nullptr);
  EXPECT_EQ(c.spec().source_key, "");
  EXPECT_EQ(c.spec().name, "contacts");
}

TEST(CompileMapping, AcceptsAFullMappingAgainstBothSchemas) {
  const auto source = contact_schema();
  const auto target = profile_schema();
  const auto spec = spec_of(R"([
      {"source": "firstname", "target": "firstName"},
      {"source": "donotemail", "target": "blackListEmail"},
      {"source": "numberofchildren", "target": "cusKids"},
      {"source": "birthdate", "target": "cusBirth"},
      {"source": "gendercode", "target": "gender"},
      {"source": "creditlimit", "target": "cusLimit"},
      {"source": "_parentcustomerid_value", "target": "cusCompany", "link": "accounts"}])",
                            R"("replacements": [{"field": "gendercode", "from": 1, "to": "male"}],
      "filters": {"rules": [{"field": "statecode", "op": "in", "value": [0, 1]},
                            {"field": "modifiedon", "op": "ge", "value": "2024-01-01"}]})");
  EXPECT_NO_THROW((void)m::compiled_mapping::compile(spec, &source, &target));
}

TEST(CompileMapping, RejectsUnknownSourceColumns) {
  const auto source = contact_schema();
  EXPECT_EQ(
      compile_error(spec_of(R"([{"source": "lastname", "target": "lastName"},
                                      {"source": "emailaddress1", "target": "email"},
                                      {"source": "x", "target": "y"},
                                      {"source": "firstnam", "target": "firstName"}])"),
                    &source, nullptr),
      R"(mapping "contacts": /fields/0/source: no column "lastname" in Dataverse table contact)");
  auto spec = spec_of(R"([{"source": "emailaddress1", "target": "email"},
                          {"source": "donotemail", "target": "x"},
                          {"source": "firstname", "target": "y"},
                          {"source": "firstnam", "target": "firstName"}])");
  EXPECT_EQ(
      compile_error(spec, &source, nullptr),
      R"(mapping "contacts": /fields/3/source: no column "firstnam" in Dataverse table contact)");
}

TEST(CompileMapping, RejectsUnknownFilterColumns) {
  const auto source = contact_schema();
  const auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])",
                            R"("filters": {"rules": [{"field": "statecode", "op": "eq", "value": 0},
                                                     {"field": "statuscode", "op": "eq", "value": 1}]})");
  EXPECT_EQ(
      compile_error(spec, &source, nullptr),
      R"(mapping "contacts": /filters/rules/1/field: no column "statuscode" in Dataverse table contact)");
}

TEST(CompileMapping, RejectsAnUnknownExplicitSourceKey) {
  const auto source = contact_schema();
  auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  spec.source_key = "id";
  EXPECT_EQ(compile_error(spec, &source, nullptr),
            R"(mapping "contacts": /source/key: no column "id" in Dataverse table contact)");
}

TEST(CompileMapping, RejectsAMissingSourceKey) {
  auto source = contact_schema();
  source.primary_key.clear();
  EXPECT_EQ(
      compile_error(spec_of(R"([{"source": "firstname", "target": "firstName"}])"), &source,
                    nullptr),
      R"(mapping "contacts": /source/key: no key given and the schema of Dataverse table contact names no primary key)");
}

TEST(CompileMapping, RejectsASchemaOfAnotherTableOrResource) {
  auto source = contact_schema();
  source.table = "account";
  const auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  EXPECT_EQ(
      compile_error(spec, &source, nullptr),
      R"(mapping "contacts": /source/table: the source schema describes Dataverse table account, not contact)");
  auto target = profile_schema();
  target.resource = "cusVehicle";
  EXPECT_EQ(
      compile_error(spec, nullptr, &target),
      R"(mapping "contacts": /target/resource: the target schema describes Campaign resource cusVehicle, not profile)");
}

TEST(CompileMapping, RejectsUnknownTargetFields) {
  const auto target = profile_schema();
  EXPECT_EQ(
      compile_error(spec_of(R"([{"source": "firstname", "target": "firstName"},
                                      {"source": "lastname", "target": "lastName"}])"),
                    nullptr, &target),
      R"(mapping "contacts": /fields/1/target: no field "lastName" in Campaign resource profile)");
}

TEST(CompileMapping, RejectsATargetKeyThatIsNoField) {
  const auto target = profile_schema();
  auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  spec.target_key = "crmId";
  EXPECT_EQ(compile_error(spec, nullptr, &target),
            R"(mapping "contacts": /target/key: no field "crmId" in Campaign resource profile)");
}

TEST(CompileMapping, RejectsATargetKeyThatIsNotUnique) {
  const auto target = profile_schema();
  auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  spec.target_key = "email";
  EXPECT_EQ(
      compile_error(spec, nullptr, &target),
      R"(mapping "contacts": /target/key: Campaign key "email" of profile is not unique (identification key fields: externalId))");
}

TEST(CompileMapping, SkipsTheUniquenessCheckWhenTheMetadataIsSilent) {
  auto target = profile_schema();
  target.unique_fields.clear();
  auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  spec.target_key = "email";
  EXPECT_NO_THROW((void)m::compiled_mapping::compile(spec, nullptr, &target));
}

TEST(CompileMapping, RejectsALinkAsTargetKey) {
  auto target = profile_schema();
  target.unique_fields.clear();
  auto spec = spec_of(R"([{"source": "firstname", "target": "firstName"}])");
  spec.target_key = "cusCompany";
  EXPECT_EQ(
      compile_error(spec, nullptr, &target),
      R"(mapping "contacts": /target/key: "cusCompany" is a link of Campaign resource profile, not a key field)");
}

TEST(CompileMapping, RejectsALinkRouteToAPlainField) {
  const auto target = profile_schema();
  EXPECT_EQ(
      compile_error(spec_of(R"([{"source": "_parentcustomerid_value", "target": "firstName",
                                       "link": "accounts"}])"),
                    nullptr, &target),
      R"(mapping "contacts": /fields/0/link: "firstName" is a string field of Campaign resource profile, not a link)");
}

TEST(CompileMapping, RejectsALinkFieldWithoutRoute) {
  const auto target = profile_schema();
  EXPECT_EQ(
      compile_error(spec_of(R"([{"source": "_parentcustomerid_value", "target": "cusCompany"}])"),
                    nullptr, &target),
      R"(mapping "contacts": /fields/0/target: "cusCompany" is a link of Campaign resource profile; set "link" to the route whose records it points to)");
}

TEST(CompileMapping, RejectsALinkFromANonLookupColumn) {
  const auto source = contact_schema();
  EXPECT_EQ(
      compile_error(spec_of(R"([{"source": "emailaddress1", "target": "cusCompany",
                                       "link": "accounts"}])"),
                    &source, nullptr),
      R"(mapping "contacts": /fields/0/source: "emailaddress1" is a String column; a link needs a Lookup column)");
}

TEST(CompileMapping, RejectsAReplacementTargetValueThatCannotConvert) {
  const auto target = profile_schema();
  const auto spec = spec_of(R"([{"source": "numberofchildren", "target": "cusKids"}])",
                            R"("replacements": [{"field": "numberofchildren", "from": 0, "to": 1},
                                                {"field": "numberofchildren", "from": 1, "to": "one"}])");
  EXPECT_EQ(
      compile_error(spec, nullptr, &target),
      R"(mapping "contacts": /replacements/1/to: cannot convert "one" to integer (target field "cusKids"))");
}

TEST(CompileMapping, AcceptsReplacementTargetValuesThatConvert) {
  const auto target = profile_schema();
  const auto spec =
      spec_of(R"([{"source": "numberofchildren", "target": "cusKids"}])",
              R"("replacements": [{"field": "numberofchildren", "from": 0, "to": "10"},
                                                {"field": "numberofchildren", "from": 1, "to": null},
                                                {"field": "numberofchildren", "from": 2, "to": 2.0}])");
  EXPECT_NO_THROW((void)m::compiled_mapping::compile(spec, nullptr, &target));
}

TEST(CompileMapping, RejectsReplacementSourceValuesOfTheWrongKind) {
  const auto source = contact_schema();
  const auto spec =
      spec_of(R"([{"source": "gendercode", "target": "gender"}])",
              R"("replacements": [{"field": "gendercode", "from": "1", "to": "male"}])");
  EXPECT_EQ(
      compile_error(spec, &source, nullptr),
      R"(mapping "contacts": /replacements/0/from: "1" never matches column "gendercode": it is Picklist, whose values are numbers)");
}

TEST(CompileMapping, ReplacementsOfLabelsMatchStrings) {
  const auto source = contact_schema();
  auto spec = spec_of(R"([{"source": "gendercode", "target": "gender"}])",
                      R"("replacements": [{"field": "gendercode", "from": 1, "to": "male"}],
                         "picklists": "label")");
  EXPECT_EQ(
      compile_error(spec, &source, nullptr),
      R"(mapping "contacts": /replacements/0/from: 1 never matches column "gendercode": it is Picklist (labels), whose values are strings)");
  spec.replacements[0].from = "Male";
  EXPECT_NO_THROW((void)m::compiled_mapping::compile(spec, &source, nullptr));
}

TEST(CompileMapping, RejectsFilterValuesOfTheWrongKind) {
  const auto source = contact_schema();
  EXPECT_EQ(
      compile_error(
          spec_of(R"([{"source": "firstname", "target": "firstName"}])",
                  R"("filters": {"rules": [{"field": "statecode", "op": "eq", "value": "0"}]})"),
          &source, nullptr),
      R"(mapping "contacts": /filters/rules/0/value: "0" never matches column "statecode": it is Picklist, whose values are numbers)");
  EXPECT_EQ(
      compile_error(
          spec_of(
              R"([{"source": "firstname", "target": "firstName"}])",
              R"("filters": {"rules": [{"field": "donotemail", "op": "in", "value": [true, 0]}]})"),
          &source, nullptr),
      R"(mapping "contacts": /filters/rules/0/value/1: 0 never matches column "donotemail": it is Boolean, whose values are booleans)");
  EXPECT_EQ(
      compile_error(
          spec_of(
              R"([{"source": "firstname", "target": "firstName"}])",
              R"("filters": {"rules": [{"field": "numberofchildren", "op": "contains", "value": "1"}]})"),
          &source, nullptr),
      R"(mapping "contacts": /filters/rules/0/value: "1" never matches column "numberofchildren": it is Integer, whose values are numbers)");
  // Filters compare technical values also when labels are written.
  EXPECT_NO_THROW((void)m::compiled_mapping::compile(
      spec_of(
          R"([{"source": "firstname", "target": "firstName"}])",
          R"("picklists": "label", "filters": {"rules": [{"field": "statecode", "op": "eq", "value": 0}]})"),
      &source, nullptr));
  // Columns of other types take any value.
  EXPECT_NO_THROW((void)m::compiled_mapping::compile(
      spec_of(R"([{"source": "firstname", "target": "firstName"}])",
              R"("filters": {"rules": [{"field": "new_misc", "op": "eq", "value": 3}]})"),
      &source, nullptr));
}

TEST(CompileMapping, ChecksASpecBuiltInCode) {
  m::mapping_spec spec;
  spec.name = "built";
  spec.source_table = "contact";
  spec.target_resource = "profile";
  spec.target_key = "externalId";
  EXPECT_EQ(compile_error(spec, nullptr, nullptr),
            R"(mapping "built": /fields: must list at least one field)");
  m::field_spec a;
  a.source = "a";
  a.target = "x";
  m::field_spec b = a;
  b.source = "b";
  spec.fields = {a, b};
  EXPECT_EQ(
      compile_error(spec, nullptr, nullptr),
      R"(mapping "built": /fields/1/target: two source fields map to target field "x": "a" (/fields/0) and "b"; a target field takes one source field)");
}

TEST(CompileMapping, MovesAndKeepsTheSpec) {
  auto c = m::compiled_mapping::compile(spec_of(R"([{"source": "a", "target": "b"}])"), nullptr,
                                        nullptr);
  auto moved = std::move(c);
  EXPECT_EQ(moved.spec().fields.at(0).target, "b");
  auto other = m::compiled_mapping::compile(spec_of(R"([{"source": "c", "target": "d"}])"), nullptr,
                                            nullptr);
  other = std::move(moved);
  EXPECT_EQ(other.spec().fields.at(0).source, "a");
}

}  // namespace
