// compiled_mapping::passes: every operator, null handling, typed comparison, AND and OR.
#include "mapping/mapping.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>

namespace {

namespace json = boost::json;
namespace m = switchboard::mapping;

m::compiled_mapping with_rules(std::string_view rules_json, std::string_view combine = "and") {
  json::object mapping = json::parse(R"({
    "source": {"table": "contact"},
    "target": {"resource": "profile", "key": "externalId"},
    "fields": [{"source": "firstname", "target": "firstName"}]
  })")
                             .as_object();
  mapping["filters"] = json::object{{"combine", combine}, {"rules", json::parse(rules_json)}};
  return m::compiled_mapping::compile(m::parse_mapping(mapping, "r"), nullptr, nullptr);
}

// Does a record whose field "x" holds `value` pass one rule?
bool passes(std::string_view op, std::string_view operand_json, std::string_view value_json) {
  std::string rule = R"([{"field": "x", "op": ")" + std::string(op) + "\"";
  if (!operand_json.empty()) rule += R"(, "value": )" + std::string(operand_json);
  rule += "}]";
  json::object record;
  if (!value_json.empty()) record["x"] = json::parse(value_json);  // "" = field missing
  return with_rules(rule).passes(record);
}

TEST(Filters, PassEverythingWithoutRules) {
  const auto c =
      m::compiled_mapping::compile(m::parse_mapping(json::parse(R"({"source": {"table": "t"},
        "target": {"resource": "r", "key": "k"}, "fields": [{"source": "a", "target": "b"}]})")
                                                        .as_object(),
                                                    "r"),
                                   nullptr, nullptr);
  EXPECT_TRUE(c.passes(json::object{}));
  EXPECT_TRUE(c.passes(json::object{{"a", nullptr}}));
}

TEST(Filters, EqualityIsTyped) {
  EXPECT_TRUE(passes("eq", "0", "0"));
  EXPECT_TRUE(passes("eq", "1", "1.0"));
  EXPECT_TRUE(passes("eq", "1.0", "1"));
  EXPECT_FALSE(passes("eq", "1", R"("1")"));
  EXPECT_FALSE(passes("eq", R"("1")", "1"));
  EXPECT_TRUE(passes("eq", R"("Ada")", R"("Ada")"));
  EXPECT_FALSE(passes("eq", R"("Ada")", R"("ada")"));
  EXPECT_TRUE(passes("eq", "true", "true"));
  EXPECT_FALSE(passes("eq", "true", "1"));
  EXPECT_FALSE(passes("eq", "0", "null"));
  EXPECT_FALSE(passes("eq", "0", ""));
}

TEST(Filters, NotEqualIsTheNegationAndPassesNull) {
  EXPECT_FALSE(passes("ne", "0", "0"));
  EXPECT_TRUE(passes("ne", "0", "1"));
  EXPECT_TRUE(passes("ne", "0", R"("0")"));
  EXPECT_TRUE(passes("ne", "0", "null"));
  EXPECT_TRUE(passes("ne", "0", ""));
}

TEST(Filters, OrderingComparesNumbersNumerically) {
  EXPECT_TRUE(passes("gt", "5", "10"));
  EXPECT_FALSE(passes("gt", "5", "5"));
  EXPECT_TRUE(passes("ge", "5", "5.0"));
  EXPECT_TRUE(passes("lt", "5", "4.5"));
  EXPECT_FALSE(passes("lt", "5", "5"));
  EXPECT_TRUE(passes("le", "5", "5"));
  EXPECT_FALSE(passes("le", "5", "6"));
  EXPECT_TRUE(passes("gt", "-1", "0"));
  EXPECT_TRUE(passes("lt", "9007199254740993", "9007199254740992"));
  EXPECT_FALSE(passes("gt", "18446744073709551615", "-1"));
  EXPECT_TRUE(passes("lt", "18446744073709551615", "-1"));
  // Mixed integer and double compare exactly, beyond double's 53-bit precision.
  EXPECT_TRUE(passes("gt", "9007199254740992.0", "9007199254740993"));
}

TEST(Filters, OrderingComparesStringsLexicographically) {
  EXPECT_TRUE(passes("ge", R"("2024-01-01")", R"("2024-05-01T13:45:00Z")"));
  EXPECT_FALSE(passes("ge", R"("2024-01-01")", R"("2023-12-31T23:59:59Z")"));
  EXPECT_TRUE(passes("lt", R"("b")", R"("a")"));
  EXPECT_TRUE(passes("lt", R"("b")", R"("B")"));  // byte order: upper case first
}

TEST(Filters, OrderingNeverMatchesNullOrAnotherKind) {
  for (const std::string_view op : {"gt", "ge", "lt", "le"}) {
    EXPECT_FALSE(passes(op, "5", "null")) << op;
    EXPECT_FALSE(passes(op, "5", "")) << op;
    EXPECT_FALSE(passes(op, "5", R"("5")")) << op;
    EXPECT_FALSE(passes(op, R"("5")", "5")) << op;
    EXPECT_FALSE(passes(op, "5", "true")) << op;
  }
}

TEST(Filters, TextOperatorsAreCaseSensitive) {
  EXPECT_TRUE(passes("contains", R"("@example")", R"("ada@example.com")"));
  EXPECT_FALSE(passes("contains", R"("@Example")", R"("ada@example.com")"));
  EXPECT_TRUE(passes("startswith", R"("ada")", R"("ada@example.com")"));
  EXPECT_FALSE(passes("startswith", R"("example")", R"("ada@example.com")"));
  EXPECT_TRUE(passes("endswith", R"(".com")", R"("ada@example.com")"));
  EXPECT_FALSE(passes("endswith", R"(".COM")", R"("ada@example.com")"));
}

TEST(Filters, TextOperatorsNeverMatchNullOrNonText) {
  for (const std::string_view op : {"contains", "startswith", "endswith"}) {
    EXPECT_FALSE(passes(op, R"("1")", "null")) << op;
    EXPECT_FALSE(passes(op, R"("1")", "")) << op;
    EXPECT_FALSE(passes(op, R"("1")", "1")) << op;
  }
}

TEST(Filters, InMatchesAnyElementTyped) {
  EXPECT_TRUE(passes("in", "[1, 2, 3]", "2"));
  EXPECT_TRUE(passes("in", "[1, 2, 3]", "3.0"));
  EXPECT_FALSE(passes("in", "[1, 2, 3]", "4"));
  EXPECT_FALSE(passes("in", "[1, 2, 3]", R"("2")"));
  EXPECT_TRUE(passes("in", R"(["a", 2, true])", "true"));
  EXPECT_FALSE(passes("in", "[1]", "null"));
  EXPECT_FALSE(passes("in", "[1]", ""));
}

TEST(Filters, NullChecks) {
  EXPECT_TRUE(passes("is-null", "", "null"));
  EXPECT_TRUE(passes("is-null", "", ""));
  EXPECT_FALSE(passes("is-null", "", "0"));
  EXPECT_FALSE(passes("is-null", "", R"("")"));
  EXPECT_FALSE(passes("not-null", "", "null"));
  EXPECT_FALSE(passes("not-null", "", ""));
  EXPECT_TRUE(passes("not-null", "", "false"));
  EXPECT_TRUE(passes("not-null", "", R"("")"));
}

TEST(Filters, AndNeedsAllRules) {
  const auto c = with_rules(R"([{"field": "statecode", "op": "eq", "value": 0},
                                {"field": "email", "op": "not-null"}])",
                            "and");
  EXPECT_TRUE(c.passes(json::object{{"statecode", 0}, {"email", "a@b.c"}}));
  EXPECT_FALSE(c.passes(json::object{{"statecode", 1}, {"email", "a@b.c"}}));
  EXPECT_FALSE(c.passes(json::object{{"statecode", 0}}));
  EXPECT_FALSE(c.passes(json::object{}));
}

TEST(Filters, OrNeedsAnyRule) {
  const auto c = with_rules(R"([{"field": "statecode", "op": "eq", "value": 0},
                                {"field": "email", "op": "not-null"}])",
                            "or");
  EXPECT_TRUE(c.passes(json::object{{"statecode", 0}, {"email", "a@b.c"}}));
  EXPECT_TRUE(c.passes(json::object{{"statecode", 1}, {"email", "a@b.c"}}));
  EXPECT_TRUE(c.passes(json::object{{"statecode", 0}}));
  EXPECT_FALSE(c.passes(json::object{{"statecode", 1}, {"email", nullptr}}));
}

TEST(Filters, CombineDefaultsToAnd) {
  json::object mapping = json::parse(R"({
    "source": {"table": "contact"},
    "target": {"resource": "profile", "key": "externalId"},
    "fields": [{"source": "firstname", "target": "firstName"}],
    "filters": {"rules": [{"field": "a", "op": "eq", "value": 1}, {"field": "b", "op": "eq", "value": 1}]}
  })")
                             .as_object();
  const auto c = m::compiled_mapping::compile(m::parse_mapping(mapping, "r"), nullptr, nullptr);
  EXPECT_FALSE(c.passes(json::object{{"a", 1}, {"b", 2}}));
  EXPECT_TRUE(c.passes(json::object{{"a", 1}, {"b", 1}}));
}

TEST(Filters, FilterOnUnmappedAndMappedFields) {
  const auto c = with_rules(R"([{"field": "firstname", "op": "startswith", "value": "A"},
                                {"field": "statecode", "op": "in", "value": [0, 1]}])");
  EXPECT_TRUE(c.passes(json::object{{"firstname", "Ada"}, {"statecode", 1}}));
  EXPECT_FALSE(c.passes(json::object{{"firstname", "Bob"}, {"statecode", 1}}));
}

}  // namespace
