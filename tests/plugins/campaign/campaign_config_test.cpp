// campaign.resource configuration: the plugin loads through the real loader next to the others,
// its schema declares every option with its default, and bad values fail the route's start
// naming the option.
#include "support/test_host.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <string>

namespace switchboard::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr std::string_view minimal_mapping = R"({"name": "contacts",
    "source": {"table": "contact", "key": "contactid"},
    "target": {"resource": "profile", "key": "externalId"},
    "fields": [{"source": "lastname", "target": "lastName"}]})";

TEST(CampaignConfig, LoadsThroughTheRealLoaderNextToOtherPlugins) {
  test_host host;
  const auto plugin = host.plugins().find_plugin("campaign");
  ASSERT_NE(plugin, nullptr);
  EXPECT_EQ(plugin->version, "1.0.0");
  ASSERT_NE(host.plugins().find_plugin("mock"), nullptr);
  const auto component = host.plugins().find_component("campaign.resource");
  ASSERT_TRUE(component.has_value());
  EXPECT_EQ(component->descriptor->kind, sdk::component_kind::sink);
  EXPECT_TRUE(component->descriptor->make_sink);
  EXPECT_EQ(component->plugin, plugin);
}

TEST(CampaignConfig, SchemaDeclaresEveryOptionWithItsDefault) {
  test_host host;
  const auto component = host.plugins().find_component("campaign.resource");
  ASSERT_TRUE(component.has_value());
  std::map<std::string, const sdk::option_def*> options;
  for (const auto& o : component->descriptor->config) {
    EXPECT_FALSE(o.description.empty()) << o.name;
    options[o.name] = &o;
  }
  for (const auto* name :
       {"url", "api_key", "connection", "mapping", "api", "concurrency", "timeout_ms"}) {
    EXPECT_TRUE(options.contains(name)) << name;
  }
  ASSERT_EQ(options.size(), 7u);
  EXPECT_TRUE(options["url"]->required);
  EXPECT_TRUE(options["api_key"]->required);
  EXPECT_TRUE(options["mapping"]->required);
  EXPECT_EQ(options["mapping"]->type, sdk::option_type::object);
  EXPECT_EQ(options["connection"]->default_value, json::value("campaign"));
  EXPECT_EQ(options["api"]->default_value, json::value("profileAndServicesExt"));
  EXPECT_EQ(options["api"]->allowed_values.size(), 3u);
  EXPECT_EQ(options["concurrency"]->default_value, json::value(16));
  EXPECT_EQ(options["concurrency"]->minimum, 1.0);
  EXPECT_EQ(options["concurrency"]->maximum, 64.0);
  EXPECT_EQ(options["timeout_ms"]->default_value, json::value(30000));
}

/// Runs a route whose sink is campaign.resource with `connection_options` on connection "acs"
/// (with or without auth) and `sink_config`; returns the failure message.
std::string start_failure(const std::string& connection_options, const std::string& sink_config,
                          bool with_auth = true) {
  test_host host;
  write_file(host.path("in.jsonl"), R"({"key": "c-1", "fields": {"lastname": "Doe"}})"
                                    "\n");
  const std::string auth =
      with_auth ? R"(, "auth": {"type": "ims_oauth", "ims_url": "https://127.0.0.1:9",
                    "client_id": "client", "client_secret": "secret"})"
                : "";
  // Option types and bounds are checked when the config is loaded; what only the factory can
  // check fails the run.
  try {
    host.configure_tenant(fmt::format(R"({{"id": "acme", "plugins": ["mock", "campaign"],
      "connections": {{"acs": {{"plugin": "campaign", "options": {}{}}}}},
      "routes": [{{"id": "contacts",
        "source": {{"component": "mock.source", "config": {{"jsonl": "{}"}}}},
        "sink": {{"component": "campaign.resource", "connection": "acs", "config": {}}},
        "mapping": {}}}]}})",
                                      connection_options, auth, host.path("in.jsonl").string(),
                                      sink_config, minimal_mapping));
    const auto outcomes = host.run_once();
    EXPECT_EQ(outcomes.size(), 1u);
    if (outcomes.empty()) return {};
    EXPECT_EQ(outcomes.front().status, host::run_status::failed);
    EXPECT_EQ(outcomes.front().counts.written, 0u);
    return outcomes.front().message;
  } catch (const host::config_error& e) {
    return e.what();
  }
}

constexpr std::string_view good_options =
    R"({"url": "https://127.0.0.1:9/acme", "api_key": "client", "connection": "acs"})";

TEST(CampaignConfig, BadValuesFailTheStartNamingTheOption) {
  struct bad_case {
    std::string connection_options;
    std::string sink_config;
    std::string expected;
  };
  const std::vector<bad_case> cases = {
      {std::string(good_options), R"({"concurrency": 0})", "/concurrency"},
      {std::string(good_options), R"({"concurrency": 65})", "/concurrency"},
      {std::string(good_options), R"({"api": "soap"})", "/api"},
      {std::string(good_options), R"({"colour": "blue"})", "/colour"},
      {std::string(good_options), R"({"timeout_ms": 10})", "/timeout_ms"},
      {R"({"api_key": "client", "connection": "acs"})", "{}", "url"},
      {R"({"url": "http://mc.adobe.io/acme", "api_key": "client", "connection": "acs"})", "{}",
       "\"url\" must be an https URL"},
      {std::string(good_options), R"({"mapping": {"name": "contacts"}})",
       "mapping \"contacts\": required key \"source\" is missing"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.connection_options + " " + c.sink_config);
    EXPECT_THAT(start_failure(c.connection_options, c.sink_config), HasSubstr(c.expected));
  }
}

TEST(CampaignConfig, AConnectionWithoutAuthFailsTheStart) {
  EXPECT_THAT(start_failure(std::string(good_options), "{}", false),
              HasSubstr("campaign.resource: the tenant has no connection \"acs\" with auth"));
}

}  // namespace
}  // namespace switchboard::test
