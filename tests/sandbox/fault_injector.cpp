// Fault rules (status, rate, count, latency, reset, truncation, malformed bodies) and counters.
#include "sandbox/fault_injector.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace switchboard::sandbox {
namespace json = boost::json;
namespace {

double number_field(const json::object& o, std::string_view key, double fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (!v->is_number())
    throw std::invalid_argument(fmt::format("fault rule: \"{}\" must be a number", key));
  return v->to_number<double>();
}

bool bool_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return false;
  if (!v->is_bool())
    throw std::invalid_argument(fmt::format("fault rule: \"{}\" must be a boolean", key));
  return v->as_bool();
}

void check(const fault_rule& r) {
  if (r.rate < 0 || r.rate > 1) throw std::invalid_argument("fault rule: rate must be within 0..1");
  if (r.status != 0 && (r.status < 100 || r.status > 599)) {
    throw std::invalid_argument(
        fmt::format("fault rule: status {} is not an HTTP status", r.status));
  }
}

}  // namespace

fault_rule fault_rule::from_json(const json::value& v) {
  if (!v.is_object()) throw std::invalid_argument("fault rule: expected a JSON object");
  const auto& o = v.as_object();
  static constexpr std::string_view known[] = {"match", "status",      "rate",
                                               "count", "retry_after", "latency_ms",
                                               "reset", "truncate",    "malformed"};
  for (const auto& [key, value] : o) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      throw std::invalid_argument(fmt::format("fault rule: unknown field \"{}\"", key));
    }
  }
  fault_rule r;
  if (const auto* m = o.if_contains("match")) {
    if (!m->is_string()) throw std::invalid_argument("fault rule: \"match\" must be a string");
    r.match = std::string(m->as_string());
  }
  r.status = static_cast<int>(number_field(o, "status", 0));
  r.rate = number_field(o, "rate", 1.0);
  r.count = static_cast<std::uint64_t>(number_field(o, "count", 0));
  r.retry_after = static_cast<int>(number_field(o, "retry_after", -1));
  r.latency =
      std::chrono::milliseconds(static_cast<std::int64_t>(number_field(o, "latency_ms", 0)));
  r.reset = bool_field(o, "reset");
  r.truncate = bool_field(o, "truncate");
  r.malformed = bool_field(o, "malformed");
  check(r);
  return r;
}

fault_rule fault_rule::from_text(std::string_view text) {
  const auto bar = text.find('|');
  json::object o;
  o["match"] = text.substr(0, bar);
  std::string_view rest = bar == std::string_view::npos ? std::string_view{} : text.substr(bar + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto eq = item.find('=');
    const std::string key(item.substr(0, eq));
    const std::string value(eq == std::string_view::npos ? "true" : item.substr(eq + 1));
    if (value == "true" || value == "false") {
      o[key] = value == "true";
      continue;
    }
    try {
      std::size_t used = 0;
      const double number = std::stod(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
      o[key] = number;
    } catch (const std::exception&) {
      throw std::invalid_argument(
          fmt::format("fault rule \"{}\": value of \"{}\" is not a number: {}", text, key, value));
    }
  }
  return from_json(o);
}

void fault_injector::add(fault_rule rule) {
  std::lock_guard lock(mutex_);
  rules_.push_back({std::move(rule)});
}

void fault_injector::clear() {
  std::lock_guard lock(mutex_);
  rules_.clear();
}

std::optional<fault_rule> fault_injector::select(const std::string& kind) {
  std::lock_guard lock(mutex_);
  for (auto& r : rules_) {
    if (!kind.starts_with(r.rule.match)) continue;
    if (r.rule.count != 0 && r.hit >= r.rule.count) continue;
    const auto n = r.seen++;
    const bool hits = std::floor(static_cast<double>(n + 1) * r.rule.rate) >
                      std::floor(static_cast<double>(n) * r.rule.rate);
    if (!hits) continue;
    ++r.hit;
    return r.rule;
  }
  return std::nullopt;
}

server_reply fault_injector::handle(emulator& service, const server_request& request) {
  const std::string kind = service.classify(request);
  const auto rule = select(kind);
  server_reply reply;
  if (rule && rule->status != 0) {
    reply = json_reply(rule->status,
                       json::object{{"error", fmt::format("injected fault: {}", rule->status)}});
    if (rule->retry_after >= 0) reply.with_header("Retry-After", std::to_string(rule->retry_after));
  } else {
    reply = service.handle(request);
  }
  if (rule) {
    reply.delay += rule->latency;
    if (rule->reset) reply.fault = reply_fault::reset;
    if (rule->truncate) reply.fault = reply_fault::truncate_body;
    if (rule->malformed) reply.body = "{\"value\": [ {\"broken\": ";
  }
  std::lock_guard lock(mutex_);
  ++total_;
  ++by_kind_[kind];
  ++by_status_[rule && rule->reset ? 0 : reply.status];
  return reply;
}

json::value fault_injector::counts() const {
  std::lock_guard lock(mutex_);
  json::object kinds;
  for (const auto& [k, n] : by_kind_) kinds[k] = n;
  json::object statuses;
  for (const auto& [s, n] : by_status_) statuses[s == 0 ? "reset" : std::to_string(s)] = n;
  return json::object{
      {"total", total_}, {"by_kind", std::move(kinds)}, {"by_status", std::move(statuses)}};
}

std::uint64_t fault_injector::count(std::string_view kind) const {
  std::lock_guard lock(mutex_);
  const auto it = by_kind_.find(kind);
  return it == by_kind_.end() ? 0 : it->second;
}

void fault_injector::reset_counts() {
  std::lock_guard lock(mutex_);
  by_kind_.clear();
  by_status_.clear();
  total_ = 0;
}

}  // namespace switchboard::sandbox
