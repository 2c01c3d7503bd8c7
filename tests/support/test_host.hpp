// An in-process host for integration tests: config in a temp dir, the real plugins, SQLite state.
#pragma once

#include "support/test_support.hpp"
#include "switchboard/host/config.hpp"
#include "switchboard/host/connection_auth.hpp"
#include "switchboard/host/http_client.hpp"
#include "switchboard/host/logging.hpp"
#include "switchboard/host/metrics.hpp"
#include "switchboard/host/plugin_loader.hpp"
#include "switchboard/host/route_engine.hpp"
#include "switchboard/host/state_store.hpp"
#include "switchboard/host/stop_control.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <set>
#include <string>

namespace switchboard::test {

/// The key mock.source gives record `index` with the default prefix.
std::string mock_key(std::uint64_t index);

/// Keys of a JSONL file written by mock.sink, in file order (duplicates kept).
std::vector<std::string> jsonl_keys(const std::filesystem::path& file);

/// Writes `dir`/host.json for the real switchboard binary: state.db and host.log in `dir`, the
/// test plugin directory, `ca_file` trusted, the one tenant given. Returns its path.
std::filesystem::path write_binary_host_config(const std::filesystem::path& dir,
                                               const boost::json::object& tenant,
                                               const std::filesystem::path& ca_file);

class test_host {
 public:
  test_host();
  ~test_host();

  /// Writes host.json with one tenant "acme" (plugins `plugins_json`, routes `routes_json`)
  /// and loads it, keeping the state store across calls. Throws config_error.
  void configure(const std::string& routes_json,
                 const std::string& plugins_json = R"(["mock", "example"])",
                 const std::string& extra_host_json = "");

  /// Writes host.json with `tenant_json` (a whole tenant object, connections included) as its
  /// only tenant, plus `extra_host_json` members (e.g. "\"http\": {\"ca_file\": …}"), loads it
  /// and builds the host's HTTPS client and the connections' token providers, as `run` does.
  /// Keeps the state store across calls. Throws config_error.
  void configure_tenant(const std::string& tenant_json, const std::string& extra_host_json = "");

  std::vector<host::route_outcome> run_once(const host::route_filter& filter = {});
  host::route_engine& engine() { return *engine_; }
  host::state_store& state() { return *state_; }
  host::stop_control& stop() { return *stop_; }
  host::metrics_registry& metrics() { return metrics_; }
  host::plugin_registry& plugins() { return plugins_; }
  const temp_dir& dir() const { return dir_; }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }
  std::string log_text() const { return read_file(dir_ / "host.log"); }

 private:
  temp_dir dir_;
  host::plugin_registry plugins_;
  host::host_config config_;
  host::secret_registry secrets_;
  std::unique_ptr<host::log_service> logs_;
  std::unique_ptr<host::state_store> state_;
  host::metrics_registry metrics_;
  std::unique_ptr<host::stop_control> stop_;
  std::unique_ptr<host::route_engine> engine_;
  std::unique_ptr<host::https_client> http_;
  std::unique_ptr<host::connection_auth> auth_;
};

}  // namespace switchboard::test
