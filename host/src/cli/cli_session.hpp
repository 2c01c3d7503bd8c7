// What most CLI commands share: config, plugins, state store and logs, opened in that order.
#pragma once

#include "switchboard/host/config.hpp"
#include "switchboard/host/connection_auth.hpp"
#include "switchboard/host/http_client.hpp"
#include "switchboard/host/logging.hpp"
#include "switchboard/host/metrics.hpp"
#include "switchboard/host/plugin_loader.hpp"
#include "switchboard/host/route_engine.hpp"
#include "switchboard/host/state_store.hpp"
#include "switchboard/host/stop_control.hpp"

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::host {

struct session_options {
  std::string config_file;
  std::vector<std::string> plugin_dirs;
  route_filter filter;
};

/// Plugins, state, logs and the engine for one CLI command. Members are destroyed in reverse
/// order: the engine's users go before the plugins and libraries.
struct cli_session {
  host_config config;
  plugin_registry plugins;
  std::vector<plugin_load_error> plugin_errors;
  secret_registry secrets;
  std::unique_ptr<log_service> logs;
  std::unique_ptr<state_store> state;
  metrics_registry metrics;
  std::unique_ptr<https_client> http;
  connection_auth auth;  // borrows http: declared after it, destroyed before it
  stop_control stop;

  /// Loads the config (when options.config_file is set), the plugins and, when `with_state`,
  /// the state store, the HTTPS client and the connections' token providers. Prints problems to
  /// `err` and returns the exit code to use (exit_ok on success). Refused plugins are reported as
  /// warnings; they fail the command only when a route needs them (the engine then reports the
  /// unknown component).
  int open(const session_options& options, std::ostream& err, bool with_state);

  route_engine make_engine();
};

/// The HTTPS client settings of a host configuration.
http_client_options http_options(const host_config& config);

/// The plugin directories to search: those given on the command line, then the config's; the
/// default directory when there are none.
std::vector<std::filesystem::path> plugin_search_path(const session_options& options,
                                                      const host_config* config);

}  // namespace switchboard::host
