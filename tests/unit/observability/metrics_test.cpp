// Metrics registry values and Prometheus rendering.
#include "switchboard/host/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace switchboard::host {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, CountersGaugesAndHistogramsRenderAsPrometheusText) {
  metrics_registry registry;
  const metric_labels acme{"acme", "contacts", "mock.sink"};
  auto recorder = registry.make_recorder(acme);
  recorder->add("records_total", 3);
  recorder->add("records_total", 4);
  recorder->set("backlog", 12);
  recorder->observe("write_seconds", 0.02);
  recorder->observe("write_seconds", 3);
  registry.add("records_total", {"beta", "r", ""}, 1);
  EXPECT_EQ(registry.value("records_total", acme), 7);
  EXPECT_EQ(registry.value("backlog", acme), 12);
  EXPECT_EQ(registry.value("write_seconds", acme), 2);
  const auto text = registry.render_prometheus();
  EXPECT_THAT(text, HasSubstr("# TYPE records_total counter\n"));
  EXPECT_THAT(
      text, HasSubstr(R"(records_total{tenant="acme",route="contacts",component="mock.sink"} 7)"));
  EXPECT_THAT(text, HasSubstr(R"(records_total{tenant="beta",route="r"} 1)"));
  EXPECT_THAT(text, HasSubstr("# TYPE write_seconds histogram\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(write_seconds_bucket{tenant="acme",route="contacts",component="mock.sink",le="0.025"} 1)"));
  EXPECT_THAT(
      text,
      HasSubstr(
          R"(write_seconds_bucket{tenant="acme",route="contacts",component="mock.sink",le="+Inf"} 2)"));
  EXPECT_THAT(
      text,
      HasSubstr(R"(write_seconds_count{tenant="acme",route="contacts",component="mock.sink"} 2)"));
  // One TYPE line per name even with several label sets.
  EXPECT_EQ(text.find("# TYPE records_total"), text.rfind("# TYPE records_total"));
}

TEST(Metrics, LabelValuesAreEscaped) {
  metrics_registry registry;
  registry.set("g", {"a\"b", "c\\d", ""}, 1);
  EXPECT_THAT(registry.render_prometheus(), HasSubstr(R"(g{tenant="a\"b",route="c\\d"} 1)"));
}

}  // namespace
}  // namespace switchboard::host
