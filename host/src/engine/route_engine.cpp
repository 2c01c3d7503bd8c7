// The engine: selects routes, checks them, runs each on its own threads, replays dead letters.
#include "switchboard/host/route_engine.hpp"

#include "delivery.hpp"
#include "record_json.hpp"
#include "route_builder.hpp"
#include "route_runner.hpp"

#include <fmt/format.h>

#include <charconv>
#include <condition_variable>
#include <thread>

namespace switchboard::host {

struct route_engine::impl {
  const host_config& config;
  const plugin_registry& plugins;
  engine_services services;
  context_services context{services.state,    services.logs, services.metrics,
                           &services.secrets, services.http, services.auth};

  /// The blueprint of one enabled route; config_error when there is none.
  route_blueprint blueprint(const route_key& key) const {
    auto found = blueprints({key.tenant, key.route});
    if (found.empty()) {
      throw config_error(
          config.file.string(), "",
          fmt::format("no enabled route {}/{} in this configuration", key.tenant, key.route));
    }
    return std::move(found.front());
  }

  std::vector<route_blueprint> blueprints(const route_filter& filter) const {
    std::vector<route_blueprint> out;
    for (const auto& tenant : config.tenants) {
      for (const auto& route : tenant.routes) {
        if (!route.enabled || !filter.matches({tenant.id, route.id})) continue;
        out.push_back(make_blueprint(tenant, route, plugins, services.resolver, services.secrets));
      }
    }
    return out;
  }
};

route_engine::route_engine(const host_config& config, const plugin_registry& plugins,
                           engine_services services)
    : impl_(std::make_unique<impl>(impl{config, plugins, std::move(services)})) {}

route_engine::~route_engine() = default;

const route_config* route_engine::find_route(const route_key& key) const {
  for (const auto& tenant : impl_->config.tenants) {
    if (tenant.id != key.tenant) continue;
    for (const auto& route : tenant.routes) {
      if (route.id == key.route) return &route;
    }
  }
  return nullptr;
}

std::vector<route_key> route_engine::validate(const route_filter& filter) const {
  std::vector<route_key> keys;
  for (const auto& bp : impl_->blueprints(filter)) keys.push_back(bp.key);
  return keys;
}

std::vector<route_outcome> route_engine::run(
    const route_filter& filter, run_mode mode,
    const std::function<void(const std::vector<route_progress>&)>& on_progress,
    std::chrono::milliseconds progress_every) {
  const auto blueprints = impl_->blueprints(filter);
  auto& host_stop = impl_->services.stop;
  std::vector<std::unique_ptr<route_runner>> runners;
  for (const auto& bp : blueprints) {
    runners.push_back(std::make_unique<route_runner>(bp, impl_->context, mode, host_stop));
  }
  std::vector<route_outcome> outcomes(runners.size());
  std::mutex mutex;
  std::condition_variable done_cv;
  std::size_t done = 0;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < runners.size(); ++i) {
    threads.emplace_back([&, i] {
      outcomes[i] = runners[i]->run();
      std::lock_guard lock(mutex);
      ++done;
      done_cv.notify_all();
    });
  }
  std::optional<std::chrono::steady_clock::time_point> abort_at;
  auto last_progress = std::chrono::steady_clock::now();
  {
    std::unique_lock lock(mutex);
    while (done < runners.size()) {
      auto wake = std::chrono::steady_clock::now() +
                  std::min(progress_every, std::chrono::milliseconds(200));
      if (abort_at) wake = std::min(wake, *abort_at);
      done_cv.wait_until(lock, wake);
      if (done == runners.size()) break;
      if (host_stop.stop_requested() && !abort_at) {
        abort_at = std::chrono::steady_clock::now() + impl_->config.shutdown_grace;
      }
      if (abort_at && std::chrono::steady_clock::now() >= *abort_at &&
          !host_stop.abort_requested()) {
        host_stop.request_abort();
      }
      if (on_progress && std::chrono::steady_clock::now() - last_progress >= progress_every) {
        last_progress = std::chrono::steady_clock::now();
        std::vector<route_progress> snapshot;
        for (const auto& r : runners) snapshot.push_back(r->progress());
        lock.unlock();
        on_progress(snapshot);
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t.join();
  return outcomes;
}

replay_request_outcome route_engine::request_replay(const route_key& key, bool force) {
  const auto bp = impl_->blueprint(key);
  auto& state = impl_->services.state;
  replay_request_outcome outcome;
  outcome.guard = bp.route->replay_guard;
  outcome.backlog = state.count_dead_letters(key);
  {
    stop_control stop(impl_->services.stop);
    route_instance instance = instantiate(bp, impl_->context, 0, stop, true);
    const auto opened = instance.source->open(sdk::cursor{});
    if (!opened) {
      throw std::runtime_error(
          fmt::format("opening the source to count its records failed: {}", opened.message()));
    }
    outcome.source_records = instance.source->total_records();
  }
  const auto size_text = outcome.source_records
                             ? fmt::format("{} records in the source", *outcome.source_records)
                             : std::string("the source cannot count its records");
  const bool too_big = outcome.source_records && *outcome.source_records >= outcome.guard;
  const bool backlog_too_big = outcome.backlog >= outcome.guard;
  if ((too_big || backlog_too_big) && !force) {
    outcome.message = fmt::format(
        "replay of {}/{} refused: {}, {} waiting in the dead-letter store; the guard is {} "
        "(replay_guard); use --force to replay anyway",
        key.tenant, key.route, size_text, outcome.backlog, outcome.guard);
    return outcome;
  }
  state.kv_put(key, replay_state_key, replay_requested);
  outcome.accepted = true;
  outcome.message =
      fmt::format("replay of {}/{} accepted ({}, {} waiting): it starts when the route next runs",
                  key.tenant, key.route, size_text, outcome.backlog);
  return outcome;
}

replay_outcome route_engine::replay(const route_key& key, const std::vector<dead_letter>& letters) {
  replay_outcome outcome;
  const auto bp = impl_->blueprint(key);
  auto& state = impl_->services.state;
  stop_control stop(impl_->services.stop);
  route_instance instance = instantiate(bp, impl_->context, 0, stop, false);
  auto& log = instance.contexts.back()->log();
  std::mt19937_64 rng(std::random_device{}());
  auto record_failure = [&](const dead_letter& l, const std::string& key_text, std::string reason) {
    state.record_replay_failure(l.id, reason);
    outcome.reasons.push_back(fmt::format("#{} {}: {}", l.id, key_text, reason));
    ++outcome.failed;
  };
  for (const auto& letter : letters) {
    std::string error;
    auto record = record_from_json(letter.record_json, error);
    if (!record) {
      record_failure(letter, "?", "stored record is unreadable: " + error);
      continue;
    }
    const std::string record_key = record->key;
    std::size_t first_processor = instance.processors.size();
    if (letter.stage.starts_with("processor:")) {
      const auto digits = std::string_view(letter.stage).substr(10);
      std::size_t index = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (ec != std::errc{} || end != digits.data() + digits.size() ||
          index >= instance.processors.size()) {
        record_failure(
            letter, record_key,
            fmt::format("stage \"{}\" does not exist in the route any more", letter.stage));
        continue;
      }
      first_processor = index;
    }
    std::vector<sdk::record> records;
    records.push_back(std::move(*record));
    std::vector<sdk::rejected_record> rejected;
    try {
      for (std::size_t i = first_processor; i < instance.processors.size() && !records.empty();
           ++i) {
        instance.processors[i]->process(records, rejected);
      }
    } catch (const std::exception& e) {
      record_failure(letter, record_key, fmt::format("processor threw: {}", e.what()));
      continue;
    }
    if (!rejected.empty()) {
      record_failure(letter, record_key, rejected.front().reason);
      continue;
    }
    if (records.empty()) {
      state.remove_dead_letter(letter.id);
      ++outcome.filtered;
      continue;
    }
    auto result = deliver(*instance.sink, records, bp.route->errors, stop, log, rng);
    if (!result.ids.empty()) state.put_ids(key, result.ids);
    if (result.written == 1) {
      state.remove_dead_letter(letter.id);
      ++outcome.replayed;
    } else if (result.route_failure) {
      record_failure(letter, record_key, *result.route_failure);
    } else if (!result.failed.empty()) {
      record_failure(letter, record_key, result.failed.front().reason);
    } else {
      record_failure(letter, record_key, "replay abandoned: the host is stopping");
    }
  }
  return outcome;
}

}  // namespace switchboard::host
