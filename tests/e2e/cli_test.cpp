// The switchboard executable end to end: commands, exit codes, signals, crashes and restarts.
#include "sandbox/ingress_schema.hpp"
#include "support/process.hpp"
#include "support/test_host.hpp"
#include "support/test_support.hpp"
#include "switchboard/host/state_store.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <set>

namespace switchboard::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

const std::string binary = SWITCHBOARD_TEST_BINARY;

process_result switchboard(std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  return run_process(args);
}

/// A host config in `dir` with one tenant "acme" and the given routes.
fs::path write_config(const temp_dir& dir, const std::string& routes,
                      const std::string& name = "host.json",
                      const std::string& plugins = R"(["mock"])") {
  const auto file = dir / name;
  write_file(file, fmt::format(R"({{
  // written by the end-to-end tests
  "state": "state.db",
  "plugin_dirs": ["{}"],
  "shutdown_grace": "20s",
  "log": {{"format": "human", "level": "info", "file": "host.log"}},
  "tenants": [{{"id": "acme", "plugins": {}, "routes": {}}}],
}})",
                               SWITCHBOARD_TEST_PLUGIN_DIR, plugins, routes));
  return file;
}

std::string mock_route(const std::string& source, const std::string& sink,
                       const std::string& policy = "") {
  return fmt::format(R"([{{"id": "contacts", "batch_size": 200,
      "source": {{"component": "mock.source", "config": {}}},
      "sink": {{"component": "mock.sink", "config": {}}},
      "error_policy": {{"initial_backoff": "1ms", "max_backoff": "5ms"{}}}}}])",
                     source, sink, policy.empty() ? "" : ", " + policy);
}

std::string jsonl_sink(const temp_dir& dir, const std::string& extra = "") {
  return fmt::format(R"({{"mode": "jsonl", "path": "{}"{}}})", (dir / "sink.jsonl").string(),
                     extra.empty() ? "" : ", " + extra);
}

std::set<std::string> key_set(const fs::path& file) {
  const auto keys = jsonl_keys(file);
  return {keys.begin(), keys.end()};
}

std::set<std::string> expected_keys(std::uint64_t count) {
  std::set<std::string> keys;
  for (std::uint64_t i = 0; i < count; ++i) keys.insert(mock_key(i));
  return keys;
}

std::uint64_t committed_cursor(const temp_dir& dir) {
  auto state = host::open_sqlite_state_store(dir / "state.db");
  const auto cursor = state->cursor({"acme", "contacts"});
  return cursor && !cursor->empty() ? std::stoull(*cursor) : 0;
}

TEST(Cli, HelpListsEveryCommand) {
  const auto r = switchboard({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* command : {"run", "demo", "validate", "plugins", "routes", "dlq", "replay"}) {
    EXPECT_THAT(r.out, HasSubstr(command));
  }
  EXPECT_THAT(r.out, HasSubstr("exit codes"));
}

TEST(Cli, UnknownCommandIsAUsageError) {
  const auto r = switchboard({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, DemoPrintsASummaryWithRecordsReadAndWritten) {
  temp_dir dir;
  const auto r = switchboard({"demo", "--records", "5000", "--dir", dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("records read:    5000"));
  EXPECT_THAT(r.out, HasSubstr("records written: 5000"));
  EXPECT_THAT(r.out, HasSubstr("5000 lines, 5000 distinct keys"));
  EXPECT_THAT(r.out, HasSubstr("second run:      resumed from the cursor: read 0"));
  EXPECT_THAT(r.out, HasSubstr("demo ok"));
}

TEST(Cli, PluginsListShowsPluginsComponentsAndPaths) {
  const auto r = switchboard({"plugins", "list", "--plugin-dir", SWITCHBOARD_TEST_PLUGIN_DIR});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("mock 1.0.0"));
  EXPECT_THAT(r.out, HasSubstr("switchboard_mock.so"));
  EXPECT_THAT(r.out, HasSubstr("mock.source (source)"));
  EXPECT_THAT(r.out, HasSubstr("mock.passthrough (processor)"));
  EXPECT_THAT(r.out, HasSubstr("mock.sink (sink)"));
  EXPECT_THAT(r.out, HasSubstr("example.uppercase (processor)"));
}

TEST(Cli, PluginsListReportsRefusedPluginsWithExitCode3) {
  temp_dir dir;
  fs::copy_file(fs::path(SWITCHBOARD_TEST_FIXTURE_DIR) / "switchboard_fixture_abi_mismatch.so",
                dir / "switchboard_fixture_abi_mismatch.so");
  const auto r = switchboard({"plugins", "list", "--plugin-dir", dir.path().string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err,
              HasSubstr("built for SDK ABI version 999, but this host speaks SDK ABI version 2"));
}

TEST(Cli, RunOnceThenRoutesStatus) {
  temp_dir dir;
  const auto config = write_config(dir, mock_route(R"({"count": 3000})", jsonl_sink(dir)));
  const auto r = switchboard({"run", config.string(), "--once"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("acme/contacts: succeeded"));
  EXPECT_THAT(r.out, HasSubstr("read 3000, written 3000"));
  const auto status = switchboard({"routes", "status", config.string()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("acme/contacts"));
  EXPECT_THAT(status.out, HasSubstr("succeeded (run 1"));
  EXPECT_THAT(status.out, HasSubstr("cursor:       3000"));
  EXPECT_THAT(status.out, HasSubstr("dead letters: 0"));
}

TEST(Cli, ReplayIsRefusedAboveTheGuardAndOtherwiseRereadsTheWholeSourceOnTheNextRun) {
  temp_dir dir;
  const auto routes = [&](int guard) {
    return fmt::format(R"([{{"id": "contacts", "replay_guard": {},
        "source": {{"component": "mock.source", "config": {{"count": 500}}}},
        "sink": {{"component": "mock.sink", "config": {}}}}}])",
                       guard, jsonl_sink(dir));
  };
  auto config = write_config(dir, routes(500));
  ASSERT_EQ(switchboard({"run", config.string(), "--once"}).exit_code, 0);
  ASSERT_EQ(key_set(dir / "sink.jsonl").size(), 500U);

  // 500 records in the source reach the guard of 500: refused, and nothing changes.
  auto refused = switchboard({"replay", "acme", "contacts", config.string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("replay of acme/contacts refused: 500 records in the source, "
                                     "0 waiting in the dead-letter store; the guard is 500"));
  auto again = switchboard({"run", config.string(), "--once"});
  EXPECT_THAT(again.out, HasSubstr("read 0, written 0"));

  // Unknown route: a configuration error.
  EXPECT_EQ(switchboard({"replay", "acme", "nope", config.string()}).exit_code, 2);

  // Forced (or under the guard): accepted; the next run reads everything again, once.
  auto forced = switchboard({"replay", "acme", "contacts", config.string(), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_THAT(forced.out, HasSubstr("replay of acme/contacts accepted (500 records in the source"));
  auto replayed = switchboard({"run", config.string(), "--once"});
  EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_THAT(replayed.out, HasSubstr("read 500, written 500"));
  EXPECT_EQ(jsonl_keys(dir / "sink.jsonl").size(), 1000U);
  EXPECT_EQ(committed_cursor(dir), 500U);
  EXPECT_THAT(read_file(dir / "host.log"), HasSubstr("replay finished"));
  auto after = switchboard({"run", config.string(), "--once"});
  EXPECT_THAT(after.out, HasSubstr("read 0, written 0"));

  config = write_config(dir, routes(501));
  EXPECT_EQ(switchboard({"replay", "acme", "contacts", config.string()}).exit_code, 0);

  // The source shrank to 450 records: after the replay's full read, the 50 it no longer has
  // are deleted in the target (their id map entries were not refreshed by the pass).
  config = write_config(dir, fmt::format(R"([{{"id": "contacts",
        "source": {{"component": "mock.source", "config": {{"count": 450}}}},
        "sink": {{"component": "mock.sink", "config": {}}}}}])",
                                         jsonl_sink(dir)));
  ASSERT_EQ(switchboard({"replay", "acme", "contacts", config.string()}).exit_code, 0);
  const auto shrunk = switchboard({"run", config.string(), "--once"});
  EXPECT_EQ(shrunk.exit_code, 0) << shrunk.err;
  EXPECT_THAT(shrunk.out, HasSubstr("read 450, written 500"));
  EXPECT_THAT(read_file(dir / "host.log"),
              HasSubstr("full pass complete: 50 record(s) whose source rows no longer exist"));
  const std::string sink = read_file(dir / "sink.jsonl");
  EXPECT_NE(sink.find(R"({"key":"rec-0000000499","op":"delete")"), std::string::npos);
  EXPECT_EQ(sink.find(R"({"key":"rec-0000000449","op":"delete")"), std::string::npos);
  auto state = host::open_sqlite_state_store(dir / "state.db");
  EXPECT_EQ(state->count_ids({"acme", "contacts"}), 450U);
}

TEST(Cli, DeadLettersCanBeListedReplayedAndDiscarded) {
  temp_dir dir;
  const auto faulty = write_config(
      dir, mock_route(R"({"count": 100})", jsonl_sink(dir, R"("permanent_every": 25)")));
  EXPECT_EQ(switchboard({"run", faulty.string(), "--once"}).exit_code, 0);
  auto list = switchboard({"dlq", "list", faulty.string()});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.out, HasSubstr("key rec-0000000024 at sink after 1 attempt(s)"));
  EXPECT_THAT(list.out, HasSubstr("injected permanent failure for rec-0000000099"));
  const auto limited = switchboard(
      {"dlq", "list", faulty.string(), "--tenant", "acme", "--route", "contacts", "--limit", "2"});
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 2) << limited.out;
  EXPECT_THAT(switchboard({"dlq", "list", faulty.string(), "--route", "other"}).out,
              HasSubstr("no dead letters"));
  const auto as_json = switchboard({"dlq", "list", faulty.string(), "--json", "--limit", "1"});
  const auto entry = boost::json::parse(as_json.out).as_object();
  EXPECT_EQ(entry.at("stage").as_string(), "sink");
  EXPECT_EQ(entry.at("record").at("key").as_string(), "rec-0000000024");

  // Discard one by id, replay the rest against the repaired target.
  const auto discard = switchboard({"dlq", "discard", faulty.string(), "--id", "1"});
  EXPECT_EQ(discard.exit_code, 0);
  EXPECT_THAT(discard.out, HasSubstr("discarded 1 dead letter(s)"));
  const auto fixed =
      write_config(dir, mock_route(R"({"count": 100})", jsonl_sink(dir)), "fixed.json");
  const auto replay = switchboard({"dlq", "replay", fixed.string(), "--all"});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_THAT(replay.out, HasSubstr("acme/contacts: replayed 3, filtered 0, failed again 0"));
  list = switchboard({"dlq", "list", faulty.string()});
  EXPECT_THAT(list.out, HasSubstr("no dead letters"));
  const auto keys = key_set(dir / "sink.jsonl");
  EXPECT_EQ(keys.size(), 99u);
  EXPECT_FALSE(keys.contains(mock_key(24)));  // the discarded one
  EXPECT_TRUE(keys.contains(mock_key(99)));
}

TEST(Cli, ReplayThatFailsAgainExitsWith1AndKeepsTheLetters) {
  temp_dir dir;
  const auto faulty = write_config(
      dir, mock_route(R"({"count": 50})", jsonl_sink(dir, R"("permanent_every": 25)")));
  EXPECT_EQ(switchboard({"run", faulty.string(), "--once"}).exit_code, 0);
  const auto replay = switchboard({"dlq", "replay", faulty.string(), "--all"});
  EXPECT_EQ(replay.exit_code, 1);
  EXPECT_THAT(replay.out, HasSubstr("replayed 0, filtered 0, failed again 2"));
  EXPECT_THAT(switchboard({"dlq", "list", faulty.string()}).out, HasSubstr("after 2 attempt(s)"));
}

TEST(Cli, SigtermMidRunDrainsCommitsAndExitsZero) {
  temp_dir dir;
  const auto config =
      write_config(dir, mock_route(R"({"count": 1000000, "rate_limit": 20000})", jsonl_sink(dir)));
  child_process child({binary, "run", config.string()});
  ASSERT_TRUE(wait_until([&] { return read_lines(dir / "sink.jsonl").size() >= 3000; }));
  child.signal(SIGTERM);
  const auto r = child.wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("acme/contacts: stopped"));
  const auto cursor = committed_cursor(dir);
  const auto keys = jsonl_keys(dir / "sink.jsonl");
  EXPECT_GE(cursor, 3000u);
  EXPECT_EQ(keys.size(), cursor);  // nothing written twice, nothing beyond the cursor
  EXPECT_EQ(key_set(dir / "sink.jsonl"), expected_keys(cursor));

  // Restart and finish: no loss, no duplicate.
  const auto rest = write_config(dir, mock_route(R"({"count": 20000})", jsonl_sink(dir)));
  EXPECT_EQ(switchboard({"run", rest.string(), "--once"}).exit_code, 0);
  const auto all = jsonl_keys(dir / "sink.jsonl");
  EXPECT_EQ(all.size(), 20000u);
  EXPECT_EQ(key_set(dir / "sink.jsonl"), expected_keys(20000));
}

TEST(Cli, KillDashNineMidRunThenRestartDeliversEveryRecord) {
  temp_dir dir;
  const auto config =
      write_config(dir, mock_route(R"({"count": 100000})", jsonl_sink(dir, R"("latency_ms": 5)")));
  child_process child({binary, "run", config.string(), "--once"});
  ASSERT_TRUE(wait_until([&] { return read_lines(dir / "sink.jsonl").size() >= 10000; }));
  child.signal(SIGKILL);
  const auto killed = child.wait();
  EXPECT_EQ(killed.term_signal, SIGKILL);
  EXPECT_LT(committed_cursor(dir), 100000u);

  const auto r = switchboard({"run", config.string(), "--once"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(key_set(dir / "sink.jsonl"), expected_keys(100000));
  EXPECT_EQ(committed_cursor(dir), 100000u);
  // The run killed mid-way is marked aborted in the history.
  auto state = host::open_sqlite_state_store(dir / "state.db");
  const auto runs = state->runs(host::route_key{"acme", "contacts"}, 10);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, host::run_status::succeeded);
  EXPECT_EQ(runs[1].status, host::run_status::aborted);
}

TEST(Cli, MockCrashPointKillsTheHostAndARestartCompletes) {
  temp_dir dir;
  const auto crashing = write_config(
      dir, mock_route(R"({"count": 20000})", jsonl_sink(dir, R"("crash_after": 7000)")));
  const auto crashed = switchboard({"run", crashing.string(), "--once"});
  EXPECT_EQ(crashed.term_signal, SIGKILL);
  const auto partial = key_set(dir / "sink.jsonl");
  EXPECT_GE(partial.size(), 7000u);
  EXPECT_LT(partial.size(), 20000u);
  const auto healthy =
      write_config(dir, mock_route(R"({"count": 20000})", jsonl_sink(dir)), "ok.json");
  EXPECT_EQ(switchboard({"run", healthy.string(), "--once"}).exit_code, 0);
  EXPECT_EQ(key_set(dir / "sink.jsonl"), expected_keys(20000));
}

TEST(Cli, ARouteFailureExitsWith1) {
  temp_dir dir;
  const auto config = write_config(dir, mock_route(R"({"count": 10, "fail_read_every": 1})",
                                                   R"({"mode": "null"})", R"("max_attempts": 2)"));
  const auto r = switchboard({"run", config.string(), "--once"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("acme/contacts: failed"));
}

TEST(Cli, SecretsResolvedFromReferencesNeverReachLogsOrOutput) {
  temp_dir dir;
  write_file(dir / "data.jsonl", "{\"key\": \"a\"}\nnot json at all\n");
  const std::string secret_path = (dir / "data.jsonl").string();
  const auto config = write_config(dir, mock_route(R"({"jsonl": "${env:SB_TEST_SOURCE_FILE}"})",
                                                   R"({"mode": "null"})", R"("max_attempts": 1)"));
  const auto r = run_process({binary, "run", config.string(), "--once"},
                             {"SB_TEST_SOURCE_FILE=" + secret_path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("malformed record at ***:2: invalid json"));
  EXPECT_THAT(r.out, HasSubstr("***"));
  EXPECT_THAT(r.out, Not(HasSubstr(secret_path)));
  const auto log = read_file(dir / "host.log");
  EXPECT_THAT(log, HasSubstr("***"));
  EXPECT_THAT(log, Not(HasSubstr(secret_path)));
}

struct bad_config_case {
  const char* name;
  std::string config;    // the whole host config; "{plugins}" is replaced
  std::string expected;  // pointer and reason fragment
};

TEST(Cli, MalformedConfigsGiveOneClearMessageWithTheJsonPointer) {
  const std::string plugins = SWITCHBOARD_TEST_PLUGIN_DIR;
  auto host = [&](const std::string& tenant) {
    return fmt::format(R"({{"plugin_dirs": ["{}"], "tenants": [{}]}})", plugins, tenant);
  };
  auto tenant_with = [&](const std::string& route) {
    return host(fmt::format(R"({{"id": "acme", "plugins": ["mock"], "routes": [{}]}})", route));
  };
  const std::string src = R"("source": {"component": "mock.source"})";
  const std::string snk = R"("sink": {"component": "mock.sink", "config": {"mode": "null"}})";
  const std::vector<bad_config_case> cases = {
      {"syntax", R"({"tenants": [ {"id": "acme",, }]})", "host.json:1:"},
      {"unknown top-level key", R"({"tenants": [], "colour": "blue"})", "/colour"},
      {"tenants missing", R"({"state": "x.db"})", "/tenants"},
      {"wrong type", host(R"({"id": "acme", "plugins": "mock", "routes": []})"),
       "/tenants/0/plugins"},
      {"bad tenant id", host(R"({"id": "Acme Corp", "plugins": [], "routes": []})"),
       "/tenants/0/id"},
      {"missing sink", tenant_with(R"({"id": "r", )" + src + "}"), "/tenants/0/routes/0/sink"},
      {"unknown route key", tenant_with(R"({"id": "r", "colour": 1, )" + src + "," + snk + "}"),
       "/tenants/0/routes/0/colour"},
      {"duplicate route",
       tenant_with(R"({"id": "r", )" + src + "," + snk + R"(}, {"id": "r", )" + src + "," + snk +
                   "}"),
       "/tenants/0/routes/1/id"},
      {"batch size", tenant_with(R"({"id": "r", "batch_size": 0, )" + src + "," + snk + "}"),
       "/tenants/0/routes/0/batch_size"},
      {"bad duration",
       tenant_with(R"({"id": "r", "poll_interval": "soon", )" + src + "," + snk + "}"),
       "/tenants/0/routes/0/poll_interval"},
      {"unknown component",
       tenant_with(R"({"id": "r", "source": {"component": "mock.nope"}, )" + snk + "}"),
       "/tenants/0/routes/0/source/component: unknown component \"mock.nope\""},
      {"sink in source slot",
       tenant_with(R"({"id": "r", "source": {"component": "mock.sink"}, )" + snk + "}"),
       "/tenants/0/routes/0/source/component: component \"mock.sink\" is a sink"},
      {"option type",
       tenant_with(
           R"({"id": "r", "source": {"component": "mock.source", "config": {"count": "x"}}, )" +
           snk + "}"),
       "/tenants/0/routes/0/source/config/count"},
      {"unknown option",
       tenant_with(
           R"({"id": "r", "source": {"component": "mock.source", "config": {"cout": 1}}, )" + snk +
           "}"),
       "/tenants/0/routes/0/source/config/cout"},
      {"allowed values",
       tenant_with(R"({"id": "r", )" + src +
                   R"(, "sink": {"component": "mock.sink", "config": {"mode": "paper"}}})"),
       "/tenants/0/routes/0/sink/config/mode"},
      {"missing secret",
       tenant_with(
           R"({"id": "r", "source": {"component": "mock.source", "config": {"jsonl": "${env:SB_SURELY_UNSET_VARIABLE}"}}, )" +
           snk + "}"),
       "/tenants/0/routes/0/source/config/jsonl"},
      {"plugin not enabled",
       host(R"({"id": "acme", "plugins": ["example"], "routes": [{"id": "r", )" + src + "," + snk +
            "}]}"),
       "has not enabled"},
      {"missing tenant file", R"({"tenants": ["no/such/tenant.json"]})", "tenant.json"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    temp_dir dir;
    write_file(dir / "host.json", c.config);
    for (const char* command : {"validate", "run"}) {
      SCOPED_TRACE(command);
      const auto r = switchboard(
          {command, (dir / "host.json").string(), "--plugin-dir", SWITCHBOARD_TEST_PLUGIN_DIR});
      EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
      EXPECT_EQ(r.term_signal, 0);
      EXPECT_THAT(r.err, HasSubstr("invalid configuration: " + (dir / "host.json").string()));
      EXPECT_THAT(r.err, HasSubstr(c.expected));
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
  }
}

TEST(Cli, ValidateAcceptsTheShippedExampleConfig) {
  const auto r = switchboard(
      {"validate", std::string(SWITCHBOARD_TEST_SOURCE_DIR) + "/config/examples/host.json",
       "--plugin-dir", SWITCHBOARD_TEST_PLUGIN_DIR});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("is valid"));
}

TEST(Cli, ValidateAcceptsATenantComposedFromTheIngressTemplates) {
  temp_dir dir;
  const auto tenant = sandbox::template_tenant(
      std::filesystem::path(SWITCHBOARD_TEST_SOURCE_DIR) / "config/templates", "acme");
  write_file(dir / "host.json",
             boost::json::serialize(boost::json::object{{"tenants", boost::json::array{tenant}}}));
  const std::vector<std::string> env = {"D365_URL=https://org.crm.dynamics.com",
                                        "ENTRA_AUTHORITY=https://login.microsoftonline.com",
                                        "ENTRA_TENANT=t",
                                        "ENTRA_CLIENT_ID=c",
                                        "ENTRA_CLIENT_SECRET=s",
                                        "CAMPAIGN_URL=https://mc.adobe.io/acme",
                                        "IMS_URL=https://ims-na1.adobelogin.com",
                                        "IMS_CLIENT_ID=i",
                                        "IMS_CLIENT_SECRET=x"};
  const auto r = run_process({binary, "validate", (dir / "host.json").string(), "--plugin-dir",
                              SWITCHBOARD_TEST_PLUGIN_DIR},
                             env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("is valid"));
  // Without the environment the references cannot resolve: a clear error naming the variable.
  const auto missing = switchboard(
      {"validate", (dir / "host.json").string(), "--plugin-dir", SWITCHBOARD_TEST_PLUGIN_DIR});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("D365_URL"));
}

}  // namespace
}  // namespace switchboard::test
