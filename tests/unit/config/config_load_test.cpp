// Tests of load_host_config: a valid host with file and inline tenants, and malformed configs.
#include "support/test_support.hpp"
#include "switchboard/host/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace switchboard::host {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string route_json(const std::string& id = "r1", const std::string& extra = "") {
  return R"({"id": ")" + id +
         R"(", "source": {"component": "mock.source"}, "sink": {"component": "mock.sink"})" +
         extra + "}";
}

std::string tenant_json(const std::string& id, const std::string& routes = "[" + route_json() + "]",
                        const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "plugins": ["mock"], "routes": )" + routes + extra + "}";
}

std::string host_json(const std::string& tenants, const std::string& extra = "") {
  return R"({"tenants": )" + tenants + extra + "}";
}

class ConfigLoad : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& text) {
    test::write_file(dir_ / name, text);
    return dir_ / name;
  }
  fs::path host() const { return dir_ / "host.json"; }

  /// Loads host.json and checks the error's file, pointer and a phrase of its reason.
  void expect_error(const fs::path& file, const std::string& pointer, const std::string& phrase) {
    try {
      load_host_config(host());
      ADD_FAILURE() << "no config_error thrown";
    } catch (const config_error& e) {
      EXPECT_EQ(e.file(), file.string()) << e.what();
      EXPECT_EQ(e.pointer(), pointer) << e.what();
      EXPECT_NE(e.reason().find(phrase), std::string::npos) << e.what();
    }
  }

  /// Writes a host config with one tenant file and expects an error in that tenant file.
  void expect_tenant_error(const std::string& tenant, const std::string& pointer,
                           const std::string& phrase) {
    const auto file = write("tenants/acme.json", tenant);
    write("host.json", host_json(R"(["tenants/acme.json"])"));
    expect_error(file, pointer, phrase);
  }

  test::temp_dir dir_;
};

constexpr const char* full_tenant = R"json({
  "id": "acme",
  "plugins": ["mock", "dynamics365"],
  "connections": {
    "d365": {"plugin": "dynamics365", "options": {"url": "https://crm", "secret": "${env:D365}"}}
  },
  "routes": [
    {
      "id": "contacts",
      "enabled": false,
      "source": {"component": "dynamics365.source", "connection": "d365",
                 "config": {"entity": "contact"}},
      "processors": [{"component": "mock.map", "config": {"field": "x"}}],
      "sink": {"component": "mock.sink"},
      "batch_size": 100,
      "queue_batches": 8,
      "poll_interval": "250ms",
      "id_retention": "14d",
      "error_policy": {"max_attempts": 3, "initial_backoff": "1s", "max_backoff": "1m",
                       "retry_budget": "1h", "on_permanent": "fail_route"}
    }
  ]
})json";

constexpr const char* full_host = R"json({
  // the admin API
  "listen": "0.0.0.0:9090",
  "state": "state/../state/sb.db",
  "plugin_dirs": ["plugins", "/opt/switchboard/plugins/",],
  "worker_threads": 8,
  "shutdown_grace": "2m",
  /* logging */
  "log": {"format": "json", "level": "debug", "file": "logs/sb.log"},
  "tenants": [
    "tenants/acme.json",
    {"id": "globex", "plugins": ["mock"], "routes": [
      {"id": "r1", "source": {"component": "mock.source"}, "sink": {"component": "mock.sink"},},
    ],},
  ],
})json";

TEST_F(ConfigLoad, ParsesHostWithFileAndInlineTenants) {
  write("tenants/acme.json", full_tenant);
  write("host.json", full_host);
  const auto config = load_host_config(host());
  EXPECT_EQ(config.file, host());
  EXPECT_EQ(config.listen, "0.0.0.0:9090");
  EXPECT_EQ(config.state_path, dir_ / "state/sb.db");
  ASSERT_EQ(config.plugin_dirs.size(), 2U);
  EXPECT_EQ(config.plugin_dirs[0], dir_ / "plugins");
  EXPECT_EQ(config.plugin_dirs[1], fs::path("/opt/switchboard/plugins"));
  EXPECT_EQ(config.worker_threads, 8U);
  EXPECT_EQ(config.shutdown_grace, 2min);
  EXPECT_EQ(config.log.format, log_format::json);
  EXPECT_EQ(config.log.level, "debug");
  EXPECT_EQ(config.log.file, dir_ / "logs/sb.log");
  ASSERT_EQ(config.tenants.size(), 2U);

  const auto& acme = config.tenants[0];
  const auto acme_file = (dir_ / "tenants/acme.json").string();
  EXPECT_EQ(acme.id, "acme");
  EXPECT_EQ(acme.plugins, (std::vector<std::string>{"mock", "dynamics365"}));
  EXPECT_EQ(acme.where.file, acme_file);
  EXPECT_EQ(acme.where.pointer, "");
  ASSERT_EQ(acme.connections.count("d365"), 1U);
  const auto& d365 = acme.connections.at("d365");
  EXPECT_EQ(d365.name, "d365");
  EXPECT_EQ(d365.plugin, "dynamics365");
  EXPECT_EQ(d365.options.at("secret").as_string(), "${env:D365}");
  EXPECT_EQ(d365.where.file, acme_file);
  EXPECT_EQ(d365.where.pointer, "/connections/d365");

  ASSERT_EQ(acme.routes.size(), 1U);
  const auto& route = acme.routes[0];
  EXPECT_EQ(route.id, "contacts");
  EXPECT_FALSE(route.enabled);
  EXPECT_EQ(route.where.pointer, "/routes/0");
  EXPECT_EQ(route.source.component, "dynamics365.source");
  EXPECT_EQ(route.source.connection, "d365");
  EXPECT_EQ(route.source.config.at("entity").as_string(), "contact");
  EXPECT_EQ(route.source.where.file, acme_file);
  EXPECT_EQ(route.source.where.pointer, "/routes/0/source");
  ASSERT_EQ(route.processors.size(), 1U);
  EXPECT_EQ(route.processors[0].component, "mock.map");
  EXPECT_EQ(route.processors[0].where.pointer, "/routes/0/processors/0");
  EXPECT_EQ(route.sink.component, "mock.sink");
  EXPECT_TRUE(route.sink.config.empty());
  EXPECT_EQ(route.batch_size, 100U);
  EXPECT_EQ(route.queue_batches, 8U);
  EXPECT_EQ(route.poll_interval, 250ms);
  EXPECT_EQ(route.id_retention, std::chrono::hours(24 * 14));
  EXPECT_EQ(route.errors.max_attempts, 3);
  EXPECT_EQ(route.errors.initial_backoff, 1s);
  EXPECT_EQ(route.errors.max_backoff, 1min);
  EXPECT_EQ(route.errors.retry_budget, 1h);
  EXPECT_EQ(route.errors.on_permanent, permanent_failure_action::fail_route);

  const auto& globex = config.tenants[1];
  EXPECT_EQ(globex.id, "globex");
  EXPECT_EQ(globex.where.file, host().string());
  EXPECT_EQ(globex.where.pointer, "/tenants/1");
  ASSERT_EQ(globex.routes.size(), 1U);
  EXPECT_EQ(globex.routes[0].where.pointer, "/tenants/1/routes/0");
  EXPECT_EQ(globex.routes[0].sink.where.file, host().string());
  EXPECT_EQ(globex.routes[0].sink.where.pointer, "/tenants/1/routes/0/sink");
}

TEST_F(ConfigLoad, FillsDefaults) {
  write("host.json", host_json("[" + tenant_json("acme") + "]"));
  const auto config = load_host_config(host());
  EXPECT_EQ(config.listen, "127.0.0.1:8080");
  EXPECT_EQ(config.state_path, dir_ / "switchboard.db");
  EXPECT_TRUE(config.plugin_dirs.empty());
  EXPECT_EQ(config.worker_threads, 2U);
  EXPECT_EQ(config.shutdown_grace, 30s);
  EXPECT_EQ(config.log.format, log_format::human);
  EXPECT_EQ(config.log.level, "info");
  EXPECT_TRUE(config.log.file.empty());
  const auto& route = config.tenants.at(0).routes.at(0);
  EXPECT_TRUE(route.enabled);
  EXPECT_TRUE(route.processors.empty());
  EXPECT_TRUE(route.source.connection.empty());
  EXPECT_EQ(route.batch_size, 500U);
  EXPECT_EQ(route.queue_batches, 4U);
  EXPECT_EQ(route.poll_interval, 5s);
  EXPECT_EQ(route.errors.max_attempts, 5);
  EXPECT_EQ(route.errors.initial_backoff, 200ms);
  EXPECT_EQ(route.errors.max_backoff, 30s);
  EXPECT_EQ(route.errors.retry_budget, 5min);
  EXPECT_EQ(route.errors.on_permanent, permanent_failure_action::dead_letter);
}

/// Changes the working directory for its lifetime.
class working_directory {
 public:
  explicit working_directory(const fs::path& dir) : previous_(fs::current_path()) {
    fs::current_path(dir);
  }
  ~working_directory() { fs::current_path(previous_); }
  working_directory(const working_directory&) = delete;
  working_directory& operator=(const working_directory&) = delete;

 private:
  fs::path previous_;
};

TEST_F(ConfigLoad, LoadsRelativeHostPathAsAbsolute) {
  write("host.json", host_json("[" + tenant_json("acme") + "]"));
  const working_directory cwd(dir_.path());
  const auto config = load_host_config("host.json");
  EXPECT_EQ(config.file, host());
  EXPECT_EQ(config.state_path, dir_ / "switchboard.db");
}

TEST_F(ConfigLoad, AcceptsEmptyRoutes) {
  write("host.json", host_json("[" + tenant_json("acme", "[]") + "]"));
  EXPECT_TRUE(load_host_config(host()).tenants.at(0).routes.empty());
}

TEST_F(ConfigLoad, ReportsSyntaxErrorWithLineAndColumn) {
  write("host.json", "{\n  \"listen\": \"a:1\"\n  \"tenants\": []\n}\n");
  try {
    load_host_config(host());
    ADD_FAILURE() << "no config_error thrown";
  } catch (const config_error& e) {
    EXPECT_EQ(e.file(), host().string());
    EXPECT_EQ(e.pointer(), "");
    EXPECT_EQ(std::string(e.what()), host().string() + ":3:3: " + e.reason());
    EXPECT_NE(e.reason().find("syntax error"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigLoad, ReportsSyntaxErrorInTenantFile) {
  const auto tenant = write("tenants/acme.json", "{\"id\": \"acme\",\n\n  \"plugins\": [\"mock\"");
  write("host.json", host_json(R"(["tenants/acme.json"])"));
  try {
    load_host_config(host());
    ADD_FAILURE() << "no config_error thrown";
  } catch (const config_error& e) {
    EXPECT_EQ(e.file(), tenant.string());
    EXPECT_EQ(std::string(e.what()), tenant.string() + ":3:21: unexpected end of input");
  }
}

TEST_F(ConfigLoad, RejectsUnknownTopLevelKey) {
  write("host.json", host_json("[" + tenant_json("acme") + "]", R"(, "listne": "a:1")"));
  expect_error(host(), "/listne", "unknown key \"listne\" (allowed: listen, state,");
}

TEST_F(ConfigLoad, RejectsUnknownRouteKey) {
  expect_tenant_error(tenant_json("acme", "[" + route_json("r1", R"(, "batchsize": 5)") + "]"),
                      "/routes/0/batchsize", "unknown key \"batchsize\"");
}

TEST_F(ConfigLoad, RejectsUnknownLogKey) {
  write("host.json", host_json("[" + tenant_json("acme") + "]", R"(, "log": {"levle": "info"})"));
  expect_error(host(), "/log/levle", "unknown key \"levle\" (allowed: format, level, file)");
}

TEST_F(ConfigLoad, RejectsWrongType) {
  write("host.json", host_json("[" + tenant_json("acme") + "]", R"(, "worker_threads": "two")"));
  expect_error(host(), "/worker_threads", R"(expected an integer from 1 to 256, got "two")");
}

TEST_F(ConfigLoad, RejectsWrongTypeOfEnabled) {
  expect_tenant_error(tenant_json("acme", "[" + route_json("r1", R"(, "enabled": "yes")") + "]"),
                      "/routes/0/enabled", R"(expected a boolean, got "yes")");
}

TEST_F(ConfigLoad, RejectsMissingSink) {
  const auto route = R"({"id": "r1", "source": {"component": "mock.source"}})";
  write("host.json", host_json("[" + tenant_json("acme", std::string("[") + route + "]") + "]"));
  expect_error(host(), "/tenants/0/routes/0/sink", "required key is missing");
}

TEST_F(ConfigLoad, RejectsMissingComponentId) {
  const auto route = R"({"id": "r1", "source": {"config": {}}, "sink": {"component": "s"}})";
  expect_tenant_error(tenant_json("acme", std::string("[") + route + "]"),
                      "/routes/0/source/component", "required key is missing");
}

TEST_F(ConfigLoad, RejectsMissingTenants) {
  write("host.json", R"({"listen": "127.0.0.1:1"})");
  expect_error(host(), "/tenants", "required key is missing");
}

TEST_F(ConfigLoad, RejectsDuplicateRouteId) {
  expect_tenant_error(tenant_json("acme", "[" + route_json("r1") + "," + route_json("r1") + "]"),
                      "/routes/1/id", "duplicate route id \"r1\"");
}

TEST_F(ConfigLoad, MappingsAreOneToOneAmongEnabledRoutes) {
  const auto mapping = [](const std::string& table, const std::string& resource) {
    return R"(, "mapping": {"source": {"table": ")" + table + R"("}, "target": {"resource": ")" +
           resource + R"("}})";
  };
  expect_tenant_error(
      tenant_json("acme", "[" + route_json("a", mapping("contact", "profile")) + "," +
                              route_json("b", mapping("contact", "cusX")) + "]"),
      "/routes/1/mapping/source/table",
      "Dataverse table \"contact\" is already mapped by route \"a\": mappings "
      "are one-to-one");
  expect_tenant_error(
      tenant_json("acme", "[" + route_json("a", mapping("contact", "profile")) + "," +
                              route_json("b", mapping("lead", "profile")) + "]"),
      "/routes/1/mapping/target/resource",
      "Campaign resource \"profile\" is already mapped by route \"a\"");
  // A disabled route does not count.
  write("tenants/acme.json",
        tenant_json("acme",
                    "[" + route_json("a", mapping("contact", "profile")) + "," +
                        route_json("b", mapping("contact", "profile") + R"(, "enabled": false)") +
                        "]"));
  EXPECT_EQ(load_host_config(host()).tenants.at(0).routes.size(), 2U);
}

TEST_F(ConfigLoad, RejectsDuplicateTenantId) {
  const auto tenant = write("tenants/acme.json", tenant_json("acme"));
  write("host.json", host_json("[" + tenant_json("acme") + R"(, "tenants/acme.json"])"));
  expect_error(
      tenant, "/id",
      "duplicate tenant id \"acme\" (first defined in " + host().string() + " at /tenants/0)");
}

TEST_F(ConfigLoad, RejectsBadIdCharset) {
  write("host.json", host_json("[" + tenant_json("Acme Corp") + "]"));
  expect_error(host(), "/tenants/0/id",
               R"(expected an id matching ^[a-z0-9][a-z0-9_-]{0,62}$, got "Acme Corp")");
}

TEST_F(ConfigLoad, RejectsTooLongRouteId) {
  expect_tenant_error(tenant_json("acme", "[" + route_json(std::string(64, 'r')) + "]"),
                      "/routes/0/id", "expected an id matching");
}

TEST_F(ConfigLoad, RejectsBadDuration) {
  expect_tenant_error(
      tenant_json("acme", "[" + route_json("r1", R"(, "poll_interval": "5 parsecs")") + "]"),
      "/routes/0/poll_interval", R"(expected a duration such as "250ms")");
}

TEST_F(ConfigLoad, RejectsAnIdRetentionShorterThanAMinute) {
  expect_tenant_error(
      tenant_json("acme", "[" + route_json("r1", R"(, "id_retention": "30s")") + "]"),
      "/routes/0/id_retention", "id_retention must be at least 1m");
}

TEST_F(ConfigLoad, RejectsBatchSizeOutOfRange) {
  const auto tenant =
      write("tenants/acme.json",
            tenant_json("acme", "[" + route_json("r1", R"(, "batch_size": "big")") + "]"));
  write("host.json", host_json(R"(["tenants/acme.json"])"));
  try {
    load_host_config(host());
    ADD_FAILURE() << "no config_error thrown";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()),
              tenant.string() +
                  R"(: /routes/0/batch_size: expected an integer from 1 to 100000, got "big")");
  }
}

TEST_F(ConfigLoad, RejectsBatchSizeZero) {
  expect_tenant_error(tenant_json("acme", "[" + route_json("r1", R"(, "batch_size": 0)") + "]"),
                      "/routes/0/batch_size", "expected an integer from 1 to 100000, got 0");
}

TEST_F(ConfigLoad, RejectsConnectionWithPluginNotEnabled) {
  const auto extra = R"(, "connections": {"crm": {"plugin": "dynamics365"}})";
  expect_tenant_error(tenant_json("acme", "[]", extra), "/connections/crm/plugin",
                      "plugin \"dynamics365\" is not enabled for this tenant (plugins: \"mock\")");
}

TEST_F(ConfigLoad, RejectsRouteNamingUnknownConnection) {
  const auto route = R"({"id": "r1", "source": {"component": "mock.source", "connection": "nope"},
                         "sink": {"component": "mock.sink"}})";
  const auto extra = R"(, "connections": {"main": {"plugin": "mock"}})";
  expect_tenant_error(tenant_json("acme", std::string("[") + route + "]", extra),
                      "/routes/0/source/connection",
                      "unknown connection \"nope\" (connections: \"main\")");
}

TEST_F(ConfigLoad, RejectsInitialBackoffAboveMaxBackoff) {
  const auto policy = R"(, "error_policy": {"initial_backoff": "1m", "max_backoff": "10s"})";
  expect_tenant_error(tenant_json("acme", "[" + route_json("r1", policy) + "]"),
                      "/routes/0/error_policy/initial_backoff",
                      "initial_backoff (60000ms) must not exceed max_backoff (10000ms)");
}

TEST_F(ConfigLoad, RejectsUnknownPermanentFailureAction) {
  const auto policy = R"(, "error_policy": {"on_permanent": "retry"})";
  expect_tenant_error(tenant_json("acme", "[" + route_json("r1", policy) + "]"),
                      "/routes/0/error_policy/on_permanent",
                      R"(expected one of "dead_letter", "fail_route", got "retry")");
}

TEST_F(ConfigLoad, ReportsMissingTenantFile) {
  write("host.json", host_json(R"(["tenants/missing.json"])"));
  expect_error(host(), "/tenants/0",
               "cannot read tenant file " + (dir_ / "tenants/missing.json").string() +
                   ": no such file or directory");
}

TEST_F(ConfigLoad, ReportsMissingHostFile) {
  expect_error(host(), "", "no such file or directory");
}

TEST_F(ConfigLoad, RejectsEmptyTenants) {
  write("host.json", host_json("[]"));
  expect_error(host(), "/tenants", "expected at least one tenant");
}

TEST_F(ConfigLoad, RejectsTenantEntryOfWrongType) {
  write("host.json", host_json("[42]"));
  expect_error(host(), "/tenants/0", "expected a tenant file path or a tenant object, got 42");
}

TEST_F(ConfigLoad, RejectsDuplicateConnectionKey) {
  const auto extra = R"(, "connections": {"main": {"plugin": "mock"}, "main": {"plugin": "mock"}})";
  expect_tenant_error(tenant_json("acme", "[]", extra), "/connections/main",
                      "duplicate key \"main\"");
}

TEST_F(ConfigLoad, EscapesPointerOfBadConnectionName) {
  const auto extra = R"(, "connections": {"a/b~c": {"plugin": "mock"}})";
  expect_tenant_error(tenant_json("acme", "[]", extra), "/connections/a~1b~0c",
                      "invalid connection name \"a/b~c\"");
}

TEST_F(ConfigLoad, RejectsDuplicatePlugin) {
  const auto tenant = R"({"id": "acme", "plugins": ["mock", "mock"], "routes": []})";
  expect_tenant_error(tenant, "/plugins/1", "duplicate plugin \"mock\"");
}

TEST_F(ConfigLoad, RejectsUnknownLogLevel) {
  write("host.json", host_json("[" + tenant_json("acme") + "]", R"(, "log": {"level": "loud"})"));
  expect_error(host(), "/log/level",
               R"(expected one of "trace", "debug", "info", "warn", "error", got "loud")");
}

TEST_F(ConfigLoad, RejectsBadListenAddress) {
  write("host.json",
        host_json("[" + tenant_json("acme") + "]", R"(, "listen": "localhost:99999")"));
  expect_error(host(), "/listen", R"(with a port from 0 to 65535, got "localhost:99999")");
}

TEST_F(ConfigLoad, HidesValueOfMistypedComponentConfig) {
  const auto route = R"({"id": "r1", "source": {"component": "mock.source", "config": "hunter2"},
                         "sink": {"component": "mock.sink"}})";
  write("host.json", host_json("[" + tenant_json("acme", std::string("[") + route + "]") + "]"));
  try {
    load_host_config(host());
    ADD_FAILURE() << "no config_error thrown";
  } catch (const config_error& e) {
    EXPECT_EQ(e.pointer(), "/tenants/0/routes/0/source/config");
    EXPECT_EQ(e.reason(), "expected an object, got a string");
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }
}

}  // namespace
}  // namespace switchboard::host
