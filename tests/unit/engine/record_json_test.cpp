// Records to JSON and back, and the errors for malformed stored records.
#include "engine/record_json.hpp"

#include <gtest/gtest.h>

namespace switchboard::host {
namespace {

TEST(RecordJson, RoundTripsKeyOperationFieldsAndTime) {
  sdk::record r;
  r.key = "c-1";
  r.op = sdk::operation::remove;
  r.fields["email"] = "a@example.com";
  r.fields["n"] = 3;
  r.source_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  std::string error;
  const auto back = record_from_json(record_to_json(r), error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(back->key, "c-1");
  EXPECT_EQ(back->op, sdk::operation::remove);
  EXPECT_EQ(back->fields, r.fields);
  EXPECT_EQ(back->source_time, r.source_time);
}

TEST(RecordJson, MalformedRecordsSayWhy) {
  std::string error;
  EXPECT_FALSE(record_from_json("{", error));
  EXPECT_NE(error.find("not JSON"), std::string::npos);
  EXPECT_FALSE(record_from_json("[]", error));
  EXPECT_EQ(error, "not a JSON object");
  EXPECT_FALSE(record_from_json(R"({"key": ""})", error));
  EXPECT_EQ(error, "\"key\" must be a non-empty string");
  EXPECT_FALSE(record_from_json(R"({"key": "k", "op": "merge"})", error));
  EXPECT_EQ(error, "\"op\" must be \"upsert\" or \"delete\"");
  EXPECT_FALSE(record_from_json(R"({"key": "k", "fields": []})", error));
  EXPECT_EQ(error, "\"fields\" must be an object");
}

}  // namespace
}  // namespace switchboard::host
