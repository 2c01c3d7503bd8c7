// Fault rules and request counting in front of an emulator.
#include "sandbox/fault_injector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace switchboard::sandbox {
namespace {

using ::testing::HasSubstr;

/// Answers 200 {"ok":true}; its kind is "<METHOD> <path>".
class echo_emulator final : public emulator {
 public:
  std::string_view name() const noexcept override { return "echo"; }
  server_reply handle(const server_request&) override {
    return json_reply(200, boost::json::object{{"ok", true}});
  }
  std::string classify(const server_request& r) const override {
    return r.method + " " + std::string(r.path());
  }
  std::optional<server_reply> control(std::string_view, std::string_view,
                                      const boost::json::value&) override {
    return std::nullopt;
  }
};

server_request get(std::string path) {
  server_request r;
  r.method = "GET";
  r.target = std::move(path);
  return r;
}

TEST(FaultInjector, RateHitsAnEvenShareOfMatchingRequests) {
  echo_emulator service;
  fault_injector faults;
  faults.add(fault_rule::from_text("GET /a|status=503,rate=0.25,retry_after=2"));
  int injected = 0;
  for (int i = 0; i < 100; ++i) {
    const auto reply = faults.handle(service, get("/a"));
    if (reply.status == 503) {
      ++injected;
      ASSERT_NE(reply.headers.end(),
                std::find_if(reply.headers.begin(), reply.headers.end(), [](const auto& h) {
                  return h.name == "Retry-After" && h.value == "2";
                }));
    }
  }
  EXPECT_EQ(injected, 25);
  EXPECT_EQ(faults.handle(service, get("/b")).status, 200);
  EXPECT_EQ(faults.count("GET /a"), 100u);
  EXPECT_EQ(faults.counts().at("by_status").at("503").as_uint64(), 25u);
}

TEST(FaultInjector, CountLimitsARuleToTheNextRequests) {
  echo_emulator service;
  fault_injector faults;
  faults.add(fault_rule::from_json(boost::json::parse(R"({"status": 429, "count": 3})")));
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) statuses.push_back(faults.handle(service, get("/x")).status);
  EXPECT_EQ(statuses, (std::vector<int>{429, 429, 429, 200, 200}));
}

TEST(FaultInjector, TransportFaultsAndMalformedBodiesWrapTheRealAnswer) {
  echo_emulator service;
  fault_injector faults;
  faults.add(fault_rule::from_text("GET /reset|reset"));
  faults.add(fault_rule::from_text("GET /cut|truncate,latency_ms=5"));
  faults.add(fault_rule::from_text("GET /bad|malformed"));
  EXPECT_EQ(faults.handle(service, get("/reset")).fault, reply_fault::reset);
  const auto cut = faults.handle(service, get("/cut"));
  EXPECT_EQ(cut.fault, reply_fault::truncate_body);
  EXPECT_EQ(cut.delay.count(), 5);
  const auto bad = faults.handle(service, get("/bad"));
  boost::system::error_code ec;
  boost::json::parse(bad.body, ec);
  EXPECT_TRUE(ec);
  faults.clear();
  EXPECT_EQ(faults.handle(service, get("/reset")).fault, reply_fault::none);
}

TEST(FaultInjector, BadRulesSayWhatIsWrong) {
  EXPECT_THAT(
      [] { fault_rule::from_text("GET|rate=2"); },
      ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("rate must be within 0..1")));
  EXPECT_THAT([] { fault_rule::from_text("GET|status=abc"); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("is not a number: abc")));
  EXPECT_THAT(
      [] { fault_rule::from_json(boost::json::parse(R"({"colour": 1})")); },
      ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("unknown field \"colour\"")));
  EXPECT_THAT([] { fault_rule::from_json(boost::json::parse(R"({"status": 42})")); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("not an HTTP status")));
}

TEST(TokenRegistry, IssuedTokensCheckUntilExpiredOrExpiredAll) {
  token_registry tokens;
  const auto a = tokens.issue("client", "https://org.crm.dynamics.com", std::chrono::seconds(60));
  const auto b = tokens.issue("client", "aud", std::chrono::seconds(0));
  ASSERT_TRUE(tokens.check(a).has_value());
  EXPECT_EQ(tokens.check(a)->audience, "https://org.crm.dynamics.com");
  EXPECT_FALSE(tokens.check(b).has_value());
  EXPECT_FALSE(tokens.check("made-up").has_value());
  tokens.expire_all();
  EXPECT_FALSE(tokens.check(a).has_value());
  EXPECT_EQ(tokens.issued(), 2u);
}

TEST(QueryStrings, AreSplitAndPercentDecoded) {
  const auto q = parse_query("%24filter=name%20eq%20%27a%2Bb%27&$top=5&flag&x=a+b&bad=%zz");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"$filter", "name eq 'a+b'"}));
  EXPECT_EQ(q[1].second, "5");
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(q[3].second, "a b");
  EXPECT_EQ(q[4].second, "%zz");
}

}  // namespace
}  // namespace switchboard::sandbox
