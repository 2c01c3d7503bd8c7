// The inspection and maintenance commands: validate, plugins list, routes status, dlq.
#include "cli_session.hpp"
#include "switchboard/host/cli.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <boost/json.hpp>

#include <ostream>

namespace switchboard::host {
namespace json = boost::json;
namespace {

std::string format_time(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", std::chrono::floor<std::chrono::seconds>(t));
}

std::string key_of(const dead_letter& l) {
  boost::system::error_code ec;
  auto v = json::parse(l.record_json, ec);
  if (ec || !v.is_object()) return "?";
  const auto* key = v.as_object().if_contains("key");
  return key != nullptr && key->is_string() ? std::string(key->as_string()) : "?";
}

/// Dead letters matching the route filter, oldest first, at most `limit`. Asks the store for
/// one route's letters when the filter names one, so it does not read the whole store.
std::vector<dead_letter> matching_letters(state_store& state, const route_filter& filter,
                                          std::size_t limit) {
  if (!filter.tenant.empty() && !filter.route.empty()) {
    return state.dead_letters(route_key{filter.tenant, filter.route}, limit);
  }
  if (filter.tenant.empty() && filter.route.empty()) return state.dead_letters(std::nullopt, limit);
  std::vector<dead_letter> out;
  for (auto& l : state.dead_letters(std::nullopt, std::numeric_limits<std::size_t>::max())) {
    if (out.size() == limit) break;
    if (filter.matches(l.route)) out.push_back(std::move(l));
  }
  return out;
}

/// Dead letters selected by --id or --all (with the route filter).
std::optional<std::vector<dead_letter>> select_letters(cli_session& s,
                                                       const session_options& options,
                                                       const std::vector<std::int64_t>& ids,
                                                       bool all, std::ostream& err) {
  if (ids.empty() == !all) {
    err << "give either --id (one or more) or --all\n";
    return std::nullopt;
  }
  std::vector<dead_letter> letters;
  if (all)
    return matching_letters(*s.state, options.filter, std::numeric_limits<std::size_t>::max());
  for (auto id : ids) {
    auto l = s.state->dead_letter_by_id(id);
    if (!l) {
      err << fmt::format("no dead letter with id {}\n", id);
      return std::nullopt;
    }
    letters.push_back(std::move(*l));
  }
  return letters;
}

}  // namespace

int command_validate(const session_options& options, std::ostream& out, std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, false); code != exit_ok) return code;
  stop_control stop;
  metrics_registry metrics;
  try {
    // validate() resolves and checks options only; it needs no state, but the engine takes
    // services by reference, so give it a throwaway in-memory store.
    auto state = open_sqlite_state_store(":memory:");
    route_engine engine(s.config, s.plugins,
                        engine_services{*state, *s.logs, metrics, stop, s.secrets});
    const auto routes = engine.validate(options.filter);
    const auto http = make_http_client(http_options(s.config), nullptr);
    const connection_auth auth(s.config, *http, secret_resolver::system(), s.secrets);
    out << fmt::format("configuration {} is valid: {} tenant(s), {} enabled route(s) checked\n",
                       s.config.file.string(), s.config.tenants.size(), routes.size());
  } catch (const config_error& e) {
    err << "invalid configuration: " << e.what() << "\n";
    for (const auto& p : s.plugin_errors) err << "note: " << p.message << "\n";
    return exit_bad_config;
  }
  return exit_ok;
}

int command_plugins_list(const session_options& options, bool as_json, std::ostream& out,
                         std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, false); code != exit_ok) return code;
  json::array list;
  for (const auto& p : s.plugins.plugins()) {
    json::array components;
    for (const auto& c : p->components) {
      components.push_back(
          {{"id", c.id}, {"kind", sdk::to_string(c.kind)}, {"description", c.description}});
    }
    list.push_back({{"id", p->id},
                    {"version", p->version},
                    {"description", p->description},
                    {"path", p->path.string()},
                    {"components", std::move(components)}});
  }
  if (as_json) {
    out << json::serialize(list) << "\n";
  } else {
    for (const auto& p : s.plugins.plugins()) {
      out << fmt::format("{} {}  {}\n  {}\n", p->id, p->version, p->path.string(), p->description);
      for (const auto& c : p->components) {
        out << fmt::format("  - {} ({}): {}\n", c.id, sdk::to_string(c.kind), c.description);
      }
    }
  }
  for (const auto& e : s.plugin_errors) err << "refused: " << e.message << "\n";
  return s.plugin_errors.empty() ? exit_ok : exit_plugin_refused;
}

int command_routes_status(const session_options& options, std::ostream& out, std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, true); code != exit_ok) return code;
  try {
    for (const auto& tenant : s.config.tenants) {
      for (const auto& route : tenant.routes) {
        const route_key key{tenant.id, route.id};
        if (!options.filter.matches(key)) continue;
        const auto runs = s.state->runs(key, 1);
        const auto cursor = s.state->cursor(key);
        std::string last = "never run";
        if (!runs.empty()) {
          const auto& r = runs.front();
          last = fmt::format(
              "{} (run {}, started {}{}): read {}, written {}, filtered {}, "
              "dead-lettered {}{}{}",
              to_string(r.status), r.id, format_time(r.started),
              r.finished ? ", finished " + format_time(*r.finished) : "", r.counts.read,
              r.counts.written, r.counts.filtered, r.counts.dead_lettered,
              r.message.empty() ? "" : ": ", r.message);
        }
        out << fmt::format(
            "{}/{}{}\n  last run:     {}\n  cursor:       {}\n  dead letters: {}\n"
            "  id map:       {}\n",
            tenant.id, route.id, route.enabled ? "" : " (disabled)", last,
            cursor ? (cursor->empty() ? "(beginning)" : *cursor) : "(none)",
            s.state->count_dead_letters(key), s.state->count_ids(key));
      }
    }
  } catch (const std::exception& e) {
    err << "state store: " << e.what() << "\n";
    return exit_failed;
  }
  return exit_ok;
}

int command_dlq_list(const session_options& options, std::size_t limit, bool as_json,
                     std::ostream& out, std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, true); code != exit_ok) return code;
  const auto letters = matching_letters(*s.state, options.filter, limit);
  for (const auto& l : letters) {
    if (as_json) {
      boost::system::error_code ec;
      json::value record = json::parse(l.record_json, ec);
      out << json::serialize(json::object{{"id", l.id},
                                          {"tenant", l.route.tenant},
                                          {"route", l.route.route},
                                          {"stage", l.stage},
                                          {"attempts", l.attempts},
                                          {"reason", l.reason},
                                          {"first_failed", format_time(l.first_failed)},
                                          {"last_failed", format_time(l.last_failed)},
                                          {"record", ec ? json::value(l.record_json) : record}})
          << "\n";
    } else {
      out << fmt::format("#{} {}/{} key {} at {} after {} attempt(s), last {}: {}\n", l.id,
                         l.route.tenant, l.route.route, key_of(l), l.stage, l.attempts,
                         format_time(l.last_failed), l.reason);
    }
  }
  if (!as_json && letters.empty()) out << "no dead letters\n";
  return exit_ok;
}

int command_dlq_replay(const session_options& options, const std::vector<std::int64_t>& ids,
                       bool all, std::ostream& out, std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, true); code != exit_ok) return code;
  auto letters = select_letters(s, options, ids, all, err);
  if (!letters) return exit_bad_config;
  std::map<std::pair<std::string, std::string>, std::vector<dead_letter>> by_route;
  for (auto& l : *letters) by_route[{l.route.tenant, l.route.route}].push_back(std::move(l));
  auto engine = s.make_engine();
  int code = exit_ok;
  for (const auto& [route, group] : by_route) {
    try {
      const auto result = engine.replay({route.first, route.second}, group);
      out << fmt::format("{}/{}: replayed {}, filtered {}, failed again {}\n", route.first,
                         route.second, result.replayed, result.filtered, result.failed);
      for (const auto& r : result.reasons) out << "  " << r << "\n";
      if (result.failed > 0) code = exit_failed;
    } catch (const config_error& e) {
      err << "invalid configuration: " << e.what() << "\n";
      return exit_bad_config;
    } catch (const std::exception& e) {
      err << fmt::format("{}/{}: replay failed: {}\n", route.first, route.second, e.what());
      code = exit_failed;
    }
  }
  if (by_route.empty()) out << "no dead letters to replay\n";
  return code;
}

int command_dlq_discard(const session_options& options, const std::vector<std::int64_t>& ids,
                        bool all, std::ostream& out, std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, true); code != exit_ok) return code;
  auto letters = select_letters(s, options, ids, all, err);
  if (!letters) return exit_bad_config;
  std::size_t removed = 0;
  for (const auto& l : *letters) removed += s.state->remove_dead_letter(l.id) ? 1 : 0;
  out << fmt::format("discarded {} dead letter(s)\n", removed);
  return exit_ok;
}

int command_replay(const session_options& options, const std::string& tenant,
                   const std::string& route, bool force, std::ostream& out, std::ostream& err) {
  cli_session s;
  if (int code = s.open(options, err, true); code != exit_ok) return code;
  auto engine = s.make_engine();
  try {
    const auto outcome = engine.request_replay({tenant, route}, force);
    (outcome.accepted ? out : err) << outcome.message << "\n";
    return outcome.accepted ? exit_ok : exit_failed;
  } catch (const config_error& e) {
    err << "invalid configuration: " << e.what() << "\n";
    return exit_bad_config;
  } catch (const std::exception& e) {
    err << fmt::format("{}/{}: replay request failed: {}\n", tenant, route, e.what());
    return exit_failed;
  }
}

}  // namespace switchboard::host
