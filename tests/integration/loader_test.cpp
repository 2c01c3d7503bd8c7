// The loader against real plugins and deliberately broken fixtures.
#include "support/test_host.hpp"
#include "support/test_support.hpp"
#include "switchboard/host/plugin_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace switchboard::test {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const fs::path plugin_dir = SWITCHBOARD_TEST_PLUGIN_DIR;
const fs::path fixture_dir = SWITCHBOARD_TEST_FIXTURE_DIR;

fs::path fixture(const std::string& name) {
  return fixture_dir / ("switchboard_fixture_" + name + ".so");
}

/// Sets SWITCHBOARD_FIXTURE_MARKER for the lifetime of the object.
struct marker_env {
  temp_dir dir;
  fs::path file = dir / "marker";
  marker_env() { ::setenv("SWITCHBOARD_FIXTURE_MARKER", file.c_str(), 1); }
  ~marker_env() { ::unsetenv("SWITCHBOARD_FIXTURE_MARKER"); }
};

bool library_mapped(const fs::path& path) {
  return read_file("/proc/self/maps").find(fs::canonical(path).string()) != std::string::npos;
}

TEST(Loader, LoadsTwoPluginsAtOnceWithTheirComponents) {
  host::plugin_registry registry;
  EXPECT_TRUE(registry.load_directory(plugin_dir).empty());
  const auto mock = registry.find_plugin("mock");
  const auto example = registry.find_plugin("example");
  ASSERT_TRUE(mock && example);
  EXPECT_EQ(mock->version, "1.0.0");
  ASSERT_TRUE(registry.find_component("mock.source"));
  EXPECT_EQ(registry.find_component("mock.source")->descriptor->kind, sdk::component_kind::source);
  EXPECT_EQ(registry.find_component("mock.sink")->descriptor->kind, sdk::component_kind::sink);
  EXPECT_EQ(registry.find_component("mock.passthrough")->plugin, mock);
  EXPECT_EQ(registry.find_component("example.uppercase")->plugin, example);
  EXPECT_FALSE(registry.find_component("mock.nothing"));
}

TEST(Loader, RefusesAnotherSdkAbiBeforeRunningAnyOfItsCode) {
  marker_env marker;
  host::plugin_registry registry;
  const auto error = registry.load_file(fixture("abi_mismatch"));
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("built for SDK ABI version 999"));
  EXPECT_THAT(error->message, HasSubstr("this host speaks SDK ABI version 2"));
  EXPECT_THAT(error->message, HasSubstr("switchboard_fixture_abi_mismatch.so"));
  EXPECT_FALSE(fs::exists(marker.file)) << read_file(marker.file);
  EXPECT_FALSE(registry.find_plugin("fixture_abi"));
}

TEST(Loader, RefusesAFingerprintMismatchNamingBothSides) {
  marker_env marker;
  host::plugin_registry registry;
  const auto error = registry.load_file(fixture("fingerprint_mismatch"));
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("plugin built with gcc 10.2.1"));
  EXPECT_THAT(error->message, HasSubstr("Boost 1.74.0"));
  EXPECT_THAT(error->message,
              HasSubstr("host built with " + host::describe(sdk::this_build_fingerprint)));
  EXPECT_FALSE(fs::exists(marker.file));
}

TEST(Loader, RefusesAFileThatIsNotASharedObject) {
  temp_dir dir;
  write_file(dir / "bogus.so", "this is not an ELF file\n");
  host::plugin_registry registry;
  const auto errors = registry.load_directory(dir.path());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("bogus.so: not a loadable shared object"));
}

TEST(Loader, RefusesASharedObjectWithoutEntryPoint) {
  host::plugin_registry registry;
  const auto error = registry.load_file(fixture("no_entry_point"));
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("missing entry point \"switchboard_plugin\""));
}

TEST(Loader, RefusesADuplicatePluginId) {
  temp_dir other;
  fs::copy_file(plugin_dir / "switchboard_mock.so", other / "switchboard_mock_copy.so");
  host::plugin_registry registry;
  EXPECT_FALSE(registry.load_file(plugin_dir / "switchboard_mock.so").has_value());
  const auto error = registry.load_file(other / "switchboard_mock_copy.so");
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("duplicate plugin id \"mock\": already loaded from"));
  EXPECT_THAT(error->message, HasSubstr("switchboard_mock.so"));
}

TEST(Loader, ReportsAComponentListingThatThrows) {
  host::plugin_registry registry;
  const auto error = registry.load_file(fixture("components_throw"));
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("listing the components of \"fixture_listing\" threw: "
                                        "fixture: cannot list components"));
  EXPECT_FALSE(registry.find_plugin("fixture_listing"));
}

TEST(Loader, RefusesAComponentIdOutsideThePluginNamespace) {
  host::plugin_registry registry;
  const auto error = registry.load_file(fixture("bad_component_id"));
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(error->message, HasSubstr("component id \"other.sink\" must be dotted lowercase and "
                                        "start with \"fixture_badid.\""));
}

TEST(Loader, AFactoryThatThrowsFailsOnlyItsRoute) {
  test_host h;
  ASSERT_FALSE(h.plugins().load_file(fixture("factory_throws")).has_value());
  h.configure(R"([
    {"id": "broken", "source": {"component": "fixture_factory.source"},
     "sink": {"component": "mock.sink", "config": {"mode": "null"}}},
    {"id": "fine", "source": {"component": "mock.source", "config": {"count": 100}},
     "sink": {"component": "mock.sink", "config": {"mode": "null"}}}])",
              R"(["mock", "fixture_factory"])");
  const auto outcomes = h.run_once();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status, host::run_status::failed);
  EXPECT_THAT(outcomes[0].message, HasSubstr("creating fixture_factory.source"));
  EXPECT_THAT(outcomes[0].message, HasSubstr("fixture: factory refuses to build"));
  EXPECT_EQ(outcomes[1].status, host::run_status::succeeded);
  EXPECT_EQ(outcomes[1].counts.written, 100u);
}

TEST(Loader, KeepsTheLibraryLoadedWhileAnObjectFromItLives) {
  const auto path = plugin_dir / "switchboard_example.so";
  host::plugin_object<sdk::processor> processor;
  {
    host::plugin_registry registry;
    ASSERT_FALSE(registry.load_file(path).has_value());
    const auto component = registry.find_component("example.uppercase");
    ASSERT_TRUE(component);
    boost::json::object config{{"fields", boost::json::array{"name"}}};
    const sdk::options options(config);
    struct null_context final : sdk::context {
      struct : sdk::logger {
        bool enabled(sdk::log_level) const noexcept override { return false; }
        void write(sdk::log_level, std::string_view) override {}
      } log_;
      struct : sdk::metrics_recorder {
        void add(std::string_view, double) override {}
        void set(std::string_view, double) override {}
        void observe(std::string_view, double) override {}
      } metrics_;
      std::string_view tenant() const noexcept override { return "t"; }
      std::string_view route() const noexcept override { return "r"; }
      std::string_view component() const noexcept override { return "example.uppercase"; }
      sdk::logger& log() noexcept override { return log_; }
      sdk::metrics_recorder& metrics() noexcept override { return metrics_; }
      sdk::clock_service& clock() noexcept override { std::abort(); }
      sdk::kv_state& state() noexcept override { std::abort(); }
      sdk::kv_state& tenant_state() noexcept override { std::abort(); }
      sdk::id_map& ids() noexcept override { std::abort(); }
      sdk::http_client* http() noexcept override { return nullptr; }
      sdk::token_provider* tokens(std::string_view) noexcept override { return nullptr; }
      bool stop_requested() const noexcept override { return false; }
      bool replaying() const noexcept override { return false; }
      sdk::id_map* route_ids(std::string_view) noexcept override { return nullptr; }
    };
    static null_context context;
    processor = host::plugin_object<sdk::processor>(
        component->plugin, component->descriptor->make_processor(options, context));
  }
  // The registry is gone; the processor still works because it holds its library.
  ASSERT_TRUE(library_mapped(path));
  std::vector<sdk::record> records(1);
  records[0].key = "k";
  records[0].fields["name"] = "ada";
  std::vector<sdk::rejected_record> rejected;
  processor->process(records, rejected);
  EXPECT_EQ(records[0].fields["name"].as_string(), "ADA");
  processor = {};
  EXPECT_FALSE(library_mapped(path));
}

}  // namespace
}  // namespace switchboard::test
