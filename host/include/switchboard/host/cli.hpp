// The command-line interface of the switchboard executable.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace switchboard::host {

/// Exit codes of the switchboard executable.
enum exit_code : int {
  exit_ok = 0,              ///< done; also after a graceful stop by SIGINT/SIGTERM
  exit_failed = 1,          ///< a route failed, a replay left failures, or the state store failed
  exit_bad_config = 2,      ///< bad command line or configuration
  exit_plugin_refused = 3,  ///< a plugin could not be loaded
};

/// Runs the CLI with the process's arguments; installs SIGINT/SIGTERM handling for `run`.
int run_cli(int argc, char** argv);

/// Runs the CLI with explicit arguments (args[0] is the program name) and streams. Does not
/// touch signal handling. For tests and embedding.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace switchboard::host
