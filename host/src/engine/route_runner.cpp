// One route's pipeline. The cursor of a batch is committed by the writer only after every
// record of that batch (and, by queue order, of all earlier batches) is written or
// dead-lettered, together with its dead letters in one transaction.
#include "route_runner.hpp"

#include "bounded_queue.hpp"
#include "delivery.hpp"
#include "record_json.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>
#include <thread>
#include <utility>

namespace switchboard::host {
namespace {

dead_letter make_dead_letter(const route_key& route, std::string stage, const sdk::record& r,
                             std::string reason, int attempts) {
  const auto now = std::chrono::system_clock::now();
  return dead_letter{0,   route, std::move(stage), record_to_json(r), std::move(reason), attempts,
                     now, now};
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

struct route_runner::item {
  sdk::batch batch;
  std::vector<dead_letter> rejected;
  /// The first batch of a full read after a resync: the writer marks when the pass began.
  bool starts_full_pass = false;
};

struct route_runner::pipeline {
  detail::bounded_queue<item> to_processors;
  detail::bounded_queue<item> to_sink;
  /// Written batches go back to the reader, which destroys their records and reuses the
  /// vector: memory is freed by the thread that allocated it (no cross-thread frees, which
  /// cost more than the whole pipeline hop when stages run on different cores).
  detail::bounded_queue<std::vector<sdk::record>> spent;
  explicit pipeline(std::size_t capacity)
      : to_processors(capacity), to_sink(capacity), spent(capacity) {}
};

run_counts route_runner::shared_counts::snapshot() const {
  return {read.load(), written.load(), filtered.load(), dead_lettered.load(), retries.load()};
}

route_runner::route_runner(const route_blueprint& blueprint, const context_services& services,
                           run_mode mode, stop_control& host_stop)
    : bp_(blueprint), services_(services), mode_(mode), stop_(host_stop) {}

sdk::logger& route_runner::log() { return *log_; }

void route_runner::fail(std::string message, stop_level level) {
  if (services_.secrets != nullptr && !services_.secrets->empty()) {
    message = services_.secrets->redact(message);
  }
  {
    std::lock_guard lock(failure_mutex_);
    if (failure_.empty()) failure_ = std::move(message);
  }
  if (level == stop_level::stop) {
    stop_.request_stop();
  } else {
    stop_.request_abort();
  }
}

route_progress route_runner::progress() const {
  return {bp_.key, counts_.snapshot(), seconds_since(started_)};
}

route_outcome route_runner::run() {
  started_ = std::chrono::steady_clock::now();
  route_outcome outcome;
  outcome.route = bp_.key;
  try {
    outcome.run_id = services_.state.begin_run(bp_.key);
  } catch (const std::exception& e) {
    outcome.status = run_status::failed;
    outcome.message = e.what();
    return outcome;
  }
  log_ = services_.logs.make_logger({bp_.key.tenant, bp_.key.route, "", outcome.run_id});
  try {
    const bool replaying = start_replay_if_requested();
    route_instance instance = instantiate(bp_, services_, outcome.run_id, stop_, true, replaying);
    const auto cursor = services_.state.cursor(bp_.key).value_or("");
    log().info(fmt::format("route started from {}",
                           cursor.empty() ? "the beginning" : "cursor " + cursor));
    replaying_ = instance.replaying.get();
    pipeline pipe(bp_.route->queue_batches);
    std::thread reader([&] {
      try {
        read_stage(instance, pipe);
      } catch (const std::exception& e) {
        fail(fmt::format("reader: {}", e.what()), stop_level::stop);
      }
      pipe.to_processors.close();
    });
    std::thread processors([&] {
      try {
        process_stage(instance, pipe);
      } catch (const std::exception& e) {
        fail(fmt::format("processors: {}", e.what()));
      }
      pipe.to_processors.close();
      pipe.to_sink.close();
    });
    try {
      write_stage(instance, pipe, outcome.run_id);
    } catch (const std::exception& e) {
      fail(fmt::format("writer: {}", e.what()));
    }
    pipe.to_sink.close();
    pipe.to_processors.close();
    processors.join();
    reader.join();
  } catch (const std::exception& e) {
    fail(e.what());
  }
  outcome.counts = counts_.snapshot();
  outcome.seconds = seconds_since(started_);
  {
    std::lock_guard lock(failure_mutex_);
    outcome.message = failure_;
  }
  if (!outcome.message.empty()) {
    outcome.status = run_status::failed;
  } else if (mode_ == run_mode::once && source_finished_) {
    outcome.status = run_status::succeeded;
  } else {
    outcome.status = run_status::stopped;
    outcome.message = stop_.abort_requested()
                          ? "stopped: in-flight batches abandoned after the grace period"
                          : "stopped";
  }
  const std::string summary = fmt::format(
      "route {}: read {}, written {}, filtered {}, dead-lettered {}, retries {} in "
      "{:.2f}s{}{}",
      to_string(outcome.status), outcome.counts.read, outcome.counts.written,
      outcome.counts.filtered, outcome.counts.dead_lettered, outcome.counts.retries,
      outcome.seconds, outcome.message.empty() ? "" : ": ", outcome.message);
  if (outcome.status == run_status::failed) {
    log().error(summary);
  } else {
    log().info(summary);
  }
  try {
    services_.state.finish_run(outcome.run_id, outcome.status, outcome.counts, outcome.message);
  } catch (const std::exception& e) {
    log().error(fmt::format("recording the end of the run failed: {}", e.what()));
  }
  return outcome;
}

bool route_runner::start_replay_if_requested() {
  const auto flag = services_.state.kv_get(bp_.key, replay_state_key);
  if (!flag) return false;
  if (*flag == replay_requested) {
    services_.state.reset_cursor(bp_.key);
    mark_full_pass();
    services_.state.kv_put(bp_.key, replay_state_key, replay_running);
    log().info("replay requested: reading the whole source again from the beginning");
  } else {
    log().info("resuming an unfinished replay");
  }
  return true;
}

void route_runner::mark_full_pass() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  services_.state.kv_put(bp_.key, full_pass_state_key, std::to_string(now.count()));
}

bool route_runner::sweep_after_full_pass(route_instance& instance, std::mt19937_64& rng) {
  const auto mark = services_.state.kv_get(bp_.key, full_pass_state_key);
  if (!mark) return true;
  std::int64_t since_ms = 0;
  const auto [end, ec] = std::from_chars(mark->data(), mark->data() + mark->size(), since_ms);
  if (ec != std::errc{} || end != mark->data() + mark->size()) {
    log().error(fmt::format("ignoring an unreadable full-pass mark \"{}\"", *mark));
    services_.state.kv_erase(bp_.key, full_pass_state_key);
    return true;
  }
  const std::chrono::system_clock::time_point since{std::chrono::milliseconds(since_ms)};
  // Records waiting in the dead-letter store were not written by this pass, but their source
  // rows exist: they are not swept.
  std::set<std::string, std::less<>> waiting;
  for (const auto& letter : services_.state.dead_letters(bp_.key, 1'000'000)) {
    std::string error;
    if (auto r = record_from_json(letter.record_json, error)) waiting.insert(std::move(r->key));
  }
  auto& sink_log = instance.contexts.back()->log();
  std::size_t removed = 0;
  std::vector<dead_letter> letters;
  std::string after;
  for (;;) {
    auto keys = services_.state.stale_ids(bp_.key, since, after, 500);
    if (keys.empty()) break;
    after = keys.back();
    std::vector<sdk::record> removes;
    for (auto& key : keys) {
      if (waiting.contains(key)) continue;
      sdk::record r;
      r.key = std::move(key);
      r.op = sdk::operation::remove;
      removes.push_back(std::move(r));
    }
    if (removes.empty()) continue;
    auto result = deliver(*instance.sink, removes, bp_.route->errors, stop_, sink_log, rng);
    if (result.route_failure) {
      fail(*result.route_failure);
      return false;
    }
    if (result.abandoned) return false;  // the mark stays: the next run sweeps again
    if (!result.ids.empty()) services_.state.put_ids(bp_.key, result.ids);
    removed += result.written;
    letters.clear();
    for (auto& f : result.failed) {
      letters.push_back(make_dead_letter(bp_.key, "sink", f.record, f.reason, f.attempts));
    }
    if (!letters.empty()) services_.state.add_dead_letters(letters);
    counts_.written += result.written;
    counts_.dead_lettered += letters.size();
  }
  services_.state.kv_erase(bp_.key, full_pass_state_key);
  log().info(fmt::format(
      "full pass complete: {} record(s) whose source rows no longer exist were deleted in the "
      "target",
      removed));
  return true;
}

void route_runner::prune_expired_ids() {
  const auto& retention = bp_.route->id_retention;
  if (!retention) return;
  const auto now = std::chrono::steady_clock::now();
  if (last_prune_ && now - *last_prune_ < std::chrono::hours(1)) return;
  last_prune_ = now;
  const auto before = std::chrono::system_clock::now() - *retention;
  std::size_t removed = 0;
  std::string after;
  while (!stop_.stop_requested()) {
    auto keys = services_.state.stale_ids(bp_.key, before, after, 1000);
    if (keys.empty()) break;
    after = keys.back();
    std::vector<id_update> erase;
    erase.reserve(keys.size());
    for (auto& key : keys) erase.push_back({std::move(key), std::nullopt});
    services_.state.put_ids(bp_.key, erase);
    removed += erase.size();
  }
  if (removed > 0) {
    log().info(fmt::format("removed {} id map entries not written for {} s (id_retention)", removed,
                           std::chrono::duration_cast<std::chrono::seconds>(*retention).count()));
  }
}

void route_runner::read_stage(route_instance& instance, pipeline& pipe) {
  auto& source = *instance.source;
  const auto& policy = bp_.route->errors;
  std::mt19937_64 rng(std::random_device{}());
  const auto cursor = services_.state.cursor(bp_.key).value_or("");
  int failures = 0;
  bool resync_pending = false;
  bool full_pass_next = false;
  enum class next_step { proceed, retry, reopened, stop };
  auto guarded = [&](auto&& call) -> sdk::status {
    try {
      return call();
    } catch (const std::exception& e) {
      return sdk::status::retryable(fmt::format("source threw: {}", e.what()));
    } catch (...) {
      return sdk::status::retryable("source threw a non-standard exception");
    }
  };
  auto handle = [&](const sdk::status& st, const char* what) -> next_step {
    if (st) return next_step::proceed;
    switch (st.kind()) {
      case sdk::error_kind::needs_resync: {
        if (resync_pending) {
          fail(fmt::format("source {} asked for a resync again right after one: {}", what,
                           st.message()),
               stop_level::stop);
          return next_step::stop;
        }
        resync_pending = true;
        full_pass_next = true;
        log().warn(fmt::format("full resync of the route from the beginning: {}", st.message()));
        const auto reopened = guarded([&] { return source.open(sdk::cursor{}); });
        if (!reopened) {
          fail(fmt::format("source open for resync failed: {}", reopened.message()),
               stop_level::stop);
          return next_step::stop;
        }
        return next_step::reopened;
      }
      case sdk::error_kind::permanent:
        fail(fmt::format("source {} failed: {}", what, st.message()), stop_level::stop);
        return next_step::stop;
      case sdk::error_kind::retryable:
      case sdk::error_kind::wait_for_dependency:
        if (++failures >= policy.max_attempts) {
          fail(fmt::format("source {} failed {} times in a row, last: {}", what, failures,
                           st.message()),
               stop_level::stop);
          return next_step::stop;
        }
        log().warn(fmt::format("source {} failed (attempt {}), retrying: {}", what, failures,
                               st.message()));
        if (!stop_.wait_for(backoff_delay(policy, failures, rng), stop_level::stop)) {
          return next_step::stop;
        }
        return next_step::retry;
    }
    return next_step::stop;
  };
  for (bool opened = false; !opened;) {
    switch (handle(guarded([&] { return source.open(sdk::cursor{cursor}); }), "open")) {
      case next_step::proceed:
      case next_step::reopened:
        opened = true;
        break;
      case next_step::retry:
        break;
      case next_step::stop:
        return;
    }
  }
  failures = 0;
  while (!stop_.stop_requested()) {
    item next;
    if (auto spent = pipe.spent.try_pop()) {
      spent->clear();
      next.batch.records = std::move(*spent);
    }
    const auto st = guarded([&] { return source.read(next.batch, bp_.route->batch_size); });
    const auto step = handle(st, "read");
    if (step == next_step::stop) return;
    if (step != next_step::proceed) continue;
    if (next.batch.records.size() > bp_.route->batch_size) {
      // The batch size bounds memory and what one commit covers: a source may give fewer.
      fail(fmt::format("source {} returned {} records to a read that asked for at most {}",
                       bp_.source.config->component, next.batch.records.size(),
                       bp_.route->batch_size),
           stop_level::stop);
      return;
    }
    failures = 0;
    resync_pending = false;
    counts_.read += next.batch.records.size();
    next.starts_full_pass = std::exchange(full_pass_next, false);
    const bool caught_up = next.batch.caught_up;
    if (!pipe.to_processors.push(std::move(next))) return;
    if (!caught_up) continue;
    if (mode_ == run_mode::once) {
      source_finished_ = true;
      return;
    }
    stop_.wait_for(bp_.route->poll_interval, stop_level::stop);
  }
}

void route_runner::process_stage(route_instance& instance, pipeline& pipe) {
  std::vector<sdk::rejected_record> rejected;
  while (auto next = pipe.to_processors.pop()) {
    auto& records = next->batch.records;
    for (std::size_t i = 0; i < instance.processors.size(); ++i) {
      const auto before = records.size();
      rejected.clear();
      try {
        instance.processors[i]->process(records, rejected);
      } catch (const std::exception& e) {
        // A processor that gives up because the host is stopping (e.g. while it waits for a
        // dependency) leaves its batch uncommitted: the next run reads it again.
        if (stop_.abort_requested()) return;
        fail(fmt::format("processor {} threw: {}", bp_.processors[i].config->component, e.what()));
        return;
      }
      for (auto& r : rejected) {
        next->rejected.push_back(
            make_dead_letter(bp_.key, fmt::format("processor:{}", i), r.rec, r.reason, 1));
      }
      const auto kept = records.size() + rejected.size();
      if (kept < before) counts_.filtered += before - kept;
    }
    if (!pipe.to_sink.push(std::move(*next))) return;
  }
}

void route_runner::write_stage(route_instance& instance, pipeline& pipe, std::int64_t run_id) {
  std::mt19937_64 rng(std::random_device{}());
  auto& sink_context = *instance.contexts.back();
  auto& sink_log = sink_context.log();
  auto last_progress = std::chrono::steady_clock::now();
  while (auto next = pipe.to_sink.pop()) {
    if (stop_.abort_requested()) return;
    if (next->starts_full_pass) mark_full_pass();
    // The sink looks every record up in the id map; nothing but the sink writes the route's id
    // map until deliver() returns.
    sink_context.prefetch_ids(next->batch.records);
    auto result =
        deliver(*instance.sink, next->batch.records, bp_.route->errors, stop_, sink_log, rng);
    sink_context.drop_prefetched_ids();
    pipe.spent.try_push(next->batch.records);
    counts_.written += result.written;
    counts_.retries += result.retries;
    if (result.route_failure) {
      fail(*result.route_failure);
      return;
    }
    if (result.abandoned) return;
    auto& letters = next->rejected;
    for (auto& f : result.failed) {
      letters.push_back(make_dead_letter(bp_.key, "sink", f.record, f.reason, f.attempts));
    }
    if (!result.ids.empty()) services_.state.put_ids(bp_.key, result.ids);
    services_.state.commit(bp_.key, next->batch.next.token, letters);
    if (next->batch.caught_up) {
      if (!sweep_after_full_pass(instance, rng)) return;
      prune_expired_ids();
      if (replaying_ != nullptr && replaying_->load()) {
        services_.state.kv_erase(bp_.key, replay_state_key);
        replaying_->store(false);
        log().info("replay finished: the whole source was read and written");
      }
    }
    counts_.dead_lettered += letters.size();
    if (!letters.empty()) {
      log().warn(fmt::format("dead-lettered {} record(s); first at {}: {}", letters.size(),
                             letters.front().stage, letters.front().reason));
    }
    if (std::chrono::steady_clock::now() - last_progress > std::chrono::seconds(2)) {
      services_.state.update_run(run_id, counts_.snapshot());
      last_progress = std::chrono::steady_clock::now();
    }
  }
}

}  // namespace switchboard::host
