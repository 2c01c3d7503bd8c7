// The switchboard command line: run, demo, validate, plugins list, routes status, dlq.
#include "switchboard/host/cli.hpp"

#include "cli_session.hpp"
#include "switchboard/host/route_engine.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <csignal>
#include <iostream>
#include <thread>

namespace switchboard::host {
namespace {

struct signal_watch {
  // Blocks SIGINT/SIGTERM in every thread created from now on; a watcher thread turns the
  // first signal into a graceful stop and a second one into an abort.
  explicit signal_watch(stop_control& stop) : stop_(stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    thread_ = std::thread([this] {
      int received = 0;
      const timespec tick{0, 100'000'000};
      while (!done_.load()) {
        if (sigtimedwait(&set_, nullptr, &tick) < 0) continue;
        if (++received == 1) {
          stop_.request_stop();
        } else {
          stop_.request_abort();
        }
      }
    });
  }
  ~signal_watch() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;

 private:
  stop_control& stop_;
  sigset_t set_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int print_outcomes(const std::vector<route_outcome>& outcomes, std::ostream& out) {
  int code = exit_ok;
  for (const auto& o : outcomes) {
    out << fmt::format(
        "{}/{}: {} (run {}): read {}, written {}, filtered {}, dead-lettered {}, "
        "retries {} in {:.2f}s{}{}\n",
        o.route.tenant, o.route.route, to_string(o.status), o.run_id, o.counts.read,
        o.counts.written, o.counts.filtered, o.counts.dead_lettered, o.counts.retries, o.seconds,
        o.message.empty() ? "" : ": ", o.message);
    if (o.status == run_status::failed) code = exit_failed;
  }
  return code;
}

void print_progress(const std::vector<route_progress>& progress, std::ostream& err) {
  for (const auto& p : progress) {
    const double rate = p.seconds > 0 ? static_cast<double>(p.counts.written) / p.seconds : 0;
    err << fmt::format("progress {}/{}: read {}, written {}, dead-lettered {} ({:.0f} records/s)\n",
                       p.route.tenant, p.route.route, p.counts.read, p.counts.written,
                       p.counts.dead_lettered, rate);
  }
}

struct cli_state {
  session_options session;
  bool once = false;
  bool json = false;
  bool all = false;
  std::vector<std::int64_t> ids;
  std::size_t limit = 100;
  std::uint64_t demo_records = 200000;
  std::string demo_dir;
  std::string replay_tenant;
  std::string replay_route;
  bool force = false;
};

void add_config_options(CLI::App* cmd, cli_state& s, bool config_required = true) {
  auto* opt = cmd->add_option("config", s.session.config_file, "host configuration file");
  if (config_required) opt->required();
  cmd->add_option("--plugin-dir", s.session.plugin_dirs,
                  "directory to load plugins from (repeatable; adds to the config's)");
}

void add_route_options(CLI::App* cmd, cli_state& s) {
  cmd->add_option("--tenant", s.session.filter.tenant, "only this tenant");
  cmd->add_option("--route", s.session.filter.route, "only this route");
}

int command_run(cli_state& s, std::ostream& out, std::ostream& err, bool handle_signals) {
  cli_session session;
  // Signals are blocked before open() starts the HTTP client's threads, so that every thread
  // inherits the mask and only the watcher receives SIGINT/SIGTERM.
  std::optional<signal_watch> signals;
  if (handle_signals) signals.emplace(session.stop);
  if (int code = session.open(s.session, err, true); code != exit_ok) return code;
  auto engine = session.make_engine();
  std::vector<route_outcome> outcomes;
  try {
    outcomes = engine.run(s.session.filter, s.once ? run_mode::once : run_mode::continuous,
                          [&](const std::vector<route_progress>& p) { print_progress(p, err); });
  } catch (const config_error& e) {
    err << "invalid configuration: " << e.what() << "\n";
    for (const auto& p : session.plugin_errors) err << "note: " << p.message << "\n";
    return exit_bad_config;
  }
  if (outcomes.empty()) err << "no enabled route matches\n";
  return print_outcomes(outcomes, out);
}

}  // namespace

int run_demo(std::uint64_t records, const std::string& dir, std::ostream& out, std::ostream& err);
int command_validate(const session_options& options, std::ostream& out, std::ostream& err);
int command_plugins_list(const session_options& options, bool json, std::ostream& out,
                         std::ostream& err);
int command_routes_status(const session_options& options, std::ostream& out, std::ostream& err);
int command_dlq_list(const session_options& options, std::size_t limit, bool json,
                     std::ostream& out, std::ostream& err);
int command_dlq_replay(const session_options& options, const std::vector<std::int64_t>& ids,
                       bool all, std::ostream& out, std::ostream& err);
int command_dlq_discard(const session_options& options, const std::vector<std::int64_t>& ids,
                        bool all, std::ostream& out, std::ostream& err);
int command_replay(const session_options& options, const std::string& tenant,
                   const std::string& route, bool force, std::ostream& out, std::ostream& err);

namespace {

int dispatch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
             bool handle_signals) {
  CLI::App app{
      "switchboard: runs connector plugins in per-tenant routes (source -> processors -> sink)",
      "switchboard"};
  app.set_version_flag("--version", std::string("switchboard ") + SWITCHBOARD_VERSION);
  app.require_subcommand(1);
  app.footer(
      "exit codes: 0 ok (also after a graceful stop by SIGINT/SIGTERM), 1 a route or replay "
      "failed, 2 bad command line or configuration, 3 a plugin was refused");
  cli_state s;

  auto* run = app.add_subcommand("run", "run the configured routes until stopped (SIGINT/SIGTERM)");
  add_config_options(run, s);
  add_route_options(run, s);
  run->add_flag("--once", s.once, "stop each route once its source is caught up");

  auto* demo =
      app.add_subcommand("demo", "run a mock -> pass-through -> mock route and print a summary");
  demo->add_option("--records", s.demo_records, "records to generate")->capture_default_str();
  demo->add_option("--dir", s.demo_dir, "work directory (default: a new temporary one)");

  auto* validate = app.add_subcommand("validate", "check a configuration against the plugins");
  add_config_options(validate, s);

  auto* plugins = app.add_subcommand("plugins", "inspect plugins");
  plugins->require_subcommand(1);
  auto* plugins_list = plugins->add_subcommand("list", "list loadable plugins and components");
  add_config_options(plugins_list, s, false);
  plugins_list->add_flag("--json", s.json, "print JSON");

  auto* routes = app.add_subcommand("routes", "inspect routes");
  routes->require_subcommand(1);
  auto* routes_status =
      routes->add_subcommand("status", "last run, cursor and backlog of each route");
  add_config_options(routes_status, s);
  add_route_options(routes_status, s);

  auto* dlq = app.add_subcommand("dlq", "dead-letter store");
  dlq->require_subcommand(1);
  auto* dlq_list = dlq->add_subcommand("list", "list dead letters");
  add_config_options(dlq_list, s);
  add_route_options(dlq_list, s);
  dlq_list->add_option("--limit", s.limit, "at most this many")->capture_default_str();
  dlq_list->add_flag("--json", s.json, "print JSON lines");
  auto* dlq_replay = dlq->add_subcommand("replay", "send dead letters through their route again");
  add_config_options(dlq_replay, s);
  add_route_options(dlq_replay, s);
  dlq_replay->add_option("--id", s.ids, "dead letter id (repeatable)");
  dlq_replay->add_flag("--all", s.all, "every dead letter of the selected routes");
  auto* dlq_discard = dlq->add_subcommand("discard", "delete dead letters");
  add_config_options(dlq_discard, s);
  add_route_options(dlq_discard, s);
  dlq_discard->add_option("--id", s.ids, "dead letter id (repeatable)");
  dlq_discard->add_flag("--all", s.all, "every dead letter of the selected routes");

  auto* replay = app.add_subcommand(
      "replay",
      "resynchronise a route's whole source (e.g. a table) when the route next runs; refused "
      "above the route's replay_guard (default 2000000 records or dead letters) unless forced");
  replay->add_option("tenant", s.replay_tenant, "tenant id")->required();
  replay->add_option("route", s.replay_route, "route id")->required();
  add_config_options(replay, s);
  replay->add_flag("--force", s.force, "replay even above the guard");

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!reversed.empty()) reversed.pop_back();  // program name
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? exit_ok : exit_bad_config;
  }
  if (run->parsed()) return command_run(s, out, err, handle_signals);
  if (demo->parsed()) return run_demo(s.demo_records, s.demo_dir, out, err);
  if (validate->parsed()) return command_validate(s.session, out, err);
  if (plugins_list->parsed()) return command_plugins_list(s.session, s.json, out, err);
  if (routes_status->parsed()) return command_routes_status(s.session, out, err);
  if (dlq_list->parsed()) return command_dlq_list(s.session, s.limit, s.json, out, err);
  if (dlq_replay->parsed()) return command_dlq_replay(s.session, s.ids, s.all, out, err);
  if (dlq_discard->parsed()) return command_dlq_discard(s.session, s.ids, s.all, out, err);
  if (replay->parsed()) {
    return command_replay(s.session, s.replay_tenant, s.replay_route, s.force, out, err);
  }
  err << app.help();
  return exit_bad_config;
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return dispatch(args, std::cout, std::cerr, true);
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return dispatch(args, out, err, false);
}

}  // namespace switchboard::host
