// ingress_bench: the Dynamics 365 → Campaign contact flow of config/templates at scale against
// the sandbox emulators (in this process), run by the real switchboard binary as a child
// process: initial sync (records/s, the host's peak RSS), an incremental run after a fraction
// of the contacts changed (requests and time against the initial run), the host's peak RSS at
// a smaller size, and a minimal hand-written client doing the same reads and writes.
#include "ingress_baseline.hpp"
#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/ingress_check.hpp"
#include "sandbox/ingress_schema.hpp"
#include "sandbox/sandbox.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace sb = switchboard::sandbox;
namespace bench = switchboard::bench;
using clock_type = std::chrono::steady_clock;

constexpr double target_incremental_fraction = 0.02;
constexpr double target_rss_ratio = 1.2;
constexpr double target_baseline_ratio = 0.8;

struct options {
  std::size_t contacts = 1'000'000;
  std::size_t rss_contacts = 100'000;
  double change_fraction = 0.01;
  std::size_t concurrency = 16;
  unsigned io_threads = 1;
  std::size_t batch_size = 5000;
  std::uint64_t seed = 7;
  bool skip_baseline = false;
  std::size_t rounds = 3;
  bool skip_rss = false;
  bool verify = true;
  std::string dir;
  std::string templates = SWITCHBOARD_TEMPLATE_DIR;
  std::string binary;
};

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

void say(const std::string& line) { std::cout << line << std::endl; }

double seconds_of(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

/// CPU time of this process so far: the emulators' (and the hand-written client's).
double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

/// One `switchboard run CONFIG --once`: exit code, wall time and the child's own peak RSS.
struct host_run {
  int exit_code = 0;
  double seconds = 0;
  long max_rss_kib = 0;
  double cpu_seconds = 0;
};

/// Starts the host runs from a process forked when the bench was still small. A child's
/// ru_maxrss counts what it had mapped before exec, and a child forked from the bench would
/// inherit the emulators' memory (gigabytes at 1M contacts); forked from the launcher, it
/// inherits a few MiB, less than the host itself needs.
class host_launcher {
 public:
  host_launcher() {
    int to[2];
    int from[2];
    if (::pipe(to) != 0 || ::pipe(from) != 0) throw std::runtime_error("pipe failed");
    std::cout << std::flush;
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::close(to[1]);
      ::close(from[0]);
      serve(to[0], from[1]);
      ::_exit(0);
    }
    ::close(to[0]);
    ::close(from[1]);
    requests_ = to[1];
    results_ = from[0];
  }
  ~host_launcher() {
    ::close(requests_);
    ::close(results_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  host_launcher(const host_launcher&) = delete;
  host_launcher& operator=(const host_launcher&) = delete;

  /// Runs the host with this process's environment (the sandbox's URLs are set after the
  /// launcher started).
  host_run run(const fs::path& binary, const fs::path& config, const fs::path& output) {
    std::vector<std::string> texts{binary.string(), config.string(), output.string()};
    for (char** e = environ; *e != nullptr; ++e) texts.emplace_back(*e);
    const std::uint64_t count = texts.size();
    if (!write_all(requests_, &count, sizeof count)) throw std::runtime_error("launcher died");
    for (const auto& text : texts) send_text(requests_, text);
    host_run r;
    if (!read_all(results_, &r, sizeof r)) throw std::runtime_error("the host launcher died");
    return r;
  }

 private:
  /// Moves `size` bytes through `io` (::read or ::write) in as many calls as it takes.
  template <class Byte, class Io>
  static bool all_of(int fd, Byte* data, std::size_t size, Io io) {
    while (size > 0) {
      const auto n = io(fd, data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }
  static bool read_all(int fd, void* data, std::size_t size) {
    return all_of(fd, static_cast<char*>(data), size, ::read);
  }
  static bool write_all(int fd, const void* data, std::size_t size) {
    return all_of(fd, static_cast<const char*>(data), size, ::write);
  }
  static void send_text(int fd, const std::string& text) {
    const std::uint64_t size = text.size();
    if (!write_all(fd, &size, sizeof size) || !write_all(fd, text.data(), text.size())) {
      throw std::runtime_error("the host launcher died");
    }
  }
  static std::optional<std::string> receive_text(int fd) {
    std::uint64_t size = 0;
    if (!read_all(fd, &size, sizeof size)) return std::nullopt;
    std::string text(size, '\0');
    if (!read_all(fd, text.data(), text.size())) return std::nullopt;
    return text;
  }

  /// The launcher's loop: binary, config, output and the environment in; a host_run out;
  /// until the pipe closes.
  static void serve(int requests, int results) {
    for (;;) {
      std::uint64_t count = 0;
      if (!read_all(requests, &count, sizeof count) || count < 3) return;
      std::vector<std::string> texts;
      for (std::uint64_t i = 0; i < count; ++i) {
        auto text = receive_text(requests);
        if (!text) return;
        texts.push_back(std::move(*text));
      }
      const std::string& binary = texts[0];
      const std::string& config = texts[1];
      const std::string& output = texts[2];
      std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("run"),
                              const_cast<char*>(config.c_str()), const_cast<char*>("--once"),
                              nullptr};
      std::vector<char*> env;
      for (std::size_t i = 3; i < texts.size(); ++i) env.push_back(texts[i].data());
      env.push_back(nullptr);
      const auto started = clock_type::now();
      const pid_t pid = ::fork();
      if (pid == 0) {
        const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
          ::dup2(fd, STDOUT_FILENO);
          ::dup2(fd, STDERR_FILENO);
          ::close(fd);
        }
        ::execve(binary.c_str(), argv.data(), env.data());
        std::perror("exec switchboard");
        ::_exit(127);
      }
      host_run r;
      int status = 0;
      rusage usage{};
      if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid) {
        r.exit_code = -1;
      } else {
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      r.seconds = seconds_since(started);
      r.max_rss_kib = usage.ru_maxrss;
      r.cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
      if (!write_all(results, &r, sizeof r)) return;
    }
  }

  pid_t pid_ = -1;
  int requests_ = -1;
  int results_ = -1;
};

/// Requests an emulator answered since its counters were last reset, in total and by kind.
struct request_counts {
  std::uint64_t total = 0;
  std::string by_kind;
};

request_counts requests_of(sb::sandbox& box, std::string_view service) {
  const auto counts = box.service(service).faults().counts();
  request_counts out;
  out.total = counts.at("total").to_number<std::uint64_t>();
  for (const auto& [kind, n] : counts.at("by_kind").as_object()) {
    out.by_kind += fmt::format("{}{} {}", out.by_kind.empty() ? "" : ", ", std::string_view(kind),
                               n.to_number<std::uint64_t>());
  }
  return out;
}

void reset_requests(sb::sandbox& box) {
  box.service("dataverse").faults().reset_counts();
  box.service("campaign").faults().reset_counts();
}

/// A sandbox with the ingress schema and `contacts` seeded contacts.
std::unique_ptr<sb::sandbox> start_sandbox(std::size_t contacts, const options& o) {
  const auto started = clock_type::now();
  sb::sandbox_options so;
  so.seed = o.seed;
  auto box = std::make_unique<sb::sandbox>(so);
  sb::define_ingress_schema(*box);
  box->emulator_as<sb::dataverse_emulator>("dataverse").seed_contacts(contacts, o.seed);
  for (const auto& [name, value] : sb::template_environment(*box)) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  say(fmt::format("  sandbox started, {} contacts seeded in {:.1f} s", contacts,
                  seconds_since(started)));
  return box;
}

/// The contacts route of config/templates alone, with the bench's batch size and concurrency.
json::object contacts_route(const options& o) {
  auto tenant = sb::template_tenant(o.templates, "bench");
  for (auto& r : tenant.at("routes").as_array()) {
    auto& route = r.as_object();
    if (route.at("id").as_string() != "contacts") continue;
    route["batch_size"] = o.batch_size;
    route["sink"].as_object()["config"].as_object()["concurrency"] = o.concurrency;
    return route;
  }
  throw std::runtime_error("the templates have no route \"contacts\"");
}

/// The $select the route's source sends: the mapping's key and source fields, then modifiedon.
std::string route_select(const json::object& route) {
  const auto& mapping = route.at("mapping").as_object();
  std::vector<std::string> columns{
      std::string(mapping.at("source").as_object().at("key").as_string())};
  for (const auto& f : mapping.at("fields").as_array()) {
    std::string column(f.as_object().at("source").as_string());
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
      columns.push_back(std::move(column));
    }
  }
  columns.emplace_back("modifiedon");
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ",") + c;
  return out;
}

fs::path write_config(const fs::path& dir, const sb::sandbox& box, const options& o) {
  fs::create_directories(dir);
  auto tenant = sb::template_tenant(o.templates, "bench");
  tenant["plugins"] = json::array{"dynamics365", "campaign"};
  tenant["routes"] = json::array{contacts_route(o)};
  const json::object host{
      {"state", "state.db"},
      {"http",
       json::object{{"ca_file", box.ca_file().string()},
                    {"max_connections_per_origin", std::max<std::size_t>(16, o.concurrency)}}},
      {"log", json::object{{"format", "human"}, {"level", "info"}, {"file", "host.log"}}},
      {"tenants", json::array{std::move(tenant)}},
      {"worker_threads", o.io_threads}};
  const auto config = dir / "host.json";
  std::ofstream(config) << json::serialize(host) << "\n";
  return config;
}

/// Changes lastname and email of `fraction` of the contacts, spread evenly over the table.
std::size_t change_contacts(sb::sandbox& box, double fraction) {
  auto& dv = box.emulator_as<sb::dataverse_emulator>("dataverse");
  const auto rows = dv.rows("contact");
  if (rows.empty()) return 0;
  const auto count = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::llround(static_cast<double>(rows.size()) * fraction)), 1,
      rows.size());
  json::array updates;
  updates.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& row = rows[i * rows.size() / count].as_object();
    updates.push_back(json::object{{"contactid", row.at("contactid")},
                                   {"lastname", fmt::format("Changed{}", i)},
                                   {"emailaddress1", fmt::format("changed.{}@example.org", i)}});
  }
  dv.upsert_rows("contact", updates);
  return count;
}

/// Gives the memory of big temporary JSON (every row of a table) back now: glibc would
/// otherwise consolidate those millions of free chunks at some later allocation, on whatever
/// thread, and the CPU would count as the emulators' during the next run.
void release_free_memory() { ::malloc_trim(0); }

void verify(sb::sandbox& box, std::size_t contacts, const std::string& what) {
  const auto started = clock_type::now();
  const auto check = sb::check_ingress(box, false);
  release_free_memory();
  if (!check.ok() || check.profiles != contacts) {
    std::string detail;
    for (const auto& p : check.problems) detail += "\n    " + p;
    throw std::runtime_error(
        fmt::format("{}: Campaign does not match Dynamics: {} contacts, {} "
                    "profiles, {} difference(s){}",
                    what, check.contacts, check.profiles, check.problem_count, detail));
  }
  say(fmt::format("  check: {} profiles identical to their contacts, field by field ({:.1f} s)",
                  check.profiles, seconds_since(started)));
}

void expect_success(const host_run& r, const fs::path& dir) {
  if (r.exit_code == 0) return;
  throw std::runtime_error(fmt::format("switchboard exited with {}; see {} and {}", r.exit_code,
                                       (dir / "host.log").string(), (dir / "output.txt").string()));
}

std::string thousands(double value) {
  auto digits = fmt::format("{:.0f}", value);
  for (auto i = static_cast<std::ptrdiff_t>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return digits;
}

std::string mib(long kib) { return fmt::format("{:.1f} MiB", static_cast<double>(kib) / 1024.0); }

struct target_line {
  std::string name;
  std::string measured;
  std::string target;
  std::optional<bool> pass;  ///< nullopt: not measured in this run
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "ingress_bench: the Dynamics 365 -> Campaign contact flow (config/templates) against the "
      "sandbox emulators, run by the switchboard binary; initial sync, incremental run, peak "
      "RSS, and a minimal hand-written client for comparison",
      "ingress_bench"};
  options o;
  app.add_option("--contacts", o.contacts, "contacts of the main runs")->capture_default_str();
  app.add_option("--change-fraction", o.change_fraction,
                 "fraction of the contacts changed before the incremental run")
      ->capture_default_str();
  app.add_option("--concurrency", o.concurrency,
                 "Campaign requests in flight (the sink's concurrency and the reference's)")
      ->capture_default_str();
  app.add_option("--io-threads", o.io_threads,
                 "I/O threads of the HTTPS clients (the host's worker_threads and the "
                 "reference's); on two cores one does best for both")
      ->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "the route's batch_size (page size up to 5000)")
      ->capture_default_str();
  app.add_option("--rss-contacts", o.rss_contacts,
                 "contacts of the smaller run the peak RSS is compared with (a tenth of "
                 "--contacts when not smaller)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the generated contacts")->capture_default_str();
  app.add_flag("--skip-baseline", o.skip_baseline, "do not run the hand-written client");
  app.add_option("--rounds", o.rounds,
                 "paired rounds of the flow and the hand-written client (the first pairs the "
                 "initial sync); the ratio is the median of the rounds' ratios")
      ->capture_default_str();
  app.add_flag("--skip-rss", o.skip_rss, "do not run the smaller size for the RSS ratio");
  app.add_flag("--verify,!--no-verify", o.verify,
               "compare Campaign with Dynamics field by field (not timed): after the smaller "
               "sync, after the incremental run (which checks the initial sync's work too) and "
               "after the hand-written client")
      ->capture_default_str();
  app.add_option("--dir", o.dir, "work directory (default: a new temporary one, removed after)");
  app.add_option("--templates", o.templates, "route templates")->capture_default_str();
  app.add_option("--switchboard", o.binary, "the switchboard binary (default: next to this one)");
  CLI11_PARSE(app, argc, argv);
  if (o.contacts == 0 || o.concurrency == 0 || o.batch_size == 0 || o.io_threads == 0 ||
      o.rounds == 0 || !(o.change_fraction > 0) || o.change_fraction > 1) {
    std::cerr << "ingress_bench: --contacts, --concurrency, --io-threads, --rounds and "
                 "--batch-size must be positive, "
                 "--change-fraction in (0, 1]\n";
    return 2;
  }
  if (o.rss_contacts >= o.contacts) o.rss_contacts = std::max<std::size_t>(1, o.contacts / 10);

  try {
    host_launcher launcher;
    const fs::path binary = o.binary.empty()
                                ? fs::canonical("/proc/self/exe").parent_path() / "switchboard"
                                : fs::path(o.binary);
    const bool own_dir = o.dir.empty();
    const fs::path work = own_dir ? fs::temp_directory_path() /
                                        fmt::format("switchboard-ingress-bench-{}", ::getpid())
                                  : fs::path(o.dir);
    fs::create_directories(work);
    const auto select = route_select(contacts_route(o));
    say(
        fmt::format("ingress_bench: {} contacts, {:g}% changed, batch {}, concurrency {}, "
                    "{} I/O thread(s); {}; work dir {}",
                    o.contacts, o.change_fraction * 100, o.batch_size, o.concurrency, o.io_threads,
                    binary.string(), work.string()));
    const auto total_started = clock_type::now();

    // 1. The smaller initial sync, for the peak RSS ratio.
    std::optional<host_run> small;
    if (!o.skip_rss) {
      say(fmt::format("\n== initial sync of {} contacts (peak RSS reference)", o.rss_contacts));
      auto box = start_sandbox(o.rss_contacts, o);
      const auto dir = work / fmt::format("host-{}", o.rss_contacts);
      const auto config = write_config(dir, *box, o);
      small = launcher.run(binary, config, dir / "output.txt");
      expect_success(*small, dir);
      say(fmt::format("  {:.2f} s, {} records/s, peak RSS {}", small->seconds,
                      thousands(static_cast<double>(o.rss_contacts) / small->seconds),
                      mib(small->max_rss_kib)));
      if (o.verify) verify(*box, o.rss_contacts, "smaller initial sync");
    }

    // 2. The initial sync, then the incremental run after the changes.
    say(fmt::format("\n== initial sync of {} contacts", o.contacts));
    auto box = start_sandbox(o.contacts, o);
    const auto dir = work / fmt::format("host-{}", o.contacts);
    const auto config = write_config(dir, *box, o);
    // One host run against `box`: its figures, the emulators' CPU and the requests counted.
    struct counted_run {
      host_run run;
      double sandbox_cpu = 0;
      request_counts dataverse;
      request_counts campaign;
    };
    const auto run_counted = [&](sb::sandbox& sandbox) {
      counted_run out;
      reset_requests(sandbox);
      const double cpu_before = own_cpu_seconds();
      out.run = launcher.run(binary, config, dir / "output.txt");
      out.sandbox_cpu = own_cpu_seconds() - cpu_before;
      expect_success(out.run, dir);
      out.dataverse = requests_of(sandbox, "dataverse");
      out.campaign = requests_of(sandbox, "campaign");
      return out;
    };
    const auto say_requests = [](const counted_run& r) {
      say(fmt::format("  Dataverse: {}", r.dataverse.by_kind));
      say(fmt::format("  Campaign:  {}", r.campaign.by_kind));
    };
    const auto first = run_counted(*box);
    const auto& initial = first.run;
    const double host_rate = static_cast<double>(o.contacts) / initial.seconds;
    say(fmt::format("  {:.2f} s, {} records/s, peak RSS {}; CPU: host {:.1f} s, emulators {:.1f} s",
                    initial.seconds, thousands(host_rate), mib(initial.max_rss_kib),
                    initial.cpu_seconds, first.sandbox_cpu));
    say_requests(first);

    say(fmt::format("\n== incremental run after {:g}% of the contacts changed",
                    o.change_fraction * 100));
    const auto changed = change_contacts(*box, o.change_fraction);
    release_free_memory();
    say(fmt::format("  {} contacts changed in Dataverse (lastname, emailaddress1)", changed));
    const auto second = run_counted(*box);
    const auto& incremental = second.run;
    say(fmt::format("  {:.2f} s, peak RSS {}; CPU: host {:.1f} s, emulators {:.1f} s",
                    incremental.seconds, mib(incremental.max_rss_kib), incremental.cpu_seconds,
                    second.sandbox_cpu));
    say_requests(second);
    if (o.verify) verify(*box, o.contacts, "incremental run");
    box.reset();

    // 3. The hand-written client against a fresh sandbox of the same size, in paired rounds
    // with the flow: the first round pairs it with the initial sync above; each further round
    // runs both on fresh sandboxes, the two taking turns going first, so that a machine that
    // gets slower or faster during the benchmark moves both sides of a ratio alike.
    std::vector<double> round_ratios;
    if (!o.skip_baseline) {
      const auto run_reference = [&](bool check) {
        auto fresh = start_sandbox(o.contacts, o);
        const auto& c = fresh->credentials();
        bench::baseline_options bo;
        bo.ca_file = fresh->ca_file().string();
        bo.dataverse_url = fresh->url("dataverse");
        bo.entra_url = fresh->url("entra");
        bo.entra_tenant = c.entra_tenant;
        bo.entra_client_id = c.entra_client_id;
        bo.entra_client_secret = c.entra_client_secret;
        bo.campaign_url = fresh->url("campaign") + "/" + c.campaign_organization;
        bo.ims_url = fresh->url("ims");
        bo.ims_client_id = c.ims_client_id;
        bo.ims_client_secret = c.ims_client_secret;
        bo.select = select;
        bo.page_size = std::min<std::size_t>(o.batch_size, 5000);
        bo.concurrency = o.concurrency;
        bo.io_threads = o.io_threads;
        const double cpu_before = own_cpu_seconds();
        const auto reference = bench::run_baseline(bo);
        const double cpu = own_cpu_seconds() - cpu_before;
        if (reference.created != o.contacts) {
          throw std::runtime_error(fmt::format("the hand-written client created {} profiles of {}",
                                               reference.created, o.contacts));
        }
        const double rate = static_cast<double>(o.contacts) / reference.seconds;
        say(
            fmt::format("  hand-written client: {:.2f} s, {} records/s ({} pages); CPU: client "
                        "{:.1f} s, emulators {:.1f} s",
                        reference.seconds, thousands(rate), reference.pages, reference.cpu_seconds,
                        cpu - reference.cpu_seconds));
        if (check) verify(*fresh, o.contacts, "hand-written client");
        return rate;
      };
      const auto run_flow = [&](std::size_t round) {
        auto fresh = start_sandbox(o.contacts, o);
        const auto round_dir = work / fmt::format("host-{}-round-{}", o.contacts, round);
        const auto round_config = write_config(round_dir, *fresh, o);
        const double cpu_before = own_cpu_seconds();
        const auto run = launcher.run(binary, round_config, round_dir / "output.txt");
        const double cpu = own_cpu_seconds() - cpu_before;
        expect_success(run, round_dir);
        const double rate = static_cast<double>(o.contacts) / run.seconds;
        say(fmt::format("  flow: {:.2f} s, {} records/s; CPU: host {:.1f} s, emulators {:.1f} s",
                        run.seconds, thousands(rate), run.cpu_seconds, cpu));
        fs::remove_all(round_dir);
        return rate;
      };
      for (std::size_t round = 1; round <= o.rounds; ++round) {
        say(fmt::format("\n== round {} of {}: the flow and the hand-written client, {} contacts",
                        round, o.rounds, o.contacts));
        double flow_rate = 0;
        double reference_rate = 0;
        if (round == 1) {
          say(fmt::format("  flow: the initial sync above, {} records/s", thousands(host_rate)));
          flow_rate = host_rate;
          reference_rate = run_reference(o.verify);
        } else if (round % 2 == 0) {
          reference_rate = run_reference(false);
          flow_rate = run_flow(round);
        } else {
          flow_rate = run_flow(round);
          reference_rate = run_reference(false);
        }
        round_ratios.push_back(flow_rate / reference_rate);
        say(fmt::format("  ratio {:.2f}", round_ratios.back()));
      }
    }

    // The figures against the targets.
    const auto initial_requests = first.dataverse.total + first.campaign.total;
    const auto incremental_requests = second.dataverse.total + second.campaign.total;
    const double request_fraction =
        static_cast<double>(incremental_requests) / static_cast<double>(initial_requests);
    const double time_fraction = incremental.seconds / initial.seconds;
    std::vector<target_line> lines;
    lines.push_back({"initial sync", fmt::format("{} records/s", thousands(host_rate)), "-", {}});
    lines.push_back({"peak RSS of the host", mib(initial.max_rss_kib), "-", {}});
    lines.push_back({"incremental requests / initial",
                     fmt::format("{} / {} = {:.2f}%", incremental_requests, initial_requests,
                                 request_fraction * 100),
                     fmt::format("<= {:g}%", target_incremental_fraction * 100),
                     request_fraction <= target_incremental_fraction});
    lines.push_back({"incremental time / initial",
                     fmt::format("{:.2f} s / {:.2f} s = {:.2f}%", incremental.seconds,
                                 initial.seconds, time_fraction * 100),
                     fmt::format("<= {:g}%", target_incremental_fraction * 100),
                     time_fraction <= target_incremental_fraction});
    if (small) {
      const double ratio =
          static_cast<double>(initial.max_rss_kib) / static_cast<double>(small->max_rss_kib);
      lines.push_back({fmt::format("peak RSS {} / {} contacts", o.contacts, o.rss_contacts),
                       fmt::format("{} / {} = {:.2f}", mib(initial.max_rss_kib),
                                   mib(small->max_rss_kib), ratio),
                       fmt::format("<= {:g}", target_rss_ratio), ratio <= target_rss_ratio});
    } else {
      lines.push_back({"peak RSS ratio", "skipped", fmt::format("<= {:g}", target_rss_ratio), {}});
    }
    if (!round_ratios.empty()) {
      auto sorted = round_ratios;
      std::sort(sorted.begin(), sorted.end());
      const std::size_t mid = sorted.size() / 2;
      const double ratio =
          sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
      std::string each;
      for (const double r : round_ratios)
        each += fmt::format("{}{:.2f}", each.empty() ? "" : " ", r);
      lines.push_back(
          {"records/s: flow / hand-written",
           fmt::format("median of {} rounds = {:.2f} ({})", round_ratios.size(), ratio, each),
           fmt::format(">= {:g}", target_baseline_ratio), ratio >= target_baseline_ratio});
    } else {
      lines.push_back({"records/s: flow / hand-written",
                       "skipped",
                       fmt::format(">= {:g}", target_baseline_ratio),
                       {}});
    }

    say(fmt::format("\n== ingress_bench: {} contacts, {:.0f} s in all", o.contacts,
                    seconds_since(total_started)));
    say(fmt::format("| {:<34} | {:<48} | {:<7} | {:<6} |", "figure", "measured", "target",
                    "result"));
    say(fmt::format("| {:-<34} | {:-<48} | {:-<7} | {:-<6} |", "", "", "", ""));
    bool all_pass = true;
    for (const auto& l : lines) {
      const std::string result = !l.pass ? "" : (*l.pass ? "PASS" : "FAIL");
      if (l.pass && !*l.pass) all_pass = false;
      say(fmt::format("| {:<34} | {:<48} | {:<7} | {:<6} |", l.name, l.measured, l.target, result));
    }
    if (own_dir) fs::remove_all(work);
    return all_pass ? EXIT_SUCCESS : EXIT_FAILURE;
  } catch (const std::exception& e) {
    std::cerr << "ingress_bench: " << e.what() << "\n";
    return EXIT_FAILURE;
  }
}
