// Type conversion: the allowed source → target pairs, each pair's values, and runtime errors.
#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

namespace {

namespace json = boost::json;
namespace m = switchboard::mapping;
using st = m::source_type;
using tt = m::target_type;

m::mapping_spec one_field(bool link = false) {
  m::mapping_spec spec;
  spec.name = "m";
  spec.source_table = "t";
  spec.source_key = "id";
  spec.target_resource = "r";
  spec.target_key = "key";
  spec.fields = {{.source = "src", .target = "dst", .link_route = link ? "parents" : ""}};
  return spec;
}

m::source_schema source_with(st type) {
  return {
      .table = "t", .primary_key = "id", .columns = {{"id", st::uniqueidentifier}, {"src", type}}};
}

m::target_schema target_with(tt type) {
  return {.resource = "r", .fields = {{"key", tt::string}, {"dst", type}}, .unique_fields = {}};
}

m::compiled_mapping compile_pair(st from, tt to) {
  const auto source = source_with(from);
  const auto target = target_with(to);
  return m::compiled_mapping::compile(one_field(to == tt::link), &source, &target);
}

json::value convert(st from, tt to, const json::value& in) {
  return compile_pair(from, to).build(json::object{{"src", in}}, "k").create.at("dst");
}

constexpr st all_source_types[] = {
    st::boolean,   st::integer,  st::decimal, st::double_precision, st::string, st::date_time,
    st::date_only, st::picklist, st::lookup,  st::uniqueidentifier, st::other};
constexpr tt all_target_types[] = {
    tt::boolean, tt::integer,   tt::float_single, tt::double_precision,
    tt::string,  tt::date_time, tt::date,         tt::enumeration,
    tt::link,    tt::other};

// The conversion table of docs/mapping.md, written out independently of the implementation.
bool documented_pair(st from, tt to) {
  if (to == tt::other) return true;
  const auto in = [to](std::initializer_list<tt> allowed) {
    return std::find(allowed.begin(), allowed.end(), to) != allowed.end();
  };
  switch (from) {
    case st::boolean:
      return in({tt::boolean, tt::integer, tt::string});
    case st::integer:
      return in({tt::integer, tt::float_single, tt::double_precision, tt::string, tt::boolean,
                 tt::enumeration});
    case st::decimal:
    case st::double_precision:
      return in({tt::float_single, tt::double_precision, tt::string, tt::integer});
    case st::string:
      return in({tt::string, tt::integer, tt::float_single, tt::double_precision, tt::boolean,
                 tt::date, tt::date_time, tt::enumeration});
    case st::date_time:
    case st::date_only:
      return in({tt::date_time, tt::date, tt::string});
    case st::picklist:
      return in({tt::integer, tt::string, tt::enumeration});
    case st::lookup:
      return in({tt::string, tt::link});
    default:
      return to == tt::string;
  }
}

TEST(ConversionTable, AllowsExactlyTheDocumentedPairs) {
  for (const auto from : all_source_types) {
    for (const auto to : all_target_types) {
      const std::string pair =
          std::string(m::to_string(from)) + " → " + std::string(m::to_string(to));
      if (documented_pair(from, to)) {
        EXPECT_NO_THROW((void)compile_pair(from, to)) << pair;
      } else {
        EXPECT_THROW((void)compile_pair(from, to), m::mapping_error) << pair;
      }
    }
  }
}

TEST(ConversionTable, NamesBothTypesWhenAPairCannotConvert) {
  try {
    (void)compile_pair(st::integer, tt::date);
    FAIL() << "Integer → date compiled";
  } catch (const m::mapping_error& e) {
    EXPECT_STREQ(
        e.what(),
        R"(mapping "m": /fields/0: cannot convert Integer column "src" to date field "dst")");
  }
}

TEST(ConversionTable, PicklistLabelsConvertToTextOnly) {
  auto spec = one_field();
  spec.picklist_labels = true;
  const auto source = source_with(st::picklist);
  for (const auto to : {tt::string, tt::enumeration, tt::other}) {
    const auto target = target_with(to);
    EXPECT_NO_THROW((void)m::compiled_mapping::compile(spec, &source, &target)) << m::to_string(to);
  }
  const auto target = target_with(tt::integer);
  try {
    (void)m::compiled_mapping::compile(spec, &source, &target);
    FAIL() << "Picklist labels → integer compiled";
  } catch (const m::mapping_error& e) {
    EXPECT_STREQ(
        e.what(),
        R"(mapping "m": /fields/0: cannot convert Picklist column "src" (labels) to integer field "dst")");
  }
}

struct conversion_case {
  st from;
  tt to;
  std::string_view in;   // JSON
  std::string_view out;  // JSON
};

const conversion_case conversion_cases[] = {
    {st::boolean, tt::boolean, "true", "true"},
    {st::boolean, tt::integer, "true", "1"},
    {st::boolean, tt::integer, "false", "0"},
    {st::boolean, tt::string, "true", R"("true")"},
    {st::boolean, tt::string, "false", R"("false")"},
    {st::integer, tt::integer, "42", "42"},
    {st::integer, tt::integer, "-9007199254740993", "-9007199254740993"},
    {st::integer, tt::float_single, "42", "42.0"},
    {st::integer, tt::double_precision, "-3", "-3.0"},
    {st::integer, tt::string, "42", R"("42")"},
    {st::integer, tt::boolean, "0", "false"},
    {st::integer, tt::boolean, "7", "true"},
    {st::integer, tt::enumeration, "3", R"("3")"},
    {st::decimal, tt::float_single, "12.5", "12.5"},
    {st::decimal, tt::double_precision, "100", "100.0"},
    {st::decimal, tt::string, "12.5", R"("12.5")"},
    {st::decimal, tt::string, "12.0", R"("12")"},
    {st::decimal, tt::integer, "12.0", "12"},
    {st::decimal, tt::integer, "100", "100"},
    {st::double_precision, tt::double_precision, "0.1", "0.1"},
    {st::double_precision, tt::string, "0.1", R"("0.1")"},
    {st::double_precision, tt::string, "1e20", R"("1e+20")"},
    {st::double_precision, tt::integer, "-4.0", "-4"},
    {st::string, tt::string, R"("abc")", R"("abc")"},
    {st::string, tt::integer, R"("42")", "42"},
    {st::string, tt::integer, R"("-3")", "-3"},
    {st::string, tt::integer, R"("12.0")", "12"},
    {st::string, tt::float_single, R"("1.5")", "1.5"},
    {st::string, tt::double_precision, R"("2")", "2.0"},
    {st::string, tt::boolean, R"("true")", "true"},
    {st::string, tt::boolean, R"("FALSE")", "false"},
    {st::string, tt::boolean, R"("1")", "true"},
    {st::string, tt::boolean, R"("0")", "false"},
    {st::string, tt::date, R"("2024-05-01")", R"("2024-05-01")"},
    {st::string, tt::date, R"("2024-05-01T23:30:00Z")", R"("2024-05-01")"},
    {st::string, tt::date_time, R"("2024-05-01T13:45:00Z")", R"("2024-05-01 13:45:00.000Z")"},
    {st::string, tt::date_time, R"("2024-05-01")", R"("2024-05-01 00:00:00.000Z")"},
    {st::string, tt::enumeration, R"("gold")", R"("gold")"},
    {st::date_time, tt::date_time, R"("2024-05-01T13:45:00Z")", R"("2024-05-01 13:45:00.000Z")"},
    {st::date_time, tt::date_time, R"("2024-05-01T13:45:00.1234567Z")",
     R"("2024-05-01 13:45:00.123Z")"},
    {st::date_time, tt::date, R"("2024-05-01T13:45:00Z")", R"("2024-05-01")"},
    {st::date_time, tt::date, R"("2024-05-01T23:30:00-02:00")", R"("2024-05-02")"},
    {st::date_time, tt::string, R"("2024-05-01T13:45:00Z")", R"("2024-05-01T13:45:00Z")"},
    {st::date_only, tt::date, R"("2024-05-01")", R"("2024-05-01")"},
    {st::date_only, tt::date_time, R"("2024-05-01")", R"("2024-05-01 00:00:00.000Z")"},
    {st::date_only, tt::string, R"("2024-05-01")", R"("2024-05-01")"},
    {st::picklist, tt::integer, "2", "2"},
    {st::picklist, tt::string, "2", R"("2")"},
    {st::picklist, tt::enumeration, "100000001", R"("100000001")"},
    {st::lookup, tt::string, R"("0f3b6c2e-1d2a-4c55-9a1e-6b3f1d2c4e5f")",
     R"("0f3b6c2e-1d2a-4c55-9a1e-6b3f1d2c4e5f")"},
    {st::lookup, tt::link, R"({"PKey": "@abc"})", R"({"PKey": "@abc"})"},
    {st::uniqueidentifier, tt::string, R"("0f3b6c2e-1d2a-4c55-9a1e-6b3f1d2c4e5f")",
     R"("0f3b6c2e-1d2a-4c55-9a1e-6b3f1d2c4e5f")"},
    {st::other, tt::string, "5", R"("5")"},
    {st::other, tt::string, "3.0", R"("3")"},
    {st::other, tt::string, "1.5", R"("1.5")"},
    {st::other, tt::string, "true", R"("true")"},
    {st::other, tt::string, R"("1,2")", R"("1,2")"},
    {st::other, tt::other, R"({"a": [1]})", R"({"a": [1]})"},
    {st::integer, tt::other, "5", "5"},
    {st::string, tt::other, R"("x")", R"("x")"},
};

class Conversion : public testing::TestWithParam<conversion_case> {};

TEST_P(Conversion, WritesTheDocumentedValue) {
  const auto& c = GetParam();
  const json::value out = convert(c.from, c.to, json::parse(c.in));
  const json::value expected = json::parse(c.out);
  EXPECT_EQ(out, expected) << m::to_string(c.from) << " " << c.in << " → " << m::to_string(c.to)
                           << ": " << json::serialize(out);
  // The JSON kind matters too: 42.0 is a double, 42 an integer.
  EXPECT_EQ(out.kind(), expected.kind()) << json::serialize(out);
}

INSTANTIATE_TEST_SUITE_P(Pairs, Conversion, testing::ValuesIn(conversion_cases));

TEST(Conversion, NullStaysNullForEveryPair) {
  for (const auto from : all_source_types) {
    for (const auto to : all_target_types) {
      if (!documented_pair(from, to)) continue;
      EXPECT_TRUE(convert(from, to, nullptr).is_null())
          << m::to_string(from) << " → " << m::to_string(to);
    }
  }
}

TEST(Conversion, MissingSourceFieldIsNull) {
  const auto c = compile_pair(st::integer, tt::integer);
  const auto p = c.build(json::object{}, "k");
  ASSERT_TRUE(p.create.contains("dst"));
  EXPECT_TRUE(p.create.at("dst").is_null());
}

struct failure_case {
  st from;
  tt to;
  std::string_view in;
  std::string_view message;
};

const failure_case failure_cases[] = {
    {st::string, tt::integer, R"("abc")", R"(cannot convert "abc" to integer)"},
    {st::string, tt::integer, R"("12.5")", R"(cannot convert "12.5" to integer)"},
    {st::string, tt::integer, R"("")", R"(cannot convert "" to integer)"},
    {st::string, tt::integer, R"(" 12")", R"(cannot convert " 12" to integer)"},
    {st::string, tt::double_precision, R"("nan")", R"(cannot convert "nan" to double)"},
    {st::string, tt::float_single, R"("1,5")", R"(cannot convert "1,5" to float)"},
    {st::string, tt::boolean, R"("maybe")", R"(cannot convert "maybe" to boolean)"},
    {st::string, tt::date, R"("2024-13-01")", R"(cannot convert "2024-13-01" to date)"},
    {st::string, tt::date, R"("2023-02-29")", R"(cannot convert "2023-02-29" to date)"},
    {st::string, tt::date_time, R"("yesterday")", R"(cannot convert "yesterday" to datetime)"},
    {st::decimal, tt::integer, "12.5", R"(cannot convert 12.5 to integer)"},
    {st::double_precision, tt::integer, "1e300", R"(cannot convert 1e+300 to integer)"},
    {st::date_time, tt::date_time, R"("2024-05-01T25:00:00Z")",
     R"(cannot convert "2024-05-01T25:00:00Z" to datetime)"},
    {st::picklist, tt::enumeration, "true", R"(cannot convert true to enumeration)"},
    {st::lookup, tt::link, R"("0f3b6c2e-1d2a-4c55-9a1e-6b3f1d2c4e5f")",
     R"(link not resolved: "0f3b6c2e-1d2a-4c55-9a1e-6b3f1d2c4e5f" is still a source id (expected the target record reference, {"PKey": …}))"},
    {st::lookup, tt::link, "5", R"(cannot convert 5 to link)"},
};

class ConversionFailure : public testing::TestWithParam<failure_case> {};

TEST_P(ConversionFailure, NamesMappingFieldAndValue) {
  const auto& c = GetParam();
  const auto compiled = compile_pair(c.from, c.to);
  try {
    (void)compiled.build(json::object{{"src", json::parse(c.in)}}, "k");
    FAIL() << "no error for " << c.in;
  } catch (const m::value_error& e) {
    EXPECT_EQ(std::string_view(e.what()),
              std::string(R"(mapping "m": field "src" → "dst": )") + std::string(c.message));
  }
}

INSTANTIATE_TEST_SUITE_P(Values, ConversionFailure, testing::ValuesIn(failure_cases));

// Without a source schema the JSON kind of each value decides, with the same table.
json::value convert_untyped(tt to, const json::value& in) {
  const auto target = target_with(to);
  const auto c = m::compiled_mapping::compile(one_field(to == tt::link), nullptr, &target);
  return c.build(json::object{{"src", in}}, "k").create.at("dst");
}

TEST(ConversionWithoutSourceSchema, FollowsTheKindOfEachValue) {
  EXPECT_EQ(convert_untyped(tt::integer, true), json::value(1));
  EXPECT_EQ(convert_untyped(tt::integer, 2.0), json::value(2));
  EXPECT_EQ(convert_untyped(tt::integer, "17"), json::value(17));
  EXPECT_EQ(convert_untyped(tt::boolean, 3), json::value(true));
  EXPECT_EQ(convert_untyped(tt::string, 1.5), json::value("1.5"));
  EXPECT_EQ(convert_untyped(tt::double_precision, 4), json::value(4.0));
  EXPECT_EQ(convert_untyped(tt::date_time, "2024-05-01T13:45:00Z"),
            json::value("2024-05-01 13:45:00.000Z"));
  EXPECT_EQ(convert_untyped(tt::date, "2024-05-01T13:45:00Z"), json::value("2024-05-01"));
  EXPECT_EQ(convert_untyped(tt::enumeration, 2), json::value("2"));
  EXPECT_EQ(convert_untyped(tt::link, json::object{{"PKey", "@x"}}),
            (json::object{{"PKey", "@x"}}));
  EXPECT_EQ(convert_untyped(tt::other, json::array{1, 2}), (json::array{1, 2}));
}

TEST(ConversionWithoutSourceSchema, RejectsKindsTheTableDoesNotAllow) {
  EXPECT_THROW((void)convert_untyped(tt::integer, 1.5), m::value_error);
  EXPECT_THROW((void)convert_untyped(tt::boolean, 1.5), m::value_error);
  EXPECT_THROW((void)convert_untyped(tt::double_precision, true), m::value_error);
  EXPECT_THROW((void)convert_untyped(tt::date, 7), m::value_error);
  EXPECT_THROW((void)convert_untyped(tt::date_time, false), m::value_error);
  EXPECT_THROW((void)convert_untyped(tt::enumeration, true), m::value_error);
  EXPECT_THROW((void)convert_untyped(tt::link, "0f3b6c2e"), m::value_error);
}

TEST(ConversionWithoutTargetSchema, PassesValuesThrough) {
  const auto source = source_with(st::integer);
  const auto c = m::compiled_mapping::compile(one_field(), &source, nullptr);
  EXPECT_EQ(c.build(json::object{{"src", 5}}, "k").create.at("dst"), json::value(5));
  EXPECT_EQ(c.build(json::object{{"src", "5"}}, "k").create.at("dst"), json::value("5"));
  const auto untyped = m::compiled_mapping::compile(one_field(), nullptr, nullptr);
  EXPECT_EQ(untyped.build(json::object{{"src", json::array{1}}}, "k").create.at("dst"),
            (json::array{1}));
}

TEST(ConversionWithoutTargetSchema, StillRequiresResolvedLinks) {
  const auto c = m::compiled_mapping::compile(one_field(true), nullptr, nullptr);
  EXPECT_EQ(c.build(json::object{{"src", json::object{{"PKey", "@p"}}}}, "k").create.at("dst"),
            (json::object{{"PKey", "@p"}}));
  EXPECT_TRUE(c.build(json::object{{"src", nullptr}}, "k").create.at("dst").is_null());
  EXPECT_THROW((void)c.build(json::object{{"src", "0f3b6c2e"}}, "k"), m::value_error);
}

}  // namespace
