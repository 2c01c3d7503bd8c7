// opt-out.export_files against a real OpenSSH server on loopback (and a local folder), through
// the in-process host: valid lines become opt-out change records, malformed lines are named,
// files are applied once by name and SHA-256 and moved, batches split files, restarts and
// resumes hand out nothing twice and lose nothing, and bad options and host keys are named.
#include "export_csv.hpp"
#include "export_files_config.hpp"
#include "export_files_source.hpp"
#include "memory_kv.hpp"
#include "sshd_server.hpp"
#include "support/test_host.hpp"
#include "timestamps.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace switchboard::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string header = "externalId,PKey,attribute,value,changed";

std::string lines(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& l : list) out += l + "\n";
  return out;
}

struct received_record {
  std::string key;
  json::object fields;
};

/// The files directly in `dir`, by name.
std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.insert(e.path().filename().string());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Through the host, over SFTP and from a local folder.

class ExportFiles : public ::testing::TestWithParam<std::string> {
 protected:
  ExportFiles() {
    if (sftp()) sshd_ = std::make_unique<sshd_server>(ssh_dir_.path());
    fs::create_directories(exports());
  }

  bool sftp() const { return GetParam() == "sftp"; }

  /// Where the files the source reads are, on this machine's file system.
  fs::path root() const { return sftp() ? sshd_->root() : local_.path(); }
  fs::path exports() const { return root() / "d365_loads" / "exports"; }
  fs::path processed() const { return exports() / "processed"; }

  /// The location options of the source: sftp to the test sshd, or the local folder.
  std::string location_options(const std::string& fingerprint = "") const {
    if (!sftp()) {
      return fmt::format(R"("location": "local", "folder": "{}")", exports().string());
    }
    return fmt::format(
        R"("location": "sftp", "host": "127.0.0.1", "port": {}, "user": "{}",
           "private_key": "${{file:{}}}", "host_key_sha256": "{}")",
        sshd_->port(), sshd_->user(), sshd_->user_key().string(),
        fingerprint.empty() ? sshd_->host_key_fingerprint() : fingerprint);
  }

  /// Route "exports": opt-out.export_files (`source_options`, default location_options())
  /// → mock.sink appending to a JSONL file; `route_extra` adds route keys.
  void configure(const std::string& source_extra = "", const std::string& route_extra = "",
                 const std::string& source_options = "") {
    host_.configure_tenant(fmt::format(
        R"({{"id": "acme", "plugins": ["opt-out", "mock"],
  "routes": [{{"id": "exports",
    "source": {{"component": "opt-out.export_files", "config": {{{}{}}}}},
    "sink": {{"component": "mock.sink", "config": {{"mode": "jsonl", "path": "{}"}}}},
    "error_policy": {{"max_attempts": 2, "initial_backoff": "10ms", "max_backoff": "50ms"}}{}}}]}})",
        source_options.empty() ? location_options() : source_options, source_extra,
        output().string(), route_extra));
  }

  fs::path output() const { return host_.path("exports.jsonl"); }

  host::route_outcome run() {
    auto outcomes = host_.run_once();
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.empty() ? host::route_outcome{} : outcomes.front();
  }

  /// Every record mock.sink received, in order.
  std::vector<received_record> received() const {
    std::vector<received_record> out;
    std::istringstream text(read_file(output()));
    for (std::string line; std::getline(text, line);) {
      if (line.empty()) continue;
      auto rec = json::parse(line).as_object();
      EXPECT_EQ(rec.at("op"), "upsert") << line;
      out.push_back({std::string(rec.at("key").as_string()), rec.at("fields").as_object()});
    }
    return out;
  }

  std::map<std::string, json::object> by_key() const {
    std::map<std::string, json::object> out;
    for (auto& r : received()) out[r.key] = r.fields;
    return out;
  }

  void drop(const std::string& name, const std::string& content) {
    write_file(exports() / name, content);
  }

  temp_dir ssh_dir_;
  temp_dir local_;
  std::unique_ptr<sshd_server> sshd_;
  test_host host_;
};

TEST_P(ExportFiles, ValidLinesBecomeChangeRecordsAndTheFileIsMoved) {
  drop("opt-outs-001.csv", lines({header, "c-1,@p1,blackListEmail,true,2026-11-29T10:00:00.000Z",
                                  "c-2,,denyListMobile,FALSE,2026-11-29 10:00:01.250Z",
                                  R"("c-3","@p""3",ccpaOptOut,1,2026-11-29T10:00:02Z)"}));
  drop("notes.txt", "not an export\n");
  configure();
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;

  const auto got = received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].key, "c-1");
  EXPECT_EQ(json::value(got[0].fields), json::parse(R"({"externalId": "c-1", "PKey": "@p1",
      "blackListEmail": true, "blackListEmail@changed": "2026-11-29T10:00:00.000Z",
      "file": "opt-outs-001.csv", "line": 2})"));
  EXPECT_EQ(got[1].key, "c-2");
  EXPECT_EQ(json::value(got[1].fields), json::parse(R"({"externalId": "c-2",
      "blackListMobile": false, "blackListMobile@changed": "2026-11-29T10:00:01.250Z",
      "file": "opt-outs-001.csv", "line": 3})"));
  EXPECT_EQ(got[2].key, "c-3");
  EXPECT_EQ(json::value(got[2].fields), json::parse(R"({"externalId": "c-3", "PKey": "@p\"3",
      "ccpaOptOut": true, "ccpaOptOut@changed": "2026-11-29T10:00:02.000Z",
      "file": "opt-outs-001.csv", "line": 4})"));

  EXPECT_EQ(files_in(exports()), std::set<std::string>{"notes.txt"});
  EXPECT_EQ(files_in(processed()), std::set<std::string>{"opt-outs-001.csv"});
  if (sftp()) {
    EXPECT_EQ(sshd_->connections(), 1u) << "one session per source instance";
  }
}

TEST_P(ExportFiles, MalformedLinesAreNamedAndTheOthersArrive) {
  drop("f.CSV",
       lines({"\xEF\xBB\xBF"
              "changed,attribute,value,externalId,extra",
              "2026-11-29T10:00:00Z,blackList,true,c-1,x",
              "2026-11-29T10:00:00Z,blackList,maybe,c-2,x",
              "2026-11-29T10:00:00Z,blackListSms,true,c-3,x",
              "2026-11-29T10:00:00Z,blackList,true,,x", "", "yesterday,blackList,true,c-5,x",
              "2026-11-29T10:00:00Z,blackList,true,\"c-6",
              "2026-11-29T10:00:00Z,blackListFax,0,c-7,x\r"}));
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto got = by_key();
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got.at("c-1").at("blackList"), true);
  EXPECT_EQ(got.at("c-7").at("blackListFax"), false);
  EXPECT_EQ(got.at("c-7").at("line"), 9);
  const auto malformed = [&](int line) {
    const auto key = fmt::format("f.CSV:{}", line);
    EXPECT_TRUE(got.contains(key)) << key;
    if (!got.contains(key)) return std::string();
    const auto& f = got.at(key);
    EXPECT_EQ(f.at("file"), "f.CSV");
    EXPECT_EQ(f.at("line"), line);
    EXPECT_TRUE(f.at("text").is_string());
    EXPECT_FALSE(f.contains("externalId"));
    return std::string(f.at("malformed").as_string());
  };
  EXPECT_THAT(malformed(3), HasSubstr("f.CSV line 3: column value is \"maybe\""));
  EXPECT_THAT(malformed(4), HasSubstr("f.CSV line 4: column attribute is \"blackListSms\""));
  EXPECT_THAT(malformed(5), HasSubstr("f.CSV line 5: column externalId is empty"));
  EXPECT_THAT(malformed(7), HasSubstr("f.CSV line 7: column changed is \"yesterday\""));
  EXPECT_THAT(malformed(8), HasSubstr("f.CSV line 8: the quoted field 4 is not closed"));
  EXPECT_EQ(got.at("f.CSV:3").at("text"), "2026-11-29T10:00:00Z,blackList,maybe,c-2,x");
  EXPECT_EQ(files_in(processed()), std::set<std::string>{"f.CSV"});
}

TEST_P(ExportFiles, AFileIsAppliedOnceByNameAndContent) {
  const auto content = lines({header, "c-1,,blackList,true,2026-11-29T10:00:00.000Z"});
  drop("a.csv", content);
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  ASSERT_EQ(received().size(), 1u);

  // The same file dropped again: not applied, moved beside the first one.
  drop("a.csv", content);
  auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  EXPECT_EQ(received().size(), 1u);
  EXPECT_TRUE(files_in(exports()).empty());
  EXPECT_EQ(files_in(processed()).size(), 2u);
  EXPECT_THAT(host_.log_text(), HasSubstr("already applied, moved to"));

  // The same name with new content is a new file.
  drop("a.csv", lines({header, "c-1,,blackList,false,2026-11-30T10:00:00.000Z"}));
  outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  const auto got = received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].fields.at("blackList"), false);
  EXPECT_EQ(files_in(processed()).size(), 3u) << "never overwritten";
}

TEST_P(ExportFiles, FilesLargerThanTheBatchSpanSeveralReadsAndEveryLineArrivesOnce) {
  std::vector<std::string> expected;
  for (int f = 0; f < 3; ++f) {
    std::vector<std::string> file{header};
    for (int i = 0; i < 25; ++i) {
      const auto id = fmt::format("c-{}-{}", f, i);
      file.push_back(fmt::format("{},,blackListEmail,{},2026-11-29T10:{:02}:00Z", id, i % 2, i));
      expected.push_back(id);
    }
    drop(fmt::format("batch-{}.csv", f), lines(file));
  }
  configure("", R"(, "batch_size": 7)");
  const auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  std::vector<std::string> keys;
  for (const auto& r : received()) keys.push_back(r.key);
  EXPECT_EQ(keys, expected);  // files in name order, lines in file order, each once
  EXPECT_EQ(outcome.counts.read, 75u);
  EXPECT_EQ(files_in(processed()).size(), 3u);
}

TEST_P(ExportFiles, ARestartHandsOutOnlyNewFiles) {
  drop("1.csv", lines({header, "c-1,,blackList,true,2026-11-29T10:00:00Z"}));
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  ASSERT_EQ(received().size(), 1u);

  // A new engine (new source instance) on the same state store.
  configure();
  drop("2.csv", lines({header, "c-2,,blackList,true,2026-11-29T10:00:00Z"}));
  auto outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  configure();
  outcome = run();
  ASSERT_EQ(outcome.status, host::run_status::succeeded) << outcome.message;
  std::vector<std::string> keys;
  for (const auto& r : received()) keys.push_back(r.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"c-1", "c-2"}));
}

TEST_P(ExportFiles, AMissingHeaderColumnMakesEveryLineMalformed) {
  drop("a.csv", lines({"externalId,attribute,value", "c-1,blackList,true", "c-2,blackList,false"}));
  drop("b.csv", lines({"c-3,,blackList,true,2026-11-29T10:00:00Z"}));
  configure();
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto got = by_key();
  ASSERT_EQ(got.size(), 3u);
  for (const auto* key : {"a.csv:2", "a.csv:3"}) {
    ASSERT_TRUE(got.contains(key)) << key;
    EXPECT_THAT(std::string(got.at(key).at("malformed").as_string()),
                HasSubstr("the header (line 1) lacks the required column changed"));
  }
  ASSERT_TRUE(got.contains("b.csv:1"));
  EXPECT_THAT(std::string(got.at("b.csv:1").at("malformed").as_string()),
              HasSubstr("b.csv line 1: the file has no header line"));
  EXPECT_EQ(files_in(processed()), (std::set<std::string>{"a.csv", "b.csv"}));
}

TEST_P(ExportFiles, TheProcessedFolderAndSuffixAreOptions) {
  drop("x.txt", lines({header, "c-1,,blackList,true,2026-11-29T10:00:00Z"}));
  drop("y.csv", lines({header, "c-2,,blackList,true,2026-11-29T10:00:00Z"}));
  const auto done = sftp() ? std::string("done/exports") : (root() / "done" / "exports").string();
  configure(fmt::format(R"(, "suffix": ".TXT", "processed_folder": "{}")", done));
  ASSERT_EQ(run().status, host::run_status::succeeded);
  const auto got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "c-1");
  EXPECT_EQ(files_in(root() / "done" / "exports"), std::set<std::string>{"x.txt"});
  EXPECT_EQ(files_in(exports()), std::set<std::string>{"y.csv"});
}

TEST_P(ExportFiles, AMissingFolderIsRetriedAndNamed) {
  const auto missing = sftp() ? std::string("nope/exports") : (root() / "nope").string();
  if (sftp()) {
    configure(fmt::format(R"(, "folder": "{}")", missing));
  } else {
    configure("", "", fmt::format(R"("location": "local", "folder": "{}")", missing));
  }
  const auto outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr(fmt::format("folder {} does not exist on {}", missing,
                                    sftp() ? fmt::format("sftp 127.0.0.1:{}", sshd_->port())
                                           : std::string("the local file system"))));
  EXPECT_THAT(outcome.message, HasSubstr("failed 2 times in a row"));  // retryable
}

INSTANTIATE_TEST_SUITE_P(Locations, ExportFiles, ::testing::Values("sftp", "local"),
                         [](const auto& p) { return p.param; });

// ---------------------------------------------------------------------------------------------
// SFTP only.

class ExportFilesSftp : public ExportFiles {};

TEST_P(ExportFilesSftp, AWrongHostKeyIsRefusedShowingBothFingerprints) {
  temp_dir other;
  const auto wrong = sshd_server::generate_key(other / "other_key");
  drop("a.csv", lines({header, "c-1,,blackList,true,2026-11-29T10:00:00Z"}));
  configure("", "", location_options(wrong));
  const auto outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr(fmt::format("host key of sftp 127.0.0.1:{} is {}, not the configured "
                                    "host_key_sha256 {}",
                                    sshd_->port(), sshd_->host_key_fingerprint(), wrong)));
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(files_in(exports()), std::set<std::string>{"a.csv"});
}

TEST_P(ExportFilesSftp, AnUnknownUserKeyFailsAuthenticationPermanently) {
  temp_dir other;
  sshd_server::generate_key(other / "stranger");
  const auto options = fmt::format(
      R"("location": "sftp", "host": "127.0.0.1", "port": {}, "user": "{}",
         "private_key": "${{file:{}}}", "host_key_sha256": "{}")",
      sshd_->port(), sshd_->user(), (other / "stranger").string(), sshd_->host_key_fingerprint());
  configure("", "", options);
  const auto outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr(fmt::format("authentication of user {} with the private_key with sftp "
                                    "127.0.0.1:{} failed",
                                    sshd_->user(), sshd_->port())));
  EXPECT_THAT(outcome.message, Not(HasSubstr("times in a row")));  // permanent: no retries
}

TEST_P(ExportFilesSftp, NoServerIsRetryableNamingHostAndPort) {
  // A port nobody listens on: bound, then closed.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  const auto options = fmt::format(
      R"("location": "sftp", "host": "127.0.0.1", "port": {}, "user": "u",
         "private_key": "not-a-key-text", "host_key_sha256": "{}")",
      port, sshd_->host_key_fingerprint());
  configure("", "", options);
  const auto outcome = run();
  EXPECT_EQ(outcome.status, host::run_status::failed);
  EXPECT_THAT(outcome.message,
              HasSubstr(fmt::format("connecting to sftp 127.0.0.1:{} failed", port)));
  EXPECT_THAT(outcome.message, HasSubstr("times in a row"));
}

INSTANTIATE_TEST_SUITE_P(Sftp, ExportFilesSftp, ::testing::Values("sftp"),
                         [](const auto& p) { return p.param; });

// ---------------------------------------------------------------------------------------------
// Options.

TEST(ExportFilesOptions, BadOptionsAreNamed) {
  temp_dir dir;
  test_host host;
  const auto failure = [&](const std::string& source_options) {
    try {
      host.configure_tenant(fmt::format(
          R"({{"id": "acme", "plugins": ["opt-out", "mock"],
  "routes": [{{"id": "exports",
    "source": {{"component": "opt-out.export_files", "config": {{{}}}}},
    "sink": {{"component": "mock.sink", "config": {{"mode": "null"}}}}}}]}})",
          source_options));
      const auto outcomes = host.run_once();
      return outcomes.empty() ? std::string("no outcome") : outcomes.front().message;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  };
  const std::string fp = "SHA256:" + std::string(43, 'A');
  const auto sftp = [&](const std::string& extra) {
    return R"("location": "sftp", "host": "h", "user": "u", "private_key": "not-a-key-text")" +
           extra;
  };
  EXPECT_THAT(failure(sftp("")), HasSubstr("location sftp needs \"host_key_sha256\""));
  EXPECT_THAT(failure(R"("location": "sftp", "host_key_sha256": ")" + fp + "\""),
              HasSubstr("location sftp needs \"host\", \"user\", \"private_key\""));
  EXPECT_THAT(failure(sftp(R"(, "host_key_sha256": "MD5:aa:bb")")),
              HasSubstr("\"host_key_sha256\" \"MD5:aa:bb\" is not a fingerprint"));
  EXPECT_THAT(
      failure(R"("location": "local", "host": "h", "folder": ")" + dir.path().string() + "\""),
      HasSubstr("opt-out.export_files: \"host\" only apply to location sftp"));
  EXPECT_THAT(failure(R"("location": "local", "delimiter": ";;")"),
              HasSubstr("\"delimiter\" must be one character"));
  EXPECT_THAT(failure(R"("location": "ftp")"), HasSubstr("location"));
  EXPECT_THAT(failure(R"("location": "local", "processed_folder": "d365_loads/exports")"),
              HasSubstr("\"processed_folder\""));
}

// ---------------------------------------------------------------------------------------------
// The source alone, with a hand-driven cursor (what the host does after a crash).

class text_logger final : public sdk::logger {
 public:
  bool enabled(sdk::log_level) const noexcept override { return true; }
  void write(sdk::log_level, std::string_view message) override {
    text += std::string(message) + "\n";
  }
  std::string text;
};

class null_metrics final : public sdk::metrics_recorder {
 public:
  void add(std::string_view, double) override {}
  void set(std::string_view, double) override {}
  void observe(std::string_view, double) override {}
};

class system_clock final : public sdk::clock_service {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  bool wait_for(std::chrono::milliseconds) override { return true; }
};

class null_ids final : public sdk::id_map {
 public:
  std::optional<entry> find(std::string_view) override { return std::nullopt; }
  void put(std::string_view, const entry&) override {}
  void erase(std::string_view) override {}
};

class fake_context final : public sdk::context {
 public:
  std::string_view tenant() const noexcept override { return "acme"; }
  std::string_view route() const noexcept override { return "exports"; }
  std::string_view component() const noexcept override { return "opt-out.export_files"; }
  sdk::logger& log() noexcept override { return log_; }
  sdk::metrics_recorder& metrics() noexcept override { return metrics_; }
  sdk::clock_service& clock() noexcept override { return clock_; }
  sdk::kv_state& state() noexcept override { return state_; }
  sdk::kv_state& tenant_state() noexcept override { return tenant_state_; }
  sdk::id_map& ids() noexcept override { return ids_; }
  sdk::http_client* http() noexcept override { return nullptr; }
  sdk::token_provider* tokens(std::string_view) noexcept override { return nullptr; }
  bool stop_requested() const noexcept override { return false; }
  bool replaying() const noexcept override { return false; }
  sdk::id_map* route_ids(std::string_view) noexcept override { return nullptr; }

  text_logger log_;
  null_metrics metrics_;
  system_clock clock_;
  memory_kv state_;
  memory_kv tenant_state_;
  null_ids ids_;
};

class ExportFilesCursor : public ::testing::Test {
 protected:
  ExportFilesCursor() {
    for (const auto& def : optout::export_files_schema()) {
      if (!def.default_value.is_null()) config_[def.name] = def.default_value;
    }
    config_["location"] = "local";
    config_["folder"] = exports().string();
    config_["processed_folder"] = processed().string();
    fs::create_directories(exports());
  }

  fs::path exports() const { return dir_ / "exports"; }
  fs::path processed() const { return dir_ / "processed"; }

  std::unique_ptr<sdk::source> make() {
    return optout::make_export_files_source(sdk::options(config_), ctx_);
  }

  /// Reads until caught up, `n` records per read; returns the keys and the cursor after each
  /// read.
  std::vector<std::string> drain(sdk::source& source, std::size_t n,
                                 std::vector<std::string>* cursors = nullptr) {
    std::vector<std::string> keys;
    for (int reads = 0; reads < 1000; ++reads) {
      sdk::batch batch;
      const auto st = source.read(batch, n);
      EXPECT_TRUE(st.is_ok()) << st.message();
      if (!st) break;
      EXPECT_FALSE(batch.next.empty());
      EXPECT_LE(batch.records.size(), n);
      for (const auto& r : batch.records) keys.push_back(r.key);
      if (cursors != nullptr) cursors->push_back(batch.next.token);
      if (batch.caught_up) break;
    }
    return keys;
  }

  static std::string numbered(const std::string& prefix, int count) {
    std::vector<std::string> file{header};
    for (int i = 1; i <= count; ++i) {
      file.push_back(fmt::format("{}{},,blackList,true,2026-11-29T10:00:00Z", prefix, i));
    }
    return lines(file);
  }

  temp_dir dir_;
  json::object config_;
  fake_context ctx_;
};

TEST_F(ExportFilesCursor, ResumesAfterTheCommittedLineAlsoWhenTheFileWasMoved) {
  write_file(exports() / "a.csv", numbered("a", 10));
  auto first = make();
  ASSERT_TRUE(first->open({}).is_ok());
  std::vector<std::string> cursors;
  const auto keys = drain(*first, 4, &cursors);
  ASSERT_EQ(keys.size(), 10u);
  EXPECT_EQ(keys.front(), "a1");
  ASSERT_GE(cursors.size(), 2u);
  EXPECT_EQ(json::parse(cursors[0]),
            json::parse(fmt::format(R"({{"seq": 0, "file": "a.csv", "sha256": "{}", "line": 5,
                                         "finished": false}})",
                                    json::parse(cursors[0]).at("sha256").as_string())));
  EXPECT_TRUE(files_in(exports()).empty());
  EXPECT_EQ(files_in(processed()), std::set<std::string>{"a.csv"});

  // The host crashed with the first batch committed: lines 6.. come again from the moved file.
  auto second = make();
  ASSERT_TRUE(second->open({cursors[0]}).is_ok());
  const auto again = drain(*second, 100);
  EXPECT_EQ(again, (std::vector<std::string>{"a5", "a6", "a7", "a8", "a9", "a10"}));
  EXPECT_EQ(files_in(processed()), std::set<std::string>{"a.csv"}) << "not moved twice";
}

TEST_F(ExportFilesCursor, FilesHandedOutAfterTheCommittedCursorComeAgainInOrder) {
  write_file(exports() / "a.csv", numbered("a", 2));
  write_file(exports() / "b.csv", numbered("b", 2));
  write_file(exports() / "c.csv", numbered("c", 2));
  auto first = make();
  ASSERT_TRUE(first->open({}).is_ok());
  std::vector<std::string> cursors;
  ASSERT_EQ(drain(*first, 10, &cursors).size(), 6u);
  // cursors[0] is "a.csv finished"; b and c were handed out but never committed.
  ASSERT_EQ(json::parse(cursors[0]).at("file"), "a.csv");
  ASSERT_EQ(json::parse(cursors[0]).at("finished"), true);
  auto second = make();
  ASSERT_TRUE(second->open({cursors[0]}).is_ok());
  EXPECT_EQ(drain(*second, 10), (std::vector<std::string>{"b1", "b2", "c1", "c2"}));

  // From the last cursor nothing comes again.
  auto third = make();
  ASSERT_TRUE(third->open({cursors.back()}).is_ok());
  EXPECT_TRUE(drain(*third, 10).empty());
  // A crash before the first commit ever: everything handed out comes again.
  auto fourth = make();
  ctx_.state_.values.erase("export_files:cursor_seen");
  ASSERT_TRUE(fourth->open({}).is_ok());
  EXPECT_EQ(drain(*fourth, 10).size(), 6u);
}

TEST_F(ExportFilesCursor, AFileOfTheCursorThatIsGoneIsSkippedWithAWarning) {
  write_file(exports() / "b.csv", numbered("b", 2));
  auto source = make();
  const std::string token =
      R"({"seq": 0, "file": "a.csv", "sha256": "00", "line": 3, "finished": false})";
  ASSERT_TRUE(source->open({token}).is_ok());
  EXPECT_EQ(drain(*source, 10), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_THAT(ctx_.log_.text, HasSubstr("a.csv (sha256 00) named by the stored cursor is gone"));
}

TEST_F(ExportFilesCursor, AnUnreadableCursorIsPermanentAndNamed) {
  auto source = make();
  const auto st = source->open({"line 7 of something"});
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(st.message(), HasSubstr("\"line 7 of something\""));
}

TEST_F(ExportFilesCursor, EmptyReadsStillSetTheCursor) {
  auto source = make();
  ASSERT_TRUE(source->open({}).is_ok());
  sdk::batch batch;
  ASSERT_TRUE(source->read(batch, 10).is_ok());
  EXPECT_TRUE(batch.caught_up);
  EXPECT_TRUE(batch.records.empty());
  EXPECT_EQ(batch.next.token, R"({"seq":0})");
}

// ---------------------------------------------------------------------------------------------
// The CSV parser alone.

TEST(ExportCsv, QuotesDelimitersAndLineEnds) {
  const auto rows = optout::parse_export_csv(
      "\xEF\xBB\xBF"
      "EXTERNALID;Attribute;VALUE;Changed\r\n\r\n"
      "\"c;1\";DenyListEmail;True;2026-11-29T10:00:00.5Z\r\n"
      "c-2;blackListPushnotification;0;2026-02-29T10:00:00Z\r\n"
      "c-3;blackList;1;2026-11-29T10:00:00.123456Z",
      ';');
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_TRUE(rows[0].change) << rows[0].error;
  EXPECT_EQ(rows[0].line, 3u);
  EXPECT_EQ(rows[0].change->external_id, "c;1");
  EXPECT_EQ(rows[0].change->attribute, "blackListEmail");
  EXPECT_TRUE(rows[0].change->value);
  EXPECT_EQ(rows[0].change->changed_text, "2026-11-29T10:00:00.500Z");
  EXPECT_FALSE(rows[1].change);
  EXPECT_THAT(rows[1].error, HasSubstr("column changed is \"2026-02-29T10:00:00Z\""));
  ASSERT_TRUE(rows[2].change) << rows[2].error;
  EXPECT_EQ(rows[2].change->changed_text, "2026-11-29T10:00:00.123Z");
}

TEST(ExportCsv, TimestampForms) {
  for (const auto* ok : {"2026-11-29T10:00:00.000Z", "2026-11-29T10:00:00Z",
                         "2026-11-29 10:00:00.000Z", "2026-11-29T11:00:00+01:00"}) {
    const auto t = optout::parse_timestamp(ok);
    ASSERT_TRUE(t) << ok;
    EXPECT_EQ(optout::iso_millis(*t), "2026-11-29T10:00:00.000Z");
  }
  for (const auto* bad : {"2026-11-29T10:00:00", "2026-13-01T10:00:00Z", "2026-11-29T24:00:00Z",
                          "2026-11-29T10:00:00.Z", "", "29.11.2026 10:00"}) {
    EXPECT_FALSE(optout::parse_timestamp(bad)) << bad;
  }
}

TEST(ExportCsv, AQuotedFieldSpanningLinesMakesThemMalformed) {
  const auto rows = optout::parse_export_csv(
      lines({header, "c-1,\"multi", "line\",blackList,true,2026-11-29T10:00:00Z",
             "c-2,,blackList,true,2026-11-29T10:00:00Z"}),
      ',');
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_FALSE(rows[0].change);
  EXPECT_FALSE(rows[1].change);
  ASSERT_TRUE(rows[2].change);
  EXPECT_EQ(rows[2].line, 4u);
}

TEST(ExportCsv, LongLinesAreClippedInTheRecordText) {
  const auto rows = optout::parse_export_csv(
      lines({header, "c-1,," + std::string(5000, 'x') + ",true,2026-11-29T10:00:00Z"}), ',');
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].change);
  EXPECT_EQ(rows[0].text.size(), 1000u);
  EXPECT_THAT(rows[0].error, HasSubstr("...\""));
}

}  // namespace
}  // namespace switchboard::test
