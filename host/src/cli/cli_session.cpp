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
  return exit_ok;
}

route_engine cli_session::make_engine() {
  return route_engine(config, plugins, engine_services{*state, *logs, metrics, stop, secrets});
}

}  // namespace switchboard::host
