// Host and tenant configuration: JSON files (comments allowed) parsed into immutable structs.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace switchboard::host {

/// A configuration error: which file, where in it (JSON pointer) and why. what() is
/// "<file>: <pointer>: <reason>" (or "<file>:<line>:<column>: <reason>" for syntax errors).
/// Never contains a secret value.
class config_error : public std::runtime_error {
 public:
  config_error(std::string file, std::string pointer, std::string reason);
  /// A syntax error at a 1-based line and column; pointer() is "".
  config_error(std::string file, std::size_t line, std::size_t column, std::string reason);
  const std::string& file() const noexcept { return file_; }
  const std::string& pointer() const noexcept { return pointer_; }
  const std::string& reason() const noexcept { return reason_; }
  /// Set for syntax errors only.
  std::optional<std::size_t> line() const noexcept { return line_; }
  std::optional<std::size_t> column() const noexcept { return column_; }

 private:
  std::string file_;
  std::string pointer_;
  std::string reason_;
  std::optional<std::size_t> line_;
  std::optional<std::size_t> column_;
};

/// Where a JSON value came from, for error messages.
struct config_location {
  std::string file;
  std::string pointer;  ///< RFC 6901 JSON pointer, "" for the whole document
};

/// A source, processor or sink of a route as configured.
struct component_config {
  std::string component;   ///< component id, e.g. "mock.source"
  std::string connection;  ///< optional named connection of the tenant whose options apply
  /// The raw "config" object: secret references unresolved, not yet checked against the
  /// component's schema (that needs the loaded plugin; see resolve_component_config()).
  boost::json::object config;
  config_location where;  ///< of the component object (config is at where.pointer + "/config")
};

/// What to do with records that fail permanently.
enum class permanent_failure_action : std::uint8_t { dead_letter, fail_route };

/// Retry and failure handling of a route.
struct error_policy {
  int max_attempts = 5;                            ///< per record, first attempt included
  std::chrono::milliseconds initial_backoff{200};  ///< doubled per attempt, with jitter
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds retry_budget{300000};  ///< max total time retrying one batch
  permanent_failure_action on_permanent = permanent_failure_action::dead_letter;
};

/// One route: source → processors → sink.
struct route_config {
  std::string id;
  bool enabled = true;
  component_config source;
  std::vector<component_config> processors;
  component_config sink;
  std::size_t batch_size = 500;                   ///< max records per read
  std::size_t queue_batches = 4;                  ///< bounded queue between stages
  std::chrono::milliseconds poll_interval{5000};  ///< wait when the source is caught up
  error_policy errors;
  /// The route's table mapping (docs/mapping.md), raw; handed to every component whose schema
  /// declares a "mapping" option and that does not set one itself. Empty: none.
  boost::json::object mapping;
  /// `switchboard replay` refuses (unless forced) when the source holds more records than
  /// this, or more than this many are waiting (dead letters).
  std::uint64_t replay_guard = 2'000'000;
  /// Id map entries not written for this long are removed (at most hourly, when the source is
  /// caught up); none: kept for good. For routes whose keys only matter for a while, e.g. event
  /// ids kept to drop redeliveries of a journal that keeps events for days.
  std::optional<std::chrono::milliseconds> id_retention;
  config_location where;
};

/// A named set of options for one plugin (credentials, endpoints), shared by components.
struct connection_config {
  std::string name;
  std::string plugin;
  boost::json::object options;  ///< raw, secret references unresolved
  /// How the connection gets access tokens ({"type": "entra_secret", ...}); empty: none.
  /// Raw, secret references unresolved; checked when the host builds its token provider.
  boost::json::object auth;
  config_location where;
};

/// One tenant.
struct tenant_config {
  std::string id;
  std::vector<std::string> plugins;  ///< plugin ids this tenant may use
  std::map<std::string, connection_config> connections;
  std::vector<route_config> routes;
  config_location where;
};

enum class log_format : std::uint8_t { human, json };

struct log_config {
  log_format format = log_format::human;
  std::string level = "info";  ///< trace, debug, info, warn, error
  std::filesystem::path file;  ///< empty: standard error
};

/// The host's HTTPS client.
struct http_config {
  std::filesystem::path ca_file;  ///< PEM CAs to trust (absolute); empty: the system store
  bool verify_peer = true;
  std::size_t max_connections_per_origin = 16;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{60000};
  std::size_t max_response_body = std::size_t{64} << 20;
  double rate_limit = 0;  ///< requests per second per origin; 0: none
  unsigned rate_burst = 1;
};

/// The host configuration with its tenants.
struct host_config {
  std::filesystem::path file;             ///< the host config file (absolute)
  std::string listen = "127.0.0.1:8080";  ///< admin API address
  std::filesystem::path state_path;       ///< SQLite file (relative paths: to the config file)
  std::vector<std::filesystem::path> plugin_dirs;  ///< absolute
  unsigned worker_threads = 2;                     ///< I/O threads of the HTTPS client
  http_config http;
  std::chrono::milliseconds shutdown_grace{30000};
  log_config log;
  std::vector<tenant_config> tenants;
};

/// Parses the host config file and every tenant it names (inline objects or file paths
/// relative to it). Checks structure: unknown keys, types, required keys, value ranges,
/// duplicate tenant / route / connection ids, routes naming unknown connections. Throws
/// config_error for the first problem found.
host_config load_host_config(const std::filesystem::path& file);

/// Parses JSON text allowing comments and trailing commas. Throws config_error with
/// line and column on a syntax error.
boost::json::value parse_config_json(std::string_view text, const std::string& file);

/// Reads a file and parses it as with parse_config_json(). Throws config_error if unreadable.
boost::json::value read_config_file(const std::filesystem::path& file);

/// Looks up secret references: `${env:NAME}` → environment variable NAME, `${file:/path}` →
/// the file's content without a trailing newline. Returns nullopt plus a reason when missing.
/// Replaceable in tests.
struct secret_resolver {
  std::function<std::optional<std::string>(const std::string& name)> env;
  std::function<std::optional<std::string>(const std::string& path)> file;
  /// The default: real environment and file system.
  static secret_resolver system();
};

/// Gathers every secret value the host has resolved, so logs can redact them. Thread-safe.
class secret_registry {
 public:
  void add(std::string value);
  /// `text` with every known secret replaced by "***".
  std::string redact(std::string_view text) const;
  bool empty() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> values_;
};

/// Produces the options a component's factory receives: the connection's options (if the
/// component names one) overlaid by the component's own config, plus the route's mapping
/// (`route`, may be null) when the schema declares a "mapping" option the config leaves unset;
/// secret references resolved
/// in every string; then validated against `schema` (unknown keys, types, required, allowed
/// values, bounds) and defaults filled. Values of secret options and values that came from a
/// reference are added to `secrets` and never appear in error messages.
/// Throws config_error naming the file and the JSON pointer of the offending value.
boost::json::object resolve_component_config(const component_config& component,
                                             const connection_config* connection,
                                             const sdk::config_schema& schema,
                                             const secret_resolver& resolver,
                                             secret_registry& secrets,
                                             const route_config* route = nullptr);

/// Resolves secret references in a standalone options object located at `where` (file and
/// pointer of the object itself), validates it against `schema` and fills defaults, as
/// resolve_component_config() does. Throws config_error.
boost::json::object resolve_options(const boost::json::object& values, const config_location& where,
                                    const sdk::config_schema& schema,
                                    const secret_resolver& resolver, secret_registry& secrets);

/// Renders a component's config schema as a JSON Schema (draft 2020-12) object: types,
/// defaults, required, enum, minimum/maximum, descriptions, "writeOnly" for secrets and
/// "additionalProperties": false.
boost::json::object to_json_schema(const sdk::config_schema& schema);

/// Parses a duration string: "250ms", "5s", "2m", "1h", or a bare integer of milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace switchboard::host
