// Runs one route: reader, processor and writer stages joined by bounded queues.
#pragma once

#include "route_builder.hpp"
#include "switchboard/host/route_engine.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace switchboard::host {

class route_runner {
 public:
  /// `host_stop` is the host's stop control; the runner derives its own from it.
  route_runner(const route_blueprint& blueprint, const context_services& services, run_mode mode,
               stop_control& host_stop);

  /// Runs to the end (caught up in once mode, or stopped) on the calling thread and the
  /// threads it starts; never throws.
  route_outcome run();

  /// A snapshot of the counters; callable from any thread.
  route_progress progress() const;

 private:
  struct item;
  struct pipeline;
  struct shared_counts {
    std::atomic<std::uint64_t> read{0}, written{0}, filtered{0}, dead_lettered{0}, retries{0};
    run_counts snapshot() const;
  };

  /// Starts a replay an admin asked for (resets the cursor), or resumes an unfinished one;
  /// returns true when the route is replaying.
  bool start_replay_if_requested();
  /// Records that a full read of the source begins now (after a resync, or a replay).
  void mark_full_pass();
  /// After a full read has caught up: deletes in the target the records the pass did not see
  /// (their id map entries are older than the pass), except those waiting as dead letters.
  /// Returns false when the route must stop (abort, or a permanent failure under fail_route).
  bool sweep_after_full_pass(route_instance& instance, std::mt19937_64& rng);
  /// With the route's id_retention: removes the id map entries not written for that long, once
  /// the source has caught up and at most once an hour.
  void prune_expired_ids();
  void read_stage(route_instance& instance, pipeline& pipe);
  void process_stage(route_instance& instance, pipeline& pipe);
  void write_stage(route_instance& instance, pipeline& pipe, std::int64_t run_id);
  /// Records the route's failure (the first one wins) and stops it: a failing source stops
  /// reading while what it already read is still written and committed (stop); other
  /// failures abandon in-flight batches (abort).
  void fail(std::string message, stop_level level = stop_level::abort);
  sdk::logger& log();

  const route_blueprint& bp_;
  const context_services& services_;
  run_mode mode_;
  stop_control stop_;
  shared_counts counts_;
  std::chrono::steady_clock::time_point started_;
  std::unique_ptr<sdk::logger> log_;
  std::mutex failure_mutex_;
  std::string failure_;
  std::atomic<bool> source_finished_{false};
  std::atomic<bool>* replaying_ = nullptr;
  std::optional<std::chrono::steady_clock::time_point> last_prune_;  ///< writer thread only
};

}  // namespace switchboard::host
