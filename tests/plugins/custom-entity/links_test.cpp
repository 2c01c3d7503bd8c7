// custom-entity.links through the real loader and engine: lookups become {"PKey": …} links from
// the parent route's id map; children wait for parents, and orphans are dead-lettered.
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

namespace switchboard::test {
namespace {

using ::testing::HasSubstr;
namespace json = boost::json;

/// Tenant "acme": route "vehicles" (the parents; never run here) and route "owners-cars"
/// reading `in.jsonl` through custom-entity.links into a JSONL mock sink.
class CustomEntityLinks : public ::testing::Test {
 protected:
  void configure(const std::string& links_config = R"({"parent_wait_ms": 60000})",
                 const std::string& link_route = "vehicles") {
    host_.configure(fmt::format(R"([
      {{"id": "vehicles", "enabled": false,
        "source": {{"component": "mock.source", "config": {{"count": 0}}}},
        "sink": {{"component": "mock.sink", "config": {{"mode": "null"}}}}}},
      {{"id": "parts", "batch_size": 10,
        "mapping": {{"source": {{"table": "new_part", "key": "new_partid"}},
                    "target": {{"resource": "cusPart", "key": "cusCrmId"}},
                    "fields": [{{"source": "new_name", "target": "cusName"}},
                               {{"source": "_new_vehicleid_value", "target": "cusVehicle",
                                 "link": "{}"}}]}},
        "source": {{"component": "mock.source", "config": {{"jsonl": "{}"}}}},
        "processors": [{{"component": "custom-entity.links", "config": {}}}],
        "sink": {{"component": "mock.sink", "config": {{"mode": "jsonl", "path": "{}"}}}},
        "error_policy": {{"max_attempts": 1}}}}
    ])",
                                link_route, host_.path("in.jsonl").string(), links_config,
                                host_.path("out.jsonl").string()),
                    R"(["mock", "custom-entity"])");
  }

  void write_parts(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::string text;
    for (const auto& [key, vehicle] : parts) {
      json::object fields{{"new_name", "part " + key}};
      fields["_new_vehicleid_value"] =
          vehicle.empty() ? json::value(nullptr) : json::value(vehicle);
      text += json::serialize(json::object{{"key", key}, {"fields", fields}}) + "\n";
    }
    write_file(host_.path("in.jsonl"), text);
  }

  void add_vehicle(const std::string& id, const std::string& pkey) {
    const host::id_update update{id, host::id_entry{pkey, ""}};
    host_.state().put_ids({"acme", "vehicles"}, std::span(&update, 1));
  }

  /// Written records by key (last line wins).
  std::map<std::string, json::object> written() {
    std::map<std::string, json::object> out;
    const std::string text = read_file(host_.path("out.jsonl"));
    std::size_t start = 0;
    for (auto end = text.find('\n'); end != std::string::npos;
         start = end + 1, end = text.find('\n', start)) {
      auto line = json::parse(std::string_view(text).substr(start, end - start)).as_object();
      out[std::string(line.at("key").as_string())] = line.at("fields").as_object();
    }
    return out;
  }

  /// True once the processor has parked children (its counter, which is live; the log file is
  /// flushed only at the end of a run).
  bool parked() {
    return host_.metrics().value("children_parked_total",
                                 {"acme", "parts", "custom-entity.links"}) > 0;
  }

  host::route_outcome run_parts() {
    auto outcomes = host_.run_once({"acme", "parts"});
    EXPECT_EQ(outcomes.size(), 1U);
    return outcomes.at(0);
  }

  test_host host_;
};

TEST_F(CustomEntityLinks, LookupsBecomeLinksToTheParentsPKey) {
  configure();
  add_vehicle("v-1", "@pk1");
  add_vehicle("v-2", "@pk2");
  write_parts({{"p-1", "v-1"}, {"p-2", "v-2"}, {"p-3", ""}});
  const auto outcome = run_parts();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  auto out = written();
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out["p-1"].at("_new_vehicleid_value"), (json::object{{"PKey", "@pk1"}}));
  EXPECT_EQ(out["p-2"].at("_new_vehicleid_value"), (json::object{{"PKey", "@pk2"}}));
  EXPECT_TRUE(out["p-3"].at("_new_vehicleid_value").is_null());
  EXPECT_EQ(out["p-1"].at("new_name"), "part p-1");
}

TEST_F(CustomEntityLinks, AChildThatArrivesBeforeItsParentWaitsAndIsWrittenOnceTheParentLands) {
  configure();
  add_vehicle("v-1", "@pk1");
  write_parts({{"p-1", "v-1"}, {"p-2", "v-late"}, {"p-3", "v-1"}});
  host::route_outcome outcome;
  std::thread run([&] { outcome = run_parts(); });
  // The batch is parked: nothing written, the cursor has not moved.
  EXPECT_TRUE(wait_until([&] { return parked(); }, std::chrono::seconds(20)));
  EXPECT_FALSE(host_.state().cursor({"acme", "parts"}).has_value());
  EXPECT_FALSE(std::filesystem::exists(host_.path("out.jsonl")) && !written().empty());
  add_vehicle("v-late", "@pk-late");
  run.join();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  auto out = written();
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(out["p-2"].at("_new_vehicleid_value"), (json::object{{"PKey", "@pk-late"}}));
  EXPECT_EQ(out["p-3"].at("_new_vehicleid_value"), (json::object{{"PKey", "@pk1"}}));
  EXPECT_EQ(outcome.counts.dead_lettered, 0U);
}

TEST_F(CustomEntityLinks,
       AnOrphanIsDeadLetteredWithTheReasonAfterTheBoundedWaitAndOthersAreWritten) {
  configure(R"({"parent_wait_ms": 100, "max_poll_ms": 20})");
  add_vehicle("v-1", "@pk1");
  write_parts({{"p-1", "v-1"}, {"p-2", "v-missing"}, {"p-3", "v-1"}});
  const auto outcome = run_parts();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  auto out = written();
  EXPECT_EQ(out.size(), 2U);
  EXPECT_FALSE(out.contains("p-2"));
  const auto letters = host_.state().dead_letters(host::route_key{"acme", "parts"}, 10);
  ASSERT_EQ(letters.size(), 1U);
  EXPECT_THAT(letters[0].reason,
              HasSubstr("parent v-missing of _new_vehicleid_value (route vehicles) "
                        "was not written within 100 ms"));
  EXPECT_THAT(letters[0].record_json, HasSubstr("p-2"));
  // Committed past the orphan: it lives in the dead-letter store, not lost.
  EXPECT_TRUE(host_.state().cursor({"acme", "parts"}).has_value());
}

TEST_F(CustomEntityLinks, StoppingWhileAChildWaitsLeavesItsBatchUncommitted) {
  configure();
  write_parts({{"p-1", "v-never"}});
  host::route_outcome outcome;
  std::thread run([&] { outcome = run_parts(); });
  ASSERT_TRUE(wait_until([&] { return parked(); }, std::chrono::seconds(20)));
  host_.stop().request_abort();
  run.join();
  EXPECT_NE(outcome.status, host::run_status::failed) << outcome.message;
  EXPECT_FALSE(host_.state().cursor({"acme", "parts"}).has_value());
  EXPECT_EQ(host_.state().count_dead_letters({"acme", "parts"}), 0U);
}

TEST_F(CustomEntityLinks, ALinkToARouteTheTenantDoesNotHaveStopsTheRouteWithTheReason) {
  configure(R"({})", "trucks");
  write_parts({{"p-1", "v-1"}});
  const auto outcome = run_parts();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr("field \"_new_vehicleid_value\" links to route \"trucks\", "
                        "which tenant acme does not have"));
}

}  // namespace
}  // namespace switchboard::test
