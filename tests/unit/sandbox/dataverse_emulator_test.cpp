// Tests of the Dataverse emulator as a whole: service protection (429 + Retry-After), request
// labels, the control API, seeding and concurrent use.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_test_client.hpp"

namespace switchboard::sandbox {
namespace dataverse_emulator_test {
namespace {

namespace json = boost::json;
using client_t = dataverse_test_client;
using std::chrono::system_clock;

server_request request(std::string method, std::string target) {
  server_request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

TEST(DataverseEmulator, RequestsOverTheWindowGet429WithRetryAfter) {
  auto now = system_clock::time_point(std::chrono::hours(24 * 365 * 50));
  dataverse_options options;
  options.requests_per_window = 3;
  options.window = std::chrono::seconds(300);
  options.clock = [&now] { return now; };
  token_registry tokens;
  dataverse_emulator emulator(tokens, options);
  client_t client(emulator, tokens.issue("app", "aud", std::chrono::hours(1)));
  for (int i = 0; i < 3; ++i) {
    const auto ok = client.get(client_t::path("contacts"));
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(client_t::header(ok, "x-ms-ratelimit-burst-remaining-xrm-requests"),
              std::to_string(2 - i));
    now += std::chrono::seconds(10);
  }
  const auto limited = client.get(client_t::path("contacts"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(client_t::header(limited, "Retry-After"), "270");
  const auto error = client_t::json(limited).at("error");
  EXPECT_EQ(error.at("code").as_string(), "0x80072322");
  EXPECT_EQ(error.at("message").as_string(),
            "Number of requests exceeded the limit of 3 over time window of 300 seconds.");
  const client_t other(emulator, tokens.issue("other-app", "aud", std::chrono::hours(1)));
  EXPECT_EQ(other.get(client_t::path("contacts")).status, 200);  // limits are per user
  now += std::chrono::seconds(271);
  EXPECT_EQ(client.get(client_t::path("contacts")).status, 200);
}

TEST(DataverseEmulator, ConcurrencyLimitAnswers429) {
  dataverse_options options;
  options.max_concurrent = 0;
  token_registry tokens;
  dataverse_emulator emulator(tokens, options);
  client_t client(emulator, tokens.issue("app", "aud", std::chrono::hours(1)));
  const auto reply = client.get(client_t::path("contacts"));
  EXPECT_EQ(reply.status, 429);
  EXPECT_FALSE(client_t::header(reply, "Retry-After").empty());
  const auto error = client_t::json(reply).at("error");
  EXPECT_EQ(error.at("code").as_string(), "0x80072326");
  EXPECT_EQ(error.at("message").as_string(),
            "Number of concurrent requests exceeded the limit of 0.");
}

TEST(DataverseEmulator, ClassifiesRequests) {
  token_registry tokens;
  dataverse_emulator emulator(tokens);
  EXPECT_EQ(emulator.name(), "dataverse");
  EXPECT_EQ(emulator.classify(request("GET", "/api/data/v9.2/contacts?$select=fullname")),
            "GET contacts");
  EXPECT_EQ(
      emulator.classify(request("GET", "/api/data/v9.2/contacts?$select=x&$deltatoken=1%212")),
      "GET contacts delta");
  EXPECT_EQ(emulator.classify(request("POST", "/api/data/v9.2/contacts")), "POST contacts");
  EXPECT_EQ(emulator.classify(request("PATCH", "/api/data/v9.2/contacts(emailaddress1='a')")),
            "PATCH contacts");
  EXPECT_EQ(emulator.classify(request("DELETE", "/api/data/v9.0/contacts(1)")), "DELETE contacts");
  EXPECT_EQ(emulator.classify(request("POST", "/api/data/v9.2/$batch")), "POST $batch");
  EXPECT_EQ(
      emulator.classify(request("GET", "/api/data/v9.2/EntityDefinitions(LogicalName='contact')")),
      "GET EntityDefinitions");
  EXPECT_EQ(emulator.classify(request("GET", "/api/data/v9.2/WhoAmI")), "GET WhoAmI");
}

TEST(DataverseEmulator, ServesAnyV9VersionAndPutsItInLinks) {
  token_registry tokens;
  dataverse_emulator emulator(tokens);
  client_t client(emulator, tokens.issue("app", "aud", std::chrono::hours(1)));
  const auto old = client.get("/api/data/v9.0/contacts");
  ASSERT_EQ(old.status, 200);
  EXPECT_EQ(client_t::json(old).at("@odata.context").as_string(),
            "https://org.crm.dynamics.test/api/data/v9.0/$metadata#contacts");
  EXPECT_EQ(client.get("/api/data/v8.2/contacts").status, 404);
  EXPECT_EQ(client.get("/elsewhere").status, 404);
}

TEST(DataverseEmulator, ControlActionsSeedWriteReadAndDelete) {
  token_registry tokens;
  dataverse_emulator emulator(tokens);
  const auto seeded =
      emulator.control("seed_contacts", "POST", json::parse(R"({"count":5,"seed":3})"));
  ASSERT_TRUE(seeded.has_value());
  EXPECT_EQ(seeded->status, 200);
  EXPECT_EQ(client_t::json(*seeded).at("seeded").as_int64(), 5);
  const auto read = emulator.control("rows", "GET", json::parse(R"({"table":"contacts"})"));
  const auto rows = client_t::json(*read).at("rows").as_array();
  ASSERT_EQ(rows.size(), 5u);
  const std::string id(rows[0].at("contactid").as_string());
  const auto upserted = emulator.control(
      "upsert_rows", "POST",
      json::object{{"table", "contact"},
                   {"rows", json::array{json::object{{"contactid", id}, {"donotemail", true}},
                                        json::object{{"lastname", "Added"}}}}});
  ASSERT_EQ(upserted->status, 200) << upserted->body;
  EXPECT_EQ(client_t::json(*upserted).at("ids").as_array().size(), 2u);
  EXPECT_EQ(emulator.rows("contacts").size(), 6u);
  const auto deleted = emulator.control(
      "delete_rows", "POST", json::object{{"table", "contacts"}, {"ids", json::array{id}}});
  EXPECT_EQ(client_t::json(*deleted).at("deleted").as_int64(), 1);
  EXPECT_EQ(emulator.rows("contacts").size(), 5u);
  const auto stats = emulator.control("stats", "GET", json::object{});
  EXPECT_EQ(stats->status, 200);
  EXPECT_FALSE(emulator.control("no_such_action", "POST", json::object{}).has_value());
  EXPECT_EQ(emulator.control("seed_contacts", "POST", json::object{})->status, 400);
  EXPECT_EQ(emulator.control("seed_contacts", "GET", json::object{{"count", 1}})->status, 405);
  EXPECT_EQ(emulator.control("rows", "GET", json::object{{"table", "nosuch"}})->status, 400);
  const auto invalid = emulator.control(
      "upsert_rows", "POST",
      json::object{{"table", "contacts"}, {"rows", json::array{json::object{{"gendercode", 9}}}}});
  EXPECT_EQ(invalid->status, 400);
  EXPECT_NE(client_t::json(*invalid).at("error").as_string().find("outside the valid range"),
            std::string::npos);
}

TEST(DataverseEmulator, SeedingIsDeterministic) {
  token_registry tokens;
  dataverse_emulator first(tokens);
  dataverse_emulator second(tokens);
  first.seed_contacts(50, 99);
  second.seed_contacts(50, 99);
  const auto a = first.rows("contacts");
  const auto b = second.rows("contacts");
  ASSERT_EQ(a.size(), 50u);
  ASSERT_EQ(b.size(), 50u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].at("contactid"), b[i].at("contactid"));
    EXPECT_EQ(a[i].at("emailaddress1"), b[i].at("emailaddress1"));
    EXPECT_EQ(a[i].at("donotbulkemail"), b[i].at("donotbulkemail"));
  }
  first.seed_contacts(50, 99);
  EXPECT_EQ(first.rows("contacts").size(), 50u);
  first.seed_contacts(10, 100);
  EXPECT_EQ(first.rows("contacts").size(), 60u);
  std::size_t tagged = 0;
  first.seed_contacts(400, 5);
  for (const auto& row : first.rows("contacts")) {
    tagged += row.at("emailaddress1").as_string().find('+') != std::string::npos ? 1 : 0;
  }
  EXPECT_GT(tagged, 0u);  // some e-mails cannot be alternate key values in a URL
}

TEST(DataverseEmulator, ConcurrentRequestsAndControlCallsAreSafe) {
  token_registry tokens;
  dataverse_emulator emulator(tokens);
  emulator.seed_contacts(200, 1);
  client_t client(emulator, tokens.issue("app", "aud", std::chrono::hours(1)));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const auto reply = t % 2 == 0
                               ? client.get(client_t::path("contacts?$select=fullname&$top=5"))
                               : client.post(client_t::path("contacts"),
                                             json::object{{"lastname", "T" + std::to_string(i)}});
        if (reply.status >= 300) ++failures;
        if (t == 3 && i % 10 == 0)
          emulator.upsert_rows("contacts", json::array{json::object{{"lastname", "C"}}});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(emulator.rows("contacts").size(), 200u + 100u + 5u);
  EXPECT_EQ(emulator.operation_counts().at("POST contacts"), 100u);
}

}  // namespace
}  // namespace dataverse_emulator_test
}  // namespace switchboard::sandbox
