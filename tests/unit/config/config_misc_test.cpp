// Tests of parse_duration, parse_config_json, read_config_file and the secret helpers.
#include "support/test_support.hpp"
#include "switchboard/host/config.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <cstdlib>
#include <string>

namespace switchboard::host {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsUnitsAndBareMilliseconds) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("5s"), 5s);
  EXPECT_EQ(parse_duration("2m"), 2min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_EQ(parse_duration("14d"), std::chrono::hours(24 * 14));
  EXPECT_EQ(parse_duration("1500"), 1500ms);
  EXPECT_EQ(parse_duration("0"), 0ms);
  EXPECT_EQ(parse_duration("0s"), 0ms);
  EXPECT_EQ(parse_duration("9223372036854775807"), std::chrono::milliseconds(INT64_MAX));
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* text : {"", "-5s", "+5s", "-5", "s", "5x", "5 s", " 5s", "5s ", "1.5s", "5S",
                           "5sec", "1m30s", "ms", "0x10"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << text;
  }
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_EQ(parse_duration("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036854775807s"), std::nullopt);
  EXPECT_EQ(parse_duration("2562047788015216h"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999ms"), std::nullopt);
}

/// The parts of a caught config_error, copied while it is caught by reference (a syntax error's
/// what() comes from a derived class).
struct caught_error {
  std::string file;
  std::string pointer;
  std::string reason;
  std::string what;
};

caught_error parse_error(std::string_view text) {
  try {
    parse_config_json(text, "/x/conf.json");
  } catch (const config_error& e) {
    return {e.file(), e.pointer(), e.reason(), e.what()};
  }
  ADD_FAILURE() << "no config_error thrown for " << text;
  return {};
}

TEST(ConfigJson, AcceptsCommentsAndTrailingCommas) {
  const auto value =
      parse_config_json("// head\n{\"a\": [1, 2,], /* b */ \"b\": {\"c\": 3,},}\n", "/x/conf.json");
  EXPECT_EQ(value, json::parse(R"({"a": [1, 2], "b": {"c": 3}})"));
}

TEST(ConfigJson, ReportsSyntaxErrorLineAndColumn) {
  const auto e = parse_error("{\n  \"a\": 1,\n  \"b\": tru\n}");
  EXPECT_EQ(e.file, "/x/conf.json");
  EXPECT_EQ(e.pointer, "");
  EXPECT_EQ(e.what, "/x/conf.json:3:8: " + e.reason);
}

TEST(ConfigJson, SyntaxErrorKeepsItsLocationWhenCopied) {
  try {
    parse_config_json("{\n  \"a\": ]\n}", "/x/conf.json");
    FAIL() << "no config_error thrown";
  } catch (const config_error& caught) {
    const config_error copy = caught;  // NOLINT: the copy is the point
    EXPECT_EQ(copy.line(), 2u);
    EXPECT_EQ(copy.column(), 8u);
    EXPECT_EQ(std::string(copy.what()), "/x/conf.json:2:8: " + copy.reason());
  }
}

TEST(ConfigJson, ReportsTrailingContentAndTruncation) {
  EXPECT_EQ(parse_error("{}\n x").what, "/x/conf.json:2:2: unexpected content after the document");
  EXPECT_EQ(parse_error("{\"a\": [1,").what, "/x/conf.json:1:10: unexpected end of input");
  EXPECT_EQ(parse_error("").what, "/x/conf.json:1:1: unexpected end of input");
}

TEST(ConfigJson, RejectsDuplicateKeysWithTheirPointer) {
  const auto e = parse_error(R"({"a": [{"x": 1}, {"b~/": {"k": 1, "k": 2}}]})");
  EXPECT_EQ(e.pointer, "/a/1/b~0~1/k");
  EXPECT_EQ(e.reason, "duplicate key \"k\"");
  EXPECT_EQ(e.what, "/x/conf.json: /a/1/b~0~1/k: duplicate key \"k\"");
}

TEST(ConfigJson, AcceptsSameKeyInDifferentObjects) {
  EXPECT_NO_THROW(parse_config_json(R"([{"k": 1}, {"k": 2, "o": {"k": 3}}])", "f"));
}

TEST(ConfigJson, ReadsFilesAndReportsUnreadableOnes) {
  test::temp_dir dir;
  test::write_file(dir / "a.json", "{\"k\": true}");
  EXPECT_EQ(read_config_file(dir / "a.json"), json::parse(R"({"k": true})"));
  try {
    read_config_file(dir / "b.json");
    ADD_FAILURE() << "no config_error thrown";
  } catch (const config_error& e) {
    EXPECT_EQ(e.file(), (dir / "b.json").string());
    EXPECT_EQ(std::string(e.what()),
              (dir / "b.json").string() + ": cannot read file: no such file or directory");
  }
}

TEST(SecretRegistry, IgnoresEmptyValues) {
  secret_registry secrets;
  EXPECT_TRUE(secrets.empty());
  secrets.add("");
  EXPECT_TRUE(secrets.empty());
  EXPECT_EQ(secrets.redact("abc"), "abc");
}

TEST(SecretRegistry, RedactsEveryOccurrenceLongestFirst) {
  secret_registry secrets;
  secrets.add("abc");
  secrets.add("abcdef");
  secrets.add("abc");
  EXPECT_FALSE(secrets.empty());
  EXPECT_EQ(secrets.redact("x abcdef y abc abcabc"), "x *** y *** ******");
}

TEST(SecretResolver, SystemReadsEnvironmentAndFiles) {
  test::temp_dir dir;
  test::write_file(dir / "crlf", "value\r\n");
  test::write_file(dir / "two", "line\n\n");
  test::write_file(dir / "raw", "raw");
  ::setenv("SWITCHBOARD_CONFIG_TEST_SECRET", "from-env", 1);
  ::unsetenv("SWITCHBOARD_CONFIG_TEST_UNSET");
  const auto resolver = secret_resolver::system();
  EXPECT_EQ(resolver.env("SWITCHBOARD_CONFIG_TEST_SECRET"), "from-env");
  EXPECT_EQ(resolver.env("SWITCHBOARD_CONFIG_TEST_UNSET"), std::nullopt);
  EXPECT_EQ(resolver.file((dir / "crlf").string()), "value");
  EXPECT_EQ(resolver.file((dir / "two").string()), "line\n");
  EXPECT_EQ(resolver.file((dir / "raw").string()), "raw");
  EXPECT_EQ(resolver.file((dir / "missing").string()), std::nullopt);
  ::unsetenv("SWITCHBOARD_CONFIG_TEST_SECRET");
}

}  // namespace
}  // namespace switchboard::host
