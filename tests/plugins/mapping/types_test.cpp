// Type names, metadata type mapping, the source schema document, payload_hash and
// to_campaign_datetime.
#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace {

namespace json = boost::json;
namespace m = switchboard::mapping;
using st = m::source_type;
using tt = m::target_type;

TEST(SourceTypes, MapAttributeTypes) {
  const std::pair<std::string_view, st> cases[] = {
      {"Boolean", st::boolean},
      {"Integer", st::integer},
      {"BigInt", st::integer},
      {"Decimal", st::decimal},
      {"Money", st::decimal},
      {"Double", st::double_precision},
      {"String", st::string},
      {"Memo", st::string},
      {"EntityName", st::string},
      {"DateTime", st::date_time},
      {"DateOnly", st::date_only},
      {"Date", st::date_only},
      {"Picklist", st::picklist},
      {"State", st::picklist},
      {"Status", st::picklist},
      {"Lookup", st::lookup},
      {"Customer", st::lookup},
      {"Owner", st::lookup},
      {"Uniqueidentifier", st::uniqueidentifier},
      {"MultiSelectPicklist", st::other},
      {"PartyList", st::other},
      {"Virtual", st::other},
      {"string", st::other},
      {"", st::other},
  };
  for (const auto& [name, type] : cases) {
    EXPECT_EQ(m::source_type_from_attribute(name), type) << name;
  }
}

TEST(SourceTypes, NamesReadBack) {
  for (const auto t :
       {st::boolean, st::integer, st::decimal, st::double_precision, st::string, st::date_time,
        st::date_only, st::picklist, st::lookup, st::uniqueidentifier, st::other}) {
    EXPECT_EQ(m::source_type_from_attribute(m::to_string(t)), t) << m::to_string(t);
  }
  EXPECT_EQ(m::to_string(st::integer), "Integer");
  EXPECT_EQ(m::to_string(st::date_only), "DateOnly");
}

TEST(TargetTypes, MapMetadataTypes) {
  const std::pair<std::string_view, tt> cases[] = {
      {"boolean", tt::boolean},
      {"byte", tt::integer},
      {"short", tt::integer},
      {"long", tt::integer},
      {"int64", tt::integer},
      {"integer", tt::integer},
      {"int", tt::integer},
      {"float", tt::float_single},
      {"double", tt::double_precision},
      {"number", tt::double_precision},
      {"string", tt::string},
      {"memo", tt::string},
      {"text", tt::string},
      {"uuid", tt::string},
      {"datetime", tt::date_time},
      {"timestamp", tt::date_time},
      {"date", tt::date},
      {"enumeration", tt::enumeration},
      {"link", tt::link},
      {"collection", tt::other},
      {"String", tt::other},
      {"", tt::other},
  };
  for (const auto& [name, type] : cases) {
    EXPECT_EQ(m::target_type_from_metadata(name), type) << name;
  }
}

TEST(TargetTypes, NamesReadBack) {
  for (const auto t : {tt::boolean, tt::integer, tt::float_single, tt::double_precision, tt::string,
                       tt::date_time, tt::date, tt::enumeration, tt::link, tt::other}) {
    EXPECT_EQ(m::target_type_from_metadata(m::to_string(t)), t) << m::to_string(t);
  }
}

m::source_schema sample_schema() {
  m::source_schema s;
  s.table = "contact";
  s.primary_key = "contactid";
  s.columns = {{"contactid", st::uniqueidentifier},
               {"firstname", st::string},
               {"birthdate", st::date_only},
               {"statecode", st::picklist},
               {"_parentcustomerid_value", st::lookup},
               {"new_misc", st::other},
               {"creditlimit", st::decimal}};
  return s;
}

TEST(SourceSchema, RoundTripsThroughJson) {
  const auto s = sample_schema();
  const auto j = s.to_json();
  EXPECT_EQ(j.at("table"), json::value("contact"));
  EXPECT_EQ(j.at("primary_key"), json::value("contactid"));
  EXPECT_EQ(j.at("columns").at("firstname"), json::value("String"));
  const auto back = m::source_schema::from_json(j);
  EXPECT_EQ(back.table, s.table);
  EXPECT_EQ(back.primary_key, s.primary_key);
  EXPECT_EQ(back.columns, s.columns);
  // Also through text, as stored in the route's key-value state.
  const auto reparsed = m::source_schema::from_json(json::parse(json::serialize(j)).as_object());
  EXPECT_EQ(reparsed.columns, s.columns);
}

TEST(SourceSchema, ReadsDataverseNamesAndIgnoresUnknownKeys) {
  const auto s = m::source_schema::from_json(json::parse(R"({
    "table": "contact", "primary_key": "", "version": 2,
    "columns": {"creditlimit": "Money", "notes": "Memo", "x": "Virtual"}})")
                                                 .as_object());
  EXPECT_EQ(s.primary_key, "");
  EXPECT_EQ(s.columns.at("creditlimit"), st::decimal);
  EXPECT_EQ(s.columns.at("notes"), st::string);
  EXPECT_EQ(s.columns.at("x"), st::other);
}

std::string schema_error(std::string_view text) {
  try {
    (void)m::source_schema::from_json(json::parse(text).as_object());
  } catch (const m::mapping_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SourceSchema, RejectsMalformedDocuments) {
  EXPECT_EQ(schema_error(R"({"primary_key": "id", "columns": {}})"),
            "source schema: /table: required key is missing");
  EXPECT_EQ(schema_error(R"({"table": "", "primary_key": "id", "columns": {}})"),
            "source schema: /table: must not be empty");
  EXPECT_EQ(schema_error(R"({"table": 1, "primary_key": "id", "columns": {}})"),
            "source schema: /table: expected a string, got number 1");
  EXPECT_EQ(schema_error(R"({"table": "t", "columns": {}})"),
            "source schema: /primary_key: required key is missing");
  EXPECT_EQ(schema_error(R"({"table": "t", "primary_key": "id"})"),
            "source schema: /columns: required key is missing");
  EXPECT_EQ(schema_error(R"({"table": "t", "primary_key": "id", "columns": []})"),
            "source schema: /columns: expected an object, got array");
  EXPECT_EQ(schema_error(R"({"table": "t", "primary_key": "id", "columns": {"a/b": 5}})"),
            "source schema: /columns/a~1b: expected a type name string, got number 5");
}

TEST(PayloadHash, IsStableAcrossKeyOrder) {
  const auto a = json::parse(R"({"b": 1, "a": {"y": [1, "x"], "x": null}, "c": "z"})").as_object();
  const auto b = json::parse(R"({"c": "z", "a": {"x": null, "y": [1, "x"]}, "b": 1})").as_object();
  EXPECT_EQ(m::payload_hash(a), m::payload_hash(b));
  EXPECT_EQ(m::payload_hash(a).size(), 64U);
  EXPECT_EQ(m::payload_hash(a).find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(PayloadHash, IsTheSha256OfTheCanonicalJson) {
  // sha256('{}') and sha256('{"a":1}'), computed independently.
  EXPECT_EQ(m::payload_hash(json::object{}),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  EXPECT_EQ(m::payload_hash(json::object{{"a", 1}}),
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
}

TEST(PayloadHash, AHasherUsedAgainAndAgainGivesPayloadHashEachTime) {
  m::payload_hasher hasher;
  const std::vector<std::string> documents = {
      R"({})", R"({"a": 1})",
      R"({"name": "Zoë \"quoted\" \\ \u0001", "n": -12, "d": 0.1, "big": 18446744073709551615})",
      R"({"b": [1, 2.5, null, true, {"z": 1, "a": [[], {}]}], "a": "x"})", R"({"a": 1})"};
  for (const auto& text : documents) {
    const auto payload = json::parse(text).as_object();
    EXPECT_EQ(hasher(payload), m::payload_hash(payload)) << text;
  }
  // Not a copy of the previous text: a shorter payload after a longer one.
  EXPECT_EQ(hasher(json::object{}),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(PayloadHash, DiffersForDifferentValues) {
  const auto base = json::parse(R"({"a": 1, "b": "x"})").as_object();
  const std::string h = m::payload_hash(base);
  for (const std::string_view other :
       {R"({"a": 2, "b": "x"})", R"({"a": 1, "b": "X"})", R"({"a": 1, "b": "x", "c": null})",
        R"({"a": 1})", R"({"a": "1", "b": "x"})", R"({"a": true, "b": "x"})",
        R"({"a": [1], "b": "x"})", R"({"b": 1, "a": "x"})"}) {
    EXPECT_NE(m::payload_hash(json::parse(other).as_object()), h) << other;
  }
}

TEST(PayloadHash, DistinguishesIntegerAndDouble) {
  EXPECT_NE(m::payload_hash(json::object{{"a", 1}}), m::payload_hash(json::object{{"a", 1.0}}));
  EXPECT_EQ(m::payload_hash(json::object{{"a", 1.5}}), m::payload_hash(json::object{{"a", 1.5}}));
}

TEST(CampaignDateTime, ConvertsDataverseForms) {
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:00Z"), "2024-05-01 13:45:00.000Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:07.5Z"), "2024-05-01 13:45:07.500Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:07.12Z"), "2024-05-01 13:45:07.120Z");
  // Fractions beyond milliseconds are truncated, never rounded into the next second.
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:07.9999999Z"), "2024-05-01 13:45:07.999Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01t13:45:00z"), "2024-05-01 13:45:00.000Z");
  // Campaign's own form reads back unchanged.
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01 13:45:00.000Z"), "2024-05-01 13:45:00.000Z");
  // Without a zone the time is taken as UTC.
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:00"), "2024-05-01 13:45:00.000Z");
}

TEST(CampaignDateTime, ConvertsOffsetsToUtc) {
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:00+02:00"), "2024-05-01 11:45:00.000Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:00-05:30"), "2024-05-01 19:15:00.000Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-01-01T01:00:00.250+02:00"), "2023-12-31 23:00:00.250Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-02-28T23:00:00-01:00"), "2024-02-29 00:00:00.000Z");
  EXPECT_EQ(m::to_campaign_datetime("2023-02-28T23:00:00-01:00"), "2023-03-01 00:00:00.000Z");
  EXPECT_EQ(m::to_campaign_datetime("2024-05-01T13:45:00+00:00"), "2024-05-01 13:45:00.000Z");
}

TEST(CampaignDateTime, RejectsWhatIsNotADateTime) {
  for (const std::string_view bad : {"",
                                     "2024-05-01",
                                     "2024-05-01T13:45Z",
                                     "2024-05-01T13:45:00ZZ",
                                     "2024-5-01T13:45:00Z",
                                     "2024-05-01X13:45:00Z",
                                     "2024-13-01T00:00:00Z",
                                     "2024-02-30T00:00:00Z",
                                     "2023-02-29T00:00:00Z",
                                     "2024-05-01T24:00:00Z",
                                     "2024-05-01T13:60:00Z",
                                     "2024-05-01T13:45:60Z",
                                     "2024-05-01T13:45:00.Z",
                                     "2024-05-01T13:45:00.1234567890Z",
                                     "2024-05-01T13:45:00+0200",
                                     "2024-05-01T13:45:00+24:00",
                                     "2024-05-01T13:45:00 UTC",
                                     "0000-01-01T00:00:00Z",
                                     "0001-01-01T00:00:00+01:00",
                                     "9999-12-31T23:00:00-01:00",
                                     "abcd-ef-ghTij:kl:mnZ",
                                     " 2024-05-01T13:45:00Z"}) {
    EXPECT_EQ(m::to_campaign_datetime(bad), std::nullopt) << bad;
  }
}

}  // namespace
