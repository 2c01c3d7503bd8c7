// Opening the pieces a CLI command needs, with one error report per failure.
#include "cli_session.hpp"

#include "switchboard/host/cli.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <ostream>

namespace switchboard::host {

std::vector<std::filesystem::path> plugin_search_path(const session_options& options,
                                                      const host_config* config) {
  std::vector<std::filesystem::path> dirs;
  for (const auto& d : options.plugin_dirs) dirs.push_back(std::filesystem::absolute(d));
  if (config != nullptr) {
    dirs.insert(dirs.end(), config->plugin_dirs.begin(), config->plugin_dirs.end());
  }
  if (dirs.empty()) dirs.push_back(default_plugin_dir());
  // The same directory named twice (command line and config) is searched once.
  std::vector<std::filesystem::path> unique;
  for (auto& d : dirs) {
    std::error_code ec;
    auto canonical = std::filesystem::weakly_canonical(d, ec);
    if (ec) canonical = d.lexically_normal();
    if (std::find(unique.begin(), unique.end(), canonical) == unique.end()) {
      unique.push_back(std::move(canonical));
    }
  }
  return unique;
}

int cli_session::open(const session_options& options, std::ostream& err, bool with_state) {
  if (!options.config_file.empty()) {
    try {
      config = load_host_config(options.config_file);
    } catch (const config_error& e) {
      err << "invalid configuration: " << e.what() << "\n";
      return exit_bad_config;
    }
  }
  try {
    logs = std::make_unique<log_service>(
        config.log, std::shared_ptr<const secret_registry>(std::shared_ptr<void>(), &secrets));
  } catch (const std::exception& e) {
    err << "cannot open the log: " << e.what() << "\n";
    return exit_bad_config;
  }
  for (const auto& dir :
       plugin_search_path(options, options.config_file.empty() ? nullptr : &config)) {
    auto errors = plugins.load_directory(dir);
    plugin_errors.insert(plugin_errors.end(), errors.begin(), errors.end());
  }
  for (const auto& e : plugin_errors) logs->write(sdk::log_level::warn, {}, e.message);
  if (!with_state) return exit_ok;
  try {
    state = open_sqlite_state_store(config.state_path);
  } catch (const std::exception& e) {
    err << "cannot open the state store: " << e.what() << "\n";
    return exit_failed;
  }
  try {
    http = make_http_client(http_options(config), &metrics);
    auth = connection_auth(config, *http, secret_resolver::system(), secrets);
  } catch (const config_error& e) {
    err << "invalid configuration: " << e.what() << "\n";
    return exit_bad_config;
  } catch (const std::exception& e) {
    err << "invalid configuration: " << config.file.string() << ": /http: " << e.what() << "\n";
    return exit_bad_config;
  }
  return exit_ok;
}

route_engine cli_session::make_engine() {
  engine_services services{*state, *logs, metrics, stop, secrets};
  services.http = http.get();
  services.auth = &auth;
  return route_engine(config, plugins, std::move(services));
}

http_client_options http_options(const host_config& config) {
  http_client_options o;
  o.ca_file = config.http.ca_file.string();
  o.verify_peer = config.http.verify_peer;
  o.max_connections_per_origin = config.http.max_connections_per_origin;
  o.connect_timeout = config.http.connect_timeout;
  o.read_timeout = config.http.read_timeout;
  o.max_response_body = config.http.max_response_body;
  o.io_threads = config.worker_threads;
  o.rate_limit.requests_per_second = config.http.rate_limit;
  o.rate_limit.burst = config.http.rate_burst;
  return o;
}

}  // namespace switchboard::host
