// Records/s of mock.source -> mock.passthrough -> mock.sink (null) through the route engine,
// next to a hand-written loop that calls the same three components directly, in one process.
// Both run pinned to one core unless --all-cores is given. Prints the ratio and the targets
// (engine >= 1,000,000 records/s on one core, engine >= 0.5 x loop); exits 1 if one is missed.
#include "engine/route_context.hpp"
#include "switchboard/host/config.hpp"
#include "switchboard/host/logging.hpp"
#include "switchboard/host/metrics.hpp"
#include "switchboard/host/plugin_loader.hpp"
#include "switchboard/host/route_engine.hpp"
#include "switchboard/host/state_store.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <sched.h>
#include <cstring>
#include <fstream>
#include <map>
#include <random>

namespace sb = switchboard;
namespace host = switchboard::host;
namespace sdk = switchboard::sdk;

namespace {

constexpr std::uint64_t records_per_run = 1'000'000;
constexpr std::size_t batch_size = 1000;

/// The plugins, state store and config the two benchmarks share.
struct bench_env {
  std::filesystem::path dir;
  host::plugin_registry plugins;
  host::host_config config;
  host::secret_registry secrets;
  std::unique_ptr<host::log_service> logs;
  std::unique_ptr<host::state_store> state;
  host::metrics_registry metrics;
  host::stop_control stop;

  bench_env() {
    dir = std::filesystem::temp_directory_path() /
          fmt::format("switchboard-bench-{:08x}", std::random_device{}());
    std::filesystem::create_directories(dir);
    for (const auto& e : plugins.load_directory(SWITCHBOARD_BENCH_PLUGIN_DIR)) {
      throw std::runtime_error(e.message);
    }
    std::ofstream(dir / "host.json") << fmt::format(R"({{
      "state": "state.db",
      "log": {{"format": "human", "level": "warn", "file": "bench.log"}},
      "tenants": [{{"id": "bench", "plugins": ["mock"], "routes": [{{
        "id": "passthrough", "batch_size": {}, "queue_batches": 4,
        "source": {{"component": "mock.source", "config": {{"count": {}, "fields": 4}}}},
        "processors": [{{"component": "mock.passthrough"}}],
        "sink": {{"component": "mock.sink", "config": {{"mode": "null"}}}}}}]}}]}})",
                                                    batch_size, records_per_run);
    config = host::load_host_config(dir / "host.json");
    logs = std::make_unique<host::log_service>(config.log, nullptr);
    state = host::open_sqlite_state_store(config.state_path);
  }
  ~bench_env() {
    state.reset();
    logs.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  const host::route_config& route() const { return config.tenants[0].routes[0]; }

  boost::json::object options_of(const host::component_config& c) {
    const auto ref = plugins.find_component(c.component);
    return host::resolve_component_config(c, nullptr, ref->descriptor->config,
                                          host::secret_resolver::system(), secrets);
  }
};

bench_env& env() {
  static bench_env instance;
  return instance;
}

void engine_route(benchmark::State& st) {
  auto& e = env();
  host::route_engine engine(e.config, e.plugins,
                            host::engine_services{*e.state, *e.logs, e.metrics, e.stop, e.secrets});
  for (auto _ : st) {
    e.state->reset_cursor({"bench", "passthrough"});
    const auto outcomes = engine.run({}, host::run_mode::once);
    if (outcomes.size() != 1 || outcomes[0].counts.written != records_per_run) {
      st.SkipWithError("the engine did not write every record");
      return;
    }
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * records_per_run));
}

void hand_written_loop(benchmark::State& st) {
  auto& e = env();
  const auto& r = e.route();
  const host::context_services services{*e.state, *e.logs, e.metrics, &e.secrets};
  host::route_context source_ctx(services, {"bench", "loop"}, "mock.source", 0, e.stop,
                                 host::stop_level::stop);
  host::route_context proc_ctx(services, {"bench", "loop"}, "mock.passthrough", 0, e.stop,
                               host::stop_level::abort);
  host::route_context sink_ctx(services, {"bench", "loop"}, "mock.sink", 0, e.stop,
                               host::stop_level::abort);
  const auto source_options = e.options_of(r.source);
  const auto proc_options = e.options_of(r.processors[0]);
  const auto sink_options = e.options_of(r.sink);
  auto source = e.plugins.find_component("mock.source")
                    ->descriptor->make_source(sdk::options(source_options), source_ctx);
  auto processor = e.plugins.find_component("mock.passthrough")
                       ->descriptor->make_processor(sdk::options(proc_options), proc_ctx);
  auto sink = e.plugins.find_component("mock.sink")
                  ->descriptor->make_sink(sdk::options(sink_options), sink_ctx);
  std::vector<sdk::rejected_record> rejected;
  std::vector<sdk::write_result> results;
  std::uint64_t written = 0;
  for (auto _ : st) {
    if (!source->open(sdk::cursor{})) {
      st.SkipWithError("open failed");
      return;
    }
    written = 0;
    sdk::batch batch;
    while (true) {
      batch.records.clear();  // reuses the vector, as a tuned hand-written loop would
      batch.caught_up = false;
      if (!source->read(batch, batch_size)) {
        st.SkipWithError("read failed");
        return;
      }
      processor->process(batch.records, rejected);
      results.assign(batch.records.size(), sdk::write_result{});
      sink->write(batch.records, results);
      written += batch.records.size();
      if (batch.caught_up) break;
    }
  }
  if (written != records_per_run) st.SkipWithError("the loop did not write every record");
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * records_per_run));
}

class capturing_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> items_per_second;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      const auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) items_per_second[run.benchmark_name()] = it->second;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

BENCHMARK(engine_route)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(hand_written_loop)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

int main(int argc, char** argv) {
  bool all_cores = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--all-cores") == 0) {
      all_cores = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (!all_cores) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof(one), &one) != 0) std::perror("sched_setaffinity");
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  capturing_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  auto find = [&](std::string_view prefix) {
    for (auto it = reporter.items_per_second.begin(); it != reporter.items_per_second.end(); ++it) {
      if (it->first.starts_with(prefix)) return it;
    }
    return reporter.items_per_second.end();
  };
  const auto engine = find("engine_route");
  const auto loop = find("hand_written_loop");
  if (engine == reporter.items_per_second.end() || loop == reporter.items_per_second.end()) {
    std::fprintf(stderr, "both benchmarks must run to compare them (measured: %zu)\n",
                 reporter.items_per_second.size());
    return 1;
  }
  const double ratio = engine->second / loop->second;
  const bool fast = engine->second >= 1'000'000;
  const bool close = ratio >= 0.5;
  std::printf(
      "\n%s\nengine:            %12.0f records/s\nhand-written loop: %12.0f records/s\n"
      "ratio engine/loop: %12.2f   (target >= 0.50: %s)\n"
      "engine rate:       %12s   (target >= 1,000,000 records/s: %s)\n",
      all_cores ? "all cores" : "pinned to one core (CPU 0)", engine->second, loop->second, ratio,
      close ? "met" : "MISSED", "", fast ? "met" : "MISSED");
  return fast && close ? 0 : 1;
}
