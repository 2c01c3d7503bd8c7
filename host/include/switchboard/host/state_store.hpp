// The state store: cursors, id map, dead letters, run history and plugin key-value state.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::host {

/// Identifies a route across the host: tenant id + route id.
struct route_key {
  std::string tenant;
  std::string route;
  friend bool operator==(const route_key&, const route_key&) = default;
};

/// A record that failed permanently (or ran out of retries), kept for list / replay / discard.
struct dead_letter {
  std::int64_t id = 0;  ///< assigned by the store
  route_key route;
  /// Where it failed: "sink", or "processor:<index>" (replay resumes there).
  std::string stage;
  /// The record as JSON: {"key":…,"op":"upsert"|"delete","fields":{…},"source_time_ms":…}.
  std::string record_json;
  std::string reason;
  int attempts = 0;
  std::chrono::system_clock::time_point first_failed{};
  std::chrono::system_clock::time_point last_failed{};
};

/// How a run ended (or that it is still going).
enum class run_status : std::uint8_t { running, succeeded, failed, stopped, aborted };
const char* to_string(run_status s) noexcept;

/// Counters of one run.
struct run_counts {
  std::uint64_t read = 0;           ///< records read from the source
  std::uint64_t written = 0;        ///< acknowledged by the sink
  std::uint64_t filtered = 0;       ///< dropped by processors
  std::uint64_t dead_lettered = 0;  ///< sent to the dead-letter store
  std::uint64_t retries = 0;        ///< write attempts beyond the first
};

/// One entry of the run history.
struct run_record {
  std::int64_t id = 0;
  route_key route;
  std::chrono::system_clock::time_point started{};
  std::optional<std::chrono::system_clock::time_point> finished;
  run_counts counts;
  run_status status = run_status::running;
  std::string message;  ///< why it failed or stopped; empty otherwise
};

/// An id map entry: the target's key for a source key and a hash of what was last written.
struct id_entry {
  std::string target_key;
  std::string payload_hash;
};

/// One id map write, for put_ids().
struct id_update {
  std::string source_key;
  std::optional<id_entry> entry;  ///< nullopt erases the mapping
};

/// Durable state of the host. All operations are thread-safe and durable when they return
/// (a process crash loses nothing that a call returned from). Failures of the underlying
/// database throw std::runtime_error naming the operation and the database's message.
/// Implementations: SQLite (embedded, WAL); PostgreSQL later for several hosts.
/// Route key-value entries the host keeps for itself. Keys starting with "host:" are reserved:
/// plugins must not use them. "host:replay" is "requested" after `switchboard replay` and
/// "running" while the route replays its whole source.
inline constexpr std::string_view replay_state_key = "host:replay";
inline constexpr std::string_view replay_requested = "requested";
inline constexpr std::string_view replay_running = "running";
/// "host:full_pass" holds the time (ms since the epoch) a full read of the source began after
/// a resync or a replay: once it has caught up, id map entries older than that belong to
/// records the source no longer has, and are deleted in the target.
inline constexpr std::string_view full_pass_state_key = "host:full_pass";

class state_store {
 public:
  virtual ~state_store() = default;

  /// The schema version this store is migrated to.
  virtual int schema_version() = 0;

  // --- cursors -------------------------------------------------------------------------
  /// The last committed cursor of a route, or nullopt if none was committed.
  virtual std::optional<std::string> cursor(const route_key& route) = 0;
  /// Atomically stores the dead letters produced since the last commit and the new cursor:
  /// after a crash either both are there or neither is.
  virtual void commit(const route_key& route, std::string_view cursor,
                      std::span<const dead_letter> new_dead_letters) = 0;
  /// Forgets the cursor (next run starts from the beginning).
  virtual void reset_cursor(const route_key& route) = 0;

  // --- id map ---------------------------------------------------------------------------
  virtual std::optional<id_entry> find_id(const route_key& route, std::string_view source_key) = 0;
  /// Applies several id map writes in one transaction.
  virtual void put_ids(const route_key& route, std::span<const id_update> updates) = 0;
  /// Number of id map entries of a route.
  virtual std::uint64_t count_ids(const route_key& route) = 0;
  /// Source keys of the id map entries last written before `before`, in key order, after
  /// `after_key` ("" = from the start), at most `limit`.
  virtual std::vector<std::string> stale_ids(const route_key& route,
                                             std::chrono::system_clock::time_point before,
                                             std::string_view after_key, std::size_t limit) = 0;

  // --- dead letters ----------------------------------------------------------------------
  /// Adds dead letters outside a cursor commit (e.g. from a replay); returns their ids.
  virtual std::vector<std::int64_t> add_dead_letters(std::span<const dead_letter> letters) = 0;
  /// Dead letters, oldest first; of one route when `route` is set; at most `limit`.
  virtual std::vector<dead_letter> dead_letters(const std::optional<route_key>& route,
                                                std::size_t limit) = 0;
  virtual std::optional<dead_letter> dead_letter_by_id(std::int64_t id) = 0;
  /// Removes one; returns false if there was none with this id.
  virtual bool remove_dead_letter(std::int64_t id) = 0;
  /// Records a failed replay: attempts + 1, new reason, last_failed = now.
  virtual void record_replay_failure(std::int64_t id, std::string_view reason) = 0;
  virtual std::uint64_t count_dead_letters(const route_key& route) = 0;

  // --- run history ------------------------------------------------------------------------
  /// Starts a run (status running) and returns its id. Earlier runs of the same route still
  /// marked running (their process died) become aborted.
  virtual std::int64_t begin_run(const route_key& route) = 0;
  /// Updates the counters of a running run (progress).
  virtual void update_run(std::int64_t run_id, const run_counts& counts) = 0;
  /// Ends a run.
  virtual void finish_run(std::int64_t run_id, run_status status, const run_counts& counts,
                          std::string_view message) = 0;
  /// Runs, newest first; of one route when `route` is set; at most `limit`.
  virtual std::vector<run_record> runs(const std::optional<route_key>& route,
                                       std::size_t limit) = 0;

  // --- plugin key-value state -------------------------------------------------------------
  virtual std::optional<std::string> kv_get(const route_key& route, std::string_view key) = 0;
  virtual void kv_put(const route_key& route, std::string_view key, std::string_view value) = 0;
  virtual void kv_erase(const route_key& route, std::string_view key) = 0;
};

/// Opens (creating if needed) a SQLite state store at `path` in WAL mode and migrates its
/// schema to the newest version. Throws std::runtime_error naming the path and the reason if
/// the file cannot be opened, is not a state store, or has a newer schema than this host knows.
std::unique_ptr<state_store> open_sqlite_state_store(const std::filesystem::path& path);

/// The newest schema version this host knows.
int latest_state_schema_version() noexcept;

}  // namespace switchboard::host
