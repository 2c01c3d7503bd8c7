// Log lines: JSON and human formats, tags, levels and secret redaction.
#include "switchboard/host/logging.hpp"
#include "support/test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace switchboard::host {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Logging, JsonLinesCarryTenantRouteComponentAndRun) {
  test::temp_dir dir;
  auto secrets = std::make_shared<secret_registry>();
  {
    log_service logs({log_format::json, "info", dir / "log.jsonl"}, secrets);
    auto logger = logs.make_logger({"acme", "contacts", "mock.sink", 42});
    logger->info("wrote 3 \"records\"");
    logger->debug("not shown at info");
  }
  const auto lines = test::read_lines(dir / "log.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  const auto v = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("tenant").as_string(), "acme");
  EXPECT_EQ(v.at("route").as_string(), "contacts");
  EXPECT_EQ(v.at("component").as_string(), "mock.sink");
  EXPECT_EQ(v.at("run").as_int64(), 42);
  EXPECT_EQ(v.at("msg").as_string(), "wrote 3 \"records\"");
  EXPECT_THAT(std::string(v.at("time").as_string()), HasSubstr("T"));
}

TEST(Logging, HumanLinesCarryTheTagsAsAPrefix) {
  test::temp_dir dir;
  {
    log_service logs({log_format::human, "debug", dir / "log.txt"}, nullptr);
    logs.make_logger({"acme", "contacts", "", 7})->warn("slow sink");
  }
  EXPECT_THAT(test::read_file(dir / "log.txt"),
              HasSubstr("warning [acme/contacts run 7] slow sink"));
}

TEST(Logging, KnownSecretsAreRedacted) {
  test::temp_dir dir;
  auto secrets = std::make_shared<secret_registry>();
  secrets->add("hunter2-very-secret");
  {
    log_service logs({log_format::json, "info", dir / "log.jsonl"}, secrets);
    logs.make_logger({"acme", "r", "", 0})->error("login with hunter2-very-secret failed");
  }
  const auto text = test::read_file(dir / "log.jsonl");
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, HasSubstr("login with *** failed"));
}

TEST(Logging, AnUnwritableLogFileIsAClearError) {
  try {
    log_service logs({log_format::human, "info", "/proc/no/such/dir/log"}, nullptr);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("log file /proc/no/such/dir/log"));
  }
}

}  // namespace
}  // namespace switchboard::host
