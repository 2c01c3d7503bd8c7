// Runs one route: reader, processor and writer stages joined by bounded queues.
#pragma once

#include "route_builder.hpp"
#include "switchboard/host/route_engine.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
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
  void read_stage(route_instance& instance, pipeline& pipe);
  void process_stage(route_instance& instance, pipeline& pipe);
  void write_stage(route_instance& instance, pipeline& pipe, std::int64_t run_id);
  void fail(std::string message);
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
};

}  // namespace switchboard::host
