// The I/O Events journal emulator: paging with since/Link, 204/410, redelivery, payloads.
#include "sandbox/events/events_emulator.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;

constexpr std::string_view api_key = "a64f5f10849a410a97ffdac8ae1c2d3e";
constexpr std::string_view ims_org = "4CC7D9704674CFB2138A2C54@AdobeOrg";
const std::string journal =
    "/events/organizations/23294/integrations/54108/f89067f2-0d50-4bb2-bf78-209d0eacb6eb";

/// Lowercase hyphenated UUID text: 8-4-4-4-12 hex digits.
bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen != (text[i] == '-')) return false;
    if (!hyphen && !((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

class EventsEmulator : public ::testing::Test {
 protected:
  EventsEmulator() : events_(tokens_, options()) {
    token_ = tokens_.issue(std::string(api_key), std::string(ims_org), std::chrono::hours(1));
  }

  static events_options options() {
    events_options o;
    o.registrations = {
        {"23294", "54108", "f89067f2-0d50-4bb2-bf78-209d0eacb6eb", std::string(ims_org)}};
    o.api_keys = {std::string(api_key)};
    return o;
  }

  server_reply get(const std::string& target, std::vector<sdk::http_header> headers = {}) {
    server_request request;
    request.method = "GET";
    request.target = target;
    request.headers = headers.empty()
                          ? std::vector<sdk::http_header>{{"x-ims-org-id", std::string(ims_org)},
                                                          {"Authorization", "Bearer " + token_},
                                                          {"x-api-key", std::string(api_key)}}
                          : std::move(headers);
    return events_.handle(request);
  }

  static std::vector<std::string> links(const server_reply& reply) {
    std::vector<std::string> out;
    for (const auto& h : reply.headers) {
      if (h.name == "Link") out.push_back(h.value);
    }
    return out;
  }

  /// The URL of the Link with rel="next" (between '<' and '>').
  static std::string next_link(const server_reply& reply) {
    for (const auto& link : links(reply)) {
      if (link.ends_with("; rel=\"next\"")) return link.substr(1, link.find('>') - 1);
    }
    return {};
  }

  static const std::string* header(const server_reply& reply, std::string_view name) {
    for (const auto& h : reply.headers) {
      if (h.name == name) return &h.value;
    }
    return nullptr;
  }

  json::object control(std::string_view action, json::value body = nullptr) {
    const auto reply = events_.control(action, "POST", body);
    EXPECT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200) << reply->body;
    const auto value = json::parse(reply->body);
    return value.is_object() ? value.as_object() : json::object{{"list", value}};
  }

  static json::object delivery(std::size_t profiles, double opens, double clicks, double bounces,
                               std::uint64_t seed = 11) {
    json::array list;
    for (std::size_t i = 0; i < profiles; ++i) {
      list.push_back(json::object{
          {"pkey", "@pk" + std::to_string(i)},
          {"externalId", "60c4e274-0d87-e711-80e5-00155db1" + std::to_string(1000 + i)},
          {"email", "p" + std::to_string(i) + "@mail.com"}});
    }
    return json::object{{"campaign", json::object{{"id", "OP42"}, {"name", "2019LoyaltyCamp"}}},
                        {"delivery", json::object{{"id", "DM190"}, {"name", "Spring newsletter"}}},
                        {"profiles", std::move(list)},
                        {"opens", opens},
                        {"clicks", clicks},
                        {"bounces", bounces},
                        {"seed", seed},
                        {"at", "2024-05-17T08:44:49.366Z"}};
  }

  /// Reads the whole journal from `target` by following next links until a 204.
  std::vector<json::object> drain(std::string target, int* pages = nullptr) {
    std::vector<json::object> out;
    for (int guard = 0; guard < 1000; ++guard) {
      const auto reply = get(target);
      if (reply.status == 204) break;
      EXPECT_EQ(reply.status, 200) << reply.body;
      const auto body = json::parse(reply.body).as_object();
      const auto& events = body.at("events").as_array();
      EXPECT_EQ(body.at("_page").at("count").to_number<std::size_t>(), events.size());
      EXPECT_EQ(body.at("_page").at("last"), events.back().at("position"));
      for (const auto& e : events) out.push_back(e.as_object());
      if (pages != nullptr) ++*pages;
      target = next_link(reply);
    }
    return out;
  }

  token_registry tokens_;
  events_emulator events_;
  std::string token_;
};

TEST_F(EventsEmulator, EmptyJournalAnswers204WithNextAndValidateLinks) {
  const auto reply = get(journal);
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  const auto l = links(reply);
  ASSERT_EQ(l.size(), 2u);
  EXPECT_TRUE(l[0].starts_with("<" + journal + "?since=")) << l[0];
  EXPECT_TRUE(l[0].ends_with(">; rel=\"next\""));
  EXPECT_TRUE(l[1].starts_with("<" + journal + "/validate?since=")) << l[1];
  EXPECT_TRUE(l[1].ends_with(">; rel=\"validate\""));
  EXPECT_EQ(header(reply, "retry-after"), nullptr);
}

TEST_F(EventsEmulator, EventPayloadHasTheReferenceShape) {
  control("send_delivery", delivery(1, 1.0, 1.0, 0.0));
  const auto reply = get(journal);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = json::parse(reply.body).as_object();
  EXPECT_EQ(body.size(), 2u);
  const auto& events = body.at("events").as_array();
  ASSERT_EQ(events.size(), 3u);
  const std::vector<std::string> types{"send", "open", "click"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& entry = events[i].as_object();
    EXPECT_EQ(entry.size(), 2u);
    const std::string position(entry.at("position").as_string());
    const auto colon = position.find(':');
    ASSERT_NE(colon, std::string::npos) << position;
    EXPECT_EQ(position.size(), colon + 74) << position;
    EXPECT_TRUE(is_uuid(position.substr(colon + 1, 36))) << position;
    EXPECT_EQ(position[colon + 37], ':') << position;
    EXPECT_TRUE(is_uuid(position.substr(colon + 38))) << position;
    const auto& event = entry.at("event").as_object();
    std::set<std::string> keys;
    for (const auto& [k, v] : event) keys.insert(std::string(k));
    EXPECT_EQ(keys, (std::set<std::string>{"id", "type", "timestamp", "profile", "campaign",
                                           "delivery", "url", "mirrorPageUrl", "bounceType"}));
    EXPECT_EQ(event.at("type").as_string(), types[i]);
    EXPECT_TRUE(is_uuid(event.at("id").as_string())) << event.at("id");
    const std::string timestamp(event.at("timestamp").as_string());
    EXPECT_EQ(timestamp.size(), 24u) << timestamp;
    EXPECT_EQ(timestamp[10], 'T') << timestamp;
    EXPECT_TRUE(jwt::parse_time(timestamp).has_value()) << timestamp;
    EXPECT_EQ(event.at("profile"), json::parse(R"({"PKey":"@pk0","email":"p0@mail.com",
                                                   "externalId":"60c4e274-0d87-e711-80e5-00155db11000"})"));
    EXPECT_EQ(event.at("campaign"), json::parse(R"({"id":"OP42","name":"2019LoyaltyCamp"})"));
    EXPECT_EQ(event.at("delivery"), json::parse(R"({"id":"DM190","name":"Spring newsletter"})"));
    EXPECT_TRUE(event.at("bounceType").is_null());
    EXPECT_TRUE(event.at("mirrorPageUrl").is_string());
    EXPECT_EQ(event.at("url").is_string(), types[i] == "click");
  }
  EXPECT_EQ(events[0].at("event").at("timestamp").as_string(), "2024-05-17T08:44:49.366Z");
  EXPECT_EQ(events[2].at("event").at("url").as_string(), "https://www.example.com/offer");
}

TEST_F(EventsEmulator, HardBouncesCarryBounceTypeAndNoOpen) {
  const auto counts = control("send_delivery", delivery(3, 1.0, 1.0, 1.0));
  EXPECT_EQ(counts.at("bounces").to_number<int>(), 3);
  EXPECT_EQ(counts.at("opens").to_number<int>(), 0);
  const auto entries = drain(journal);
  ASSERT_EQ(entries.size(), 6u);
  std::size_t bounces = 0;
  for (const auto& e : entries) {
    const auto& event = e.at("event").as_object();
    if (event.at("type") != "bounce") continue;
    ++bounces;
    EXPECT_EQ(event.at("bounceType").as_string(), "hard");
    EXPECT_TRUE(event.at("url").is_null());
    EXPECT_TRUE(event.at("mirrorPageUrl").is_null());
  }
  EXPECT_EQ(bounces, 3u);
}

TEST_F(EventsEmulator, PagesWithSinceAndLinkUntil204) {
  const auto counts = control("send_delivery", delivery(20, 0.5, 0.2, 0.1));
  const auto total = counts.at("events").to_number<std::size_t>();
  int pages = 0;
  const auto read = drain(journal + "?limit=4", &pages);
  ASSERT_EQ(read.size(), total);
  EXPECT_EQ(pages, static_cast<int>((total + 3) / 4));
  const auto all = control("events").at("list").as_array();
  for (std::size_t i = 0; i < total; ++i) EXPECT_EQ(read[i].at("position"), all[i].at("position"));
  const std::string end =
      journal + "?since=" + std::string(read.back().at("position").as_string()) + "&limit=4";
  const auto at_end = get(end);
  EXPECT_EQ(at_end.status, 204);
  ASSERT_NE(header(at_end, "retry-after"), nullptr);
  EXPECT_EQ(*header(at_end, "retry-after"), "10");
  EXPECT_EQ(next_link(at_end), end);
  const auto first = get(journal + "?limit=4");
  EXPECT_EQ(next_link(first),
            journal + "?since=" + std::string(read[3].at("position").as_string()) + "&limit=4");
}

TEST_F(EventsEmulator, LimitIsAnUpperBoundOnly) {
  control("send_delivery", delivery(5, 0, 0, 0));
  control("configure", json::object{{"max_batch", 2}});
  const auto reply = get(journal + "?limit=5");
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(json::parse(reply.body).at("events").as_array().size(), 2u);
  EXPECT_TRUE(next_link(reply).ends_with("&limit=5"));
  EXPECT_EQ(get(journal + "?limit=0").status, 400);
  EXPECT_EQ(get(journal + "?limit=abc").status, 400);
}

TEST_F(EventsEmulator, LatestJumpsToTheEnd) {
  control("send_delivery", delivery(3, 0, 0, 0));
  const auto latest = get(journal + "?latest=true&limit=10");
  EXPECT_EQ(latest.status, 204);
  const auto next = next_link(latest);
  EXPECT_TRUE(next.ends_with("&limit=10"));
  control("publish", json::object{{"event", json::object{{"id", "e-1"}, {"type", "send"}}}});
  const auto reply = get(next);
  ASSERT_EQ(reply.status, 200);
  const auto events = json::parse(reply.body).at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("event").at("id").as_string(), "e-1");
}

TEST_F(EventsEmulator, RedeliveryDuplicatesAFractionOfReadEvents) {
  control("send_delivery", delivery(30, 0.5, 0.2, 0.1));
  control("redeliver", json::object{{"fraction", 0.5}, {"seed", 3}});
  const auto read = drain(journal + "?limit=7");
  std::map<std::string, int> seen;
  std::set<std::string> positions;
  for (const auto& e : read) {
    ++seen[std::string(e.at("event").at("id").as_string())];
    positions.insert(std::string(e.at("position").as_string()));
  }
  EXPECT_EQ(positions.size(), read.size());
  std::size_t duplicated = 0;
  for (const auto& [id, n] : seen) {
    EXPECT_LE(n, 2);
    if (n == 2) ++duplicated;
  }
  EXPECT_GT(duplicated, 0u);
  EXPECT_LT(duplicated, seen.size());
  std::size_t redeliveries = 0;
  const auto journal_entries = control("events").at("list").as_array();
  for (const auto& e : journal_entries) {
    if (e.at("redelivery").as_bool()) ++redeliveries;
  }
  EXPECT_EQ(redeliveries, duplicated);
  EXPECT_EQ(read.size(), seen.size() + duplicated);
}

TEST_F(EventsEmulator, ExpiredPositionsAnswer410) {
  control("send_delivery", delivery(4, 0, 0, 0));
  const auto first = json::parse(get(journal + "?limit=1").body);
  const std::string position(first.at("_page").at("last").as_string());
  control("expire_events", json::object{{"count", 2}});
  const auto gone = get(journal + "?since=" + position);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.body, "Events at position " + position + " have expired.");
  const auto oldest = json::parse(get(journal).body).at("events").as_array();
  ASSERT_EQ(oldest.size(), 2u);
  control("advance_clock", json::object{{"seconds", 8 * 24 * 3600}});
  EXPECT_EQ(get(journal).status, 204);
  EXPECT_EQ(get(journal + "?since=nonsense").status, 400);
}

TEST_F(EventsEmulator, ValidateLinkChecksPositions) {
  control("send_delivery", delivery(1, 0, 0, 0));
  const auto empty_end = get(journal + "?latest=true");
  std::string validate;
  for (const auto& l : links(empty_end)) {
    if (l.ends_with("rel=\"validate\"")) validate = l.substr(1, l.find('>') - 1);
  }
  ASSERT_FALSE(validate.empty());
  EXPECT_EQ(get(validate).status, 204);
  EXPECT_EQ(get(journal + "/validate?since=bogus").status, 400);
}

TEST_F(EventsEmulator, GatewayRejectsBadCredentials) {
  const auto no_token =
      get(journal, {{"x-ims-org-id", std::string(ims_org)}, {"x-api-key", std::string(api_key)}});
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(json::parse(no_token.body),
            json::parse(R"({"error_code":"401013","message":"Oauth token is not valid"})"));
  const auto bad_key = get(journal, {{"x-ims-org-id", std::string(ims_org)},
                                     {"Authorization", "Bearer " + token_},
                                     {"x-api-key", "other"}});
  EXPECT_EQ(bad_key.status, 403);
  const auto no_org =
      get(journal, {{"Authorization", "Bearer " + token_}, {"x-api-key", std::string(api_key)}});
  EXPECT_EQ(no_org.status, 403);
  EXPECT_EQ(get("/events/organizations/1/integrations/2/unknown").status, 404);
  control("expire_tokens");
  EXPECT_EQ(get(journal).status, 401);
}

TEST_F(EventsEmulator, DeliveriesAreDeterministic) {
  token_registry other;
  events_emulator twin(other, options());
  control("send_delivery", delivery(12, 0.6, 0.3, 0.2, 99));
  ASSERT_TRUE(twin.control("send_delivery", "POST", delivery(12, 0.6, 0.3, 0.2, 99)));
  EXPECT_EQ(json::serialize(events_.entries()), json::serialize(twin.entries()));
  control("send_delivery", delivery(12, 0.6, 0.3, 0.2, 100));
  EXPECT_NE(json::serialize(events_.entries()), json::serialize(twin.entries()));
}

TEST_F(EventsEmulator, ShuffleDeliversOutOfOrder) {
  auto spec = delivery(10, 1.0, 1.0, 0);
  spec["shuffle"] = true;
  control("send_delivery", spec);
  std::vector<std::string> stamps;
  for (const auto& e : events_.entries())
    stamps.emplace_back(e.at("event").at("timestamp").as_string());
  EXPECT_EQ(stamps.size(), 30u);
  EXPECT_FALSE(std::is_sorted(stamps.begin(), stamps.end()));
}

TEST_F(EventsEmulator, ControlReportsErrorsAndUnknownActions) {
  auto spec = delivery(1, 0, 0, 0);
  spec.erase("campaign");
  const auto bad = events_.control("send_delivery", "POST", spec);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(json::parse(bad->body).as_object().contains("error"));
  EXPECT_EQ(events_.control("send_delivery", "POST", delivery(1, 2.0, 0, 0))->status, 400);
  EXPECT_FALSE(events_.control("no_such_action", "GET", nullptr).has_value());
  const auto added =
      control("register_registration",
              json::object{{"organization", "1"}, {"integration", "2"}, {"registration", "r-2"}});
  EXPECT_EQ(added.at("journal").as_string(), "/events/organizations/1/integrations/2/r-2");
}

TEST_F(EventsEmulator, ClassifiesJournalRequests) {
  server_request request;
  request.method = "GET";
  request.target = journal + "?since=x";
  EXPECT_EQ(events_.classify(request), "GET journal");
  request.target = journal + "/validate?since=x";
  EXPECT_EQ(events_.classify(request), "GET validate");
}

}  // namespace
}  // namespace switchboard::sandbox
