// The route engine: builds routes from config and plugins, runs them, replays dead letters.
#pragma once

#include "switchboard/host/config.hpp"
#include "switchboard/host/connection_auth.hpp"
#include "switchboard/host/logging.hpp"
#include "switchboard/host/metrics.hpp"
#include "switchboard/host/plugin_loader.hpp"
#include "switchboard/host/state_store.hpp"
#include "switchboard/host/stop_control.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::host {

/// Which routes a command applies to: all enabled ones, one tenant's, or one route.
struct route_filter {
  std::string tenant;  ///< empty: every tenant
  std::string route;   ///< empty: every route of the selected tenants
  bool matches(const route_key& key) const noexcept {
    return (tenant.empty() || tenant == key.tenant) && (route.empty() || route == key.route);
  }
};

enum class run_mode : unsigned char {
  once,        ///< until every source is caught up, then return
  continuous,  ///< poll caught-up sources every poll_interval until stopped
};

/// Live counters of a running route (for progress lines).
struct route_progress {
  route_key route;
  run_counts counts;
  double seconds = 0;
};

/// How one route's run ended.
struct route_outcome {
  route_key route;
  std::int64_t run_id = 0;
  run_status status = run_status::succeeded;
  run_counts counts;
  std::string message;
  double seconds = 0;
};

/// How a replay of dead letters ended.
struct replay_outcome {
  std::size_t replayed = 0;          ///< written by the sink; removed from the store
  std::size_t filtered = 0;          ///< dropped by a processor on replay; removed
  std::size_t failed = 0;            ///< failed again; kept with the new reason
  std::vector<std::string> reasons;  ///< one per failure, "#<id> <key>: <reason>"
};

/// How a request to replay a route's whole source ended.
struct replay_request_outcome {
  bool accepted = false;
  /// The records a full read would produce, when the source can tell.
  std::optional<std::uint64_t> source_records;
  std::uint64_t backlog = 0;  ///< records waiting: the route's dead letters
  std::uint64_t guard = 0;    ///< the route's replay_guard
  std::string message;        ///< why it was refused, or what happens next
};

/// The host services the engine uses. All must outlive the engine.
struct engine_services {
  state_store& state;
  log_service& logs;
  metrics_registry& metrics;
  stop_control& stop;
  secret_registry& secrets;
  secret_resolver resolver = secret_resolver::system();
  /// The HTTPS client components reach through their context; null: none.
  sdk::http_client* http = nullptr;
  /// Token providers of the tenants' connections; null: none.
  const connection_auth* auth = nullptr;
};

/// Runs the routes of a host configuration. Thread-safe for one run() at a time.
class route_engine {
 public:
  route_engine(const host_config& config, const plugin_registry& plugins, engine_services services);
  ~route_engine();
  route_engine(const route_engine&) = delete;
  route_engine& operator=(const route_engine&) = delete;

  /// Checks the selected enabled routes without creating components: every component exists,
  /// has the right kind, belongs to a plugin the tenant enabled (and matches its connection's
  /// plugin), and its config is valid for its schema. Throws config_error for the first
  /// problem, naming file and JSON pointer. Returns the routes selected.
  std::vector<route_key> validate(const route_filter& filter) const;

  /// Validates, then runs the selected routes, each on its own threads, until they finish
  /// (once) or the stop control is triggered; on stop, in-flight batches drain for up to the
  /// configured grace period, then are abandoned (their cursors are not committed). One route
  /// failing does not stop the others. `on_progress` (optional) is called about every
  /// `progress_every` from the calling thread.
  std::vector<route_outcome> run(
      const route_filter& filter, run_mode mode,
      const std::function<void(const std::vector<route_progress>&)>& on_progress = {},
      std::chrono::milliseconds progress_every = std::chrono::seconds(5));

  /// Re-sends dead letters of one route through the stages they failed in (a processor, or
  /// the sink) with the route's retry policy. Written or filtered ones are removed; the rest
  /// stay with the new reason. Throws config_error if the route is unknown or invalid.
  replay_outcome replay(const route_key& route, const std::vector<dead_letter>& letters);

  /// Asks for a replay of the route's whole source (`switchboard replay`): refused when the
  /// source holds at least `replay_guard` records or as many are waiting, unless `force`.
  /// Accepted, it takes effect when the route next starts: the cursor goes back to the
  /// beginning and components see context::replaying() until the source has caught up.
  /// Creates the route's source (and opens it) to count its records. Throws config_error if the
  /// route is unknown or invalid, std::runtime_error if the source cannot be created.
  replay_request_outcome request_replay(const route_key& route, bool force);

  /// The configured route, or nullptr.
  const route_config* find_route(const route_key& key) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::host
