// The host services a component reaches through its context, bound to its route.
#include "engine/route_context.hpp"
#include "support/test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace switchboard::host {
namespace {

using ::testing::HasSubstr;

struct RouteContextTest : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<state_store> state = open_sqlite_state_store(dir / "state.db");
  log_service logs{{log_format::json, "debug", dir / "log.jsonl"}, nullptr};
  metrics_registry metrics;
  stop_control stop;
  context_services services{*state, logs, metrics, nullptr};
};

TEST_F(RouteContextTest, KeyValueStateIsDurableAndScopedToTheRoute) {
  route_context a(services, {"acme", "contacts"}, "mock.source", 1, stop, stop_level::stop);
  route_context b(services, {"acme", "orders"}, "mock.source", 1, stop, stop_level::stop);
  a.state().put("watermark", "42");
  EXPECT_EQ(a.state().get("watermark"), "42");
  EXPECT_EQ(b.state().get("watermark"), std::nullopt);
  EXPECT_EQ(state->kv_get({"acme", "contacts"}, "watermark"), "42");
  a.state().erase("watermark");
  EXPECT_EQ(a.state().get("watermark"), std::nullopt);
}

TEST_F(RouteContextTest, IdMapReadsAndWritesTheRoutesEntries) {
  route_context ctx(services, {"acme", "contacts"}, "mock.sink", 1, stop, stop_level::abort);
  ctx.ids().put("c-1", {"PKEY1", "hash1"});
  const auto found = ctx.ids().find("c-1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->target_key, "PKEY1");
  EXPECT_EQ(found->payload_hash, "hash1");
  EXPECT_EQ(state->count_ids({"acme", "contacts"}), 1u);
  ctx.ids().erase("c-1");
  EXPECT_FALSE(ctx.ids().find("c-1").has_value());
}

TEST_F(RouteContextTest, PrefetchedIdsAnswerFindsUntilDroppedAndWritesGoThrough) {
  route_context ctx(services, {"acme", "contacts"}, "mock.sink", 1, stop, stop_level::abort);
  ctx.ids().put("c-1", {"P1", "h1"});
  std::vector<sdk::record> batch(3);
  batch[0].key = "c-1";
  batch[1].key = "c-2";
  batch[2].key = "c-3";
  ctx.prefetch_ids(batch);
  // Written behind the context's back (as nothing but the sink may during a delivery): the
  // prefetched answers stand until dropped.
  state->put_ids({"acme", "contacts"}, std::vector<id_update>{{"c-2", id_entry{"P2", "h2"}}});
  EXPECT_EQ(ctx.ids().find("c-1")->target_key, "P1");
  EXPECT_FALSE(ctx.ids().find("c-2").has_value());
  // The context's own writes reach the store and replace what was prefetched.
  ctx.ids().put("c-3", {"P3", "h3"});
  EXPECT_EQ(ctx.ids().find("c-3")->target_key, "P3");
  EXPECT_EQ(state->find_id({"acme", "contacts"}, "c-3")->target_key, "P3");
  ctx.ids().erase("c-1");
  EXPECT_FALSE(ctx.ids().find("c-1").has_value());
  EXPECT_FALSE(state->find_id({"acme", "contacts"}, "c-1").has_value());
  // A key not in the batch is read from the store.
  state->put_ids({"acme", "contacts"}, std::vector<id_update>{{"c-9", id_entry{"P9", "h9"}}});
  EXPECT_EQ(ctx.ids().find("c-9")->target_key, "P9");
  ctx.drop_prefetched_ids();
  EXPECT_EQ(ctx.ids().find("c-2")->target_key, "P2");
}

TEST_F(RouteContextTest, SourceWaitsEndOnStopSinkWaitsOnlyOnAbort) {
  route_context source(services, {"acme", "r"}, "mock.source", 1, stop, stop_level::stop);
  route_context sink(services, {"acme", "r"}, "mock.sink", 1, stop, stop_level::abort);
  stop.request_stop();
  EXPECT_TRUE(source.stop_requested());
  EXPECT_FALSE(source.clock().wait_for(std::chrono::hours(1)));
  EXPECT_FALSE(sink.stop_requested());
  EXPECT_TRUE(sink.clock().wait_for(std::chrono::milliseconds(1)));
  stop.request_abort();
  EXPECT_FALSE(sink.clock().wait_for(std::chrono::hours(1)));
}

TEST_F(RouteContextTest, LogsAndMetricsCarryTheRouteAndComponent) {
  {
    route_context ctx(services, {"acme", "contacts"}, "mock.sink", 9, stop, stop_level::abort);
    ctx.log().info("hello");
    ctx.metrics().add("rows_total", 2);
  }
  logs.flush();
  EXPECT_THAT(
      test::read_file(dir / "log.jsonl"),
      HasSubstr(
          R"("tenant":"acme","route":"contacts","component":"mock.sink","run":9,"msg":"hello")"));
  EXPECT_EQ(metrics.value("rows_total", {"acme", "contacts", "mock.sink"}), 2);
  route_context ctx(services, {"acme", "contacts"}, "mock.sink", 9, stop, stop_level::abort);
  EXPECT_EQ(ctx.http(), nullptr);
  EXPECT_EQ(ctx.tokens("any"), nullptr);
}

}  // namespace
}  // namespace switchboard::host
