// The context: host services a component may use (logging, metrics, clock, state, HTTP).
#pragma once

#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::sdk {

/// Log severity.
enum class log_level : std::uint8_t { trace, debug, info, warn, error };

/// Structured logging. Every line a component writes is tagged by the host with tenant, route,
/// component and run id, and secrets known to the host are redacted. Thread-safe.
class logger {
 public:
  virtual ~logger() = default;
  /// True when a message at this level would be written (skip building costly messages).
  virtual bool enabled(log_level level) const noexcept = 0;
  /// Writes one message (lowercase, no trailing period, says what, where and the value).
  virtual void write(log_level level, std::string_view message) = 0;

  void debug(std::string_view m) { write(log_level::debug, m); }
  void info(std::string_view m) { write(log_level::info, m); }
  void warn(std::string_view m) { write(log_level::warn, m); }
  void error(std::string_view m) { write(log_level::error, m); }
};

/// Metrics, labelled by the host with tenant and route. Names are snake_case, e.g.
/// "rows_read_total". Thread-safe.
class metrics_recorder {
 public:
  virtual ~metrics_recorder() = default;
  /// Adds to a monotonically increasing counter.
  virtual void add(std::string_view counter, double delta) = 0;
  /// Sets a gauge.
  virtual void set(std::string_view gauge, double value) = 0;
  /// Records one observation of a histogram (latencies in seconds).
  virtual void observe(std::string_view histogram, double value) = 0;
};

/// Time, so tests can control it. Thread-safe.
class clock_service {
 public:
  virtual ~clock_service() = default;
  /// Wall-clock time.
  virtual std::chrono::system_clock::time_point now() const = 0;
  /// Monotonic time, for deadlines and rates.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  /// Waits for `duration`, or less if the host is shutting down. Returns false when it
  /// returned early because of shutdown (the caller should then return promptly).
  virtual bool wait_for(std::chrono::milliseconds duration) = 0;
};

/// Durable key-value state private to one route (a plugin's own bookkeeping: watermarks,
/// remembered files). Writes are durable when the call returns. Thread-safe.
class kv_state {
 public:
  virtual ~kv_state() = default;
  /// The stored value, or nullopt.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  /// Stores (replaces) a value.
  virtual void put(std::string_view key, std::string_view value) = 0;
  /// Removes a key; no effect when absent.
  virtual void erase(std::string_view key) = 0;
};

/// The route's id map: source key → target key and a hash of the payload last written, so a
/// sink can address existing target records and skip writes that would change nothing.
/// The host also records the target key a sink reports in its write results. Thread-safe.
class id_map {
 public:
  struct entry {
    std::string target_key;
    std::string payload_hash;
  };
  virtual ~id_map() = default;
  virtual std::optional<entry> find(std::string_view source_key) = 0;
  virtual void put(std::string_view source_key, const entry& value) = 0;
  virtual void erase(std::string_view source_key) = 0;
};

/// Everything the host offers one component instance. Owned by the host; outlives the
/// component it is given to. The accessors are thread-safe.
class context {
 public:
  virtual ~context() = default;
  /// The tenant, route and component this instance serves.
  virtual std::string_view tenant() const noexcept = 0;
  virtual std::string_view route() const noexcept = 0;
  virtual std::string_view component() const noexcept = 0;

  virtual logger& log() noexcept = 0;
  virtual metrics_recorder& metrics() noexcept = 0;
  virtual clock_service& clock() noexcept = 0;
  virtual kv_state& state() noexcept = 0;
  /// Durable key-value state shared by every route of the tenant, for bookkeeping that spans
  /// routes (e.g. what the host wrote to a system, seen again by the route reading it back).
  /// Prefix keys with the plugin id.
  virtual kv_state& tenant_state() noexcept = 0;
  virtual id_map& ids() noexcept = 0;
  /// The host's HTTP client, or nullptr when this host offers none.
  virtual http_client* http() noexcept = 0;
  /// The token provider of a named connection of this tenant, or nullptr when there is none.
  virtual token_provider* tokens(std::string_view connection) noexcept = 0;
  /// True once the host has begun shutting down: finish or abandon the current call promptly.
  virtual bool stop_requested() const noexcept = 0;
  /// True while the route replays its whole source on an admin's request (`switchboard
  /// replay`): sinks then write every record in full (fields otherwise written on create only
  /// included) instead of skipping the ones that look unchanged.
  virtual bool replaying() const noexcept = 0;
  /// The id map of another route of the same tenant, read-only in spirit (to resolve links to
  /// records that route wrote), or nullptr when the tenant has no such route.
  virtual id_map* route_ids(std::string_view route) noexcept = 0;
};

}  // namespace switchboard::sdk
