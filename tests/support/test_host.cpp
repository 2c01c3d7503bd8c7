// The in-process test host.
#include "support/test_host.hpp"

#include "cli/cli_session.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <stdexcept>

namespace switchboard::test {

std::string mock_key(std::uint64_t index) { return fmt::format("rec-{:010}", index); }

std::vector<std::string> jsonl_keys(const std::filesystem::path& file) {
  // The sink may be writing while a test reads: only lines ended by a newline are complete.
  const std::string text = read_file(file);
  std::vector<std::string> keys;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos;
       start = end + 1, end = text.find('\n', start)) {
    if (end == start) continue;
    const auto line = std::string_view(text).substr(start, end - start);
    keys.emplace_back(boost::json::parse(line).at("key").as_string());
  }
  return keys;
}

test_host::test_host() {
  for (const auto& error : plugins_.load_directory(SWITCHBOARD_TEST_PLUGIN_DIR)) {
    throw std::runtime_error(error.message);
  }
}

test_host::~test_host() = default;

void test_host::configure(const std::string& routes_json, const std::string& plugins_json,
                          const std::string& extra_host_json) {
  configure_tenant(
      fmt::format(R"({{"id": "acme", "plugins": {}, "routes": {}}})", plugins_json, routes_json),
      extra_host_json);
}

void test_host::configure_tenant(const std::string& tenant_json,
                                 const std::string& extra_host_json) {
  engine_.reset();
  auth_.reset();
  http_.reset();
  write_file(dir_ / "host.json",
             fmt::format(R"({{
  "state": "state.db",
  "log": {{"format": "json", "level": "debug", "file": "host.log"}},
  "shutdown_grace": "10s",
  {}
  "tenants": [{}]
}})",
                         extra_host_json.empty() ? "" : extra_host_json + ",", tenant_json));
  config_ = host::load_host_config(dir_ / "host.json");
  if (!logs_) {
    logs_ = std::make_unique<host::log_service>(
        config_.log,
        std::shared_ptr<const host::secret_registry>(std::shared_ptr<void>(), &secrets_));
  }
  if (!state_) state_ = host::open_sqlite_state_store(config_.state_path);
  stop_ = std::make_unique<host::stop_control>();
  http_ = host::make_http_client(host::http_options(config_), &metrics_);
  auth_ = std::make_unique<host::connection_auth>(config_, *http_, host::secret_resolver::system(),
                                                  secrets_);
  host::engine_services services{*state_, *logs_, metrics_, *stop_, secrets_};
  services.http = http_.get();
  services.auth = auth_.get();
  engine_ = std::make_unique<host::route_engine>(config_, plugins_, std::move(services));
}

std::vector<host::route_outcome> test_host::run_once(const host::route_filter& filter) {
  auto outcomes = engine_->run(filter, host::run_mode::once);
  logs_->flush();
  return outcomes;
}

std::filesystem::path write_binary_host_config(const std::filesystem::path& dir,
                                               const boost::json::object& tenant,
                                               const std::filesystem::path& ca_file) {
  namespace json = boost::json;
  const json::object host{
      {"state", (dir / "state.db").string()},
      {"plugin_dirs", json::array{SWITCHBOARD_TEST_PLUGIN_DIR}},
      {"http", json::object{{"ca_file", ca_file.string()}}},
      {"log",
       json::object{{"format", "human"}, {"level", "info"}, {"file", (dir / "host.log").string()}}},
      {"tenants", json::array{tenant}}};
  write_file(dir / "host.json", json::serialize(host));
  return dir / "host.json";
}

}  // namespace switchboard::test
