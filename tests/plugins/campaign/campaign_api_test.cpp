// How the Campaign sink reads a create's answer: the top-level PKey of the JSON document, read
// without building the document.
#include "campaign_api.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace switchboard::campaign {
namespace {

TEST(TopLevelPkey, IsTheStringPKeyOfTheObject) {
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@abc", "email": "a@x"})"), "@abc");
  EXPECT_EQ(top_level_pkey(R"({"email": "a@x", "nested": {"PKey": "@inner"}, "PKey": "@outer"})"),
            "@outer");
  EXPECT_EQ(top_level_pkey(R"(  {"PKey":"@k"}  )"), "@k");
  EXPECT_EQ(top_level_pkey(R"({"PKey": ""})"), "");
}

TEST(TopLevelPkey, DecodesEscapesAndKeepsTheLastOfARepeatedKey) {
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@a\"b\\c\u0041"})"), "@a\"b\\cA");
  EXPECT_EQ(top_level_pkey(R"({"P\u004bey": "@escaped-name"})"), "@escaped-name");
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@first", "PKey": "@second"})"), "@second");
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@first", "PKey": 5})"), std::nullopt);
}

TEST(TopLevelPkey, IsNothingWhenAbsentNotAStringOrNotAnObjectDocument) {
  EXPECT_EQ(top_level_pkey(R"({"pkey": "@lowercase"})"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"nested": {"PKey": "@inner"}})"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": 12})"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": null})"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": ["@a"]})"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": {"v": "@a"}})"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"([{"PKey": "@in-array"}])"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"("@just-a-string")"), std::nullopt);
  EXPECT_EQ(top_level_pkey(""), std::nullopt);
  EXPECT_EQ(top_level_pkey("<html>Bad Gateway</html>"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@cut)"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@a"} trailing)"), std::nullopt);
  EXPECT_EQ(top_level_pkey(R"({"PKey": "@a"}{"PKey": "@b"})"), std::nullopt);
}

}  // namespace
}  // namespace switchboard::campaign
