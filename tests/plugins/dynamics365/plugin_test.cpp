// The built dynamics365 shared object loads through the host's real loader, next to the other
// plugins, and describes its component and options.
#include "support/test_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace switchboard::test {
namespace {

using ::testing::UnorderedElementsAre;

TEST(Dynamics365Plugin, LoadsThroughTheRealLoaderNextToOtherPlugins) {
  test_host host;
  const auto found = host.plugins().find_component("dynamics365.table");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->plugin->id, "dynamics365");
  EXPECT_EQ(found->plugin->version, "1.0.0");
  std::vector<std::string> components;
  for (const auto& c : found->plugin->components) components.push_back(c.id);
  EXPECT_THAT(components, UnorderedElementsAre("dynamics365.table", "dynamics365.activities"));
  EXPECT_EQ(found->descriptor->kind, sdk::component_kind::source);
  EXPECT_TRUE(found->descriptor->make_source);
  std::vector<std::string> names;
  for (const auto& option : found->descriptor->config) names.push_back(option.name);
  EXPECT_THAT(names, UnorderedElementsAre("url", "api_version", "connection", "table", "columns",
                                          "page_size", "picklists", "timeout_ms", "mapping"));
  const auto& config = found->descriptor->config;
  const auto option = [&](std::string_view name) {
    return *std::find_if(config.begin(), config.end(),
                         [&](const sdk::option_def& o) { return o.name == name; });
  };
  EXPECT_TRUE(option("url").required);
  EXPECT_EQ(option("api_version").default_value, "v9.2");
  EXPECT_EQ(option("connection").default_value, "dynamics365");
  EXPECT_EQ(option("page_size").default_value, 5000);
  EXPECT_EQ(option("page_size").maximum, 5000);
  EXPECT_EQ(option("mapping").type, sdk::option_type::object);
  EXPECT_TRUE(host.plugins().find_component("mock.sink").has_value());
}

}  // namespace
}  // namespace switchboard::test
