// Structured logging through spdlog: human or JSON lines, tagged with tenant, route and run id.
#pragma once

#include "switchboard/host/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace switchboard::host {

/// Tags every line of one logger carries.
struct log_tags {
  std::string tenant;
  std::string route;
  std::string component;
  std::int64_t run_id = 0;  ///< 0 = none
};

/// Parses "trace", "debug", "info", "warn", "error".
std::optional<sdk::log_level> parse_log_level(std::string_view text);

/// The host's log output. Thread-safe. Redacts every secret the registry knows.
class log_service {
 public:
  /// Writes to `config.file` (appending) or standard error. Throws std::runtime_error if the
  /// file cannot be opened.
  log_service(const log_config& config, std::shared_ptr<const secret_registry> secrets);
  ~log_service();

  bool enabled(sdk::log_level level) const noexcept;
  void write(sdk::log_level level, const log_tags& tags, std::string_view message);
  /// A logger for a component or a host part that adds `tags` to each line.
  std::unique_ptr<sdk::logger> make_logger(log_tags tags);
  void flush();

 private:
  log_format format_;
  sdk::log_level level_;
  std::shared_ptr<const secret_registry> secrets_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace switchboard::host
