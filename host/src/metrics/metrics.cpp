// Metrics registry and its Prometheus text rendering.
#include "switchboard/host/metrics.hpp"

#include <fmt/format.h>

#include <array>

namespace switchboard::host {
namespace {

constexpr std::array<double, 12> bucket_bounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,   1.0,  2.5,   5.0,  10.0};

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string render_labels(const metric_labels& l, std::string_view extra = {}) {
  std::string out;
  auto add = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    out += out.empty() ? "{" : ",";
    out += fmt::format("{}=\"{}\"", key, escape_label(value));
  };
  add("tenant", l.tenant);
  add("route", l.route);
  add("component", l.component);
  if (!extra.empty()) {
    out += out.empty() ? "{" : ",";
    out += extra;
  }
  if (!out.empty()) out += "}";
  return out;
}

class bound_recorder final : public sdk::metrics_recorder {
 public:
  bound_recorder(metrics_registry& registry, metric_labels labels)
      : registry_(registry), labels_(std::move(labels)) {}
  void add(std::string_view counter, double delta) override {
    registry_.add(counter, labels_, delta);
  }
  void set(std::string_view gauge, double value) override { registry_.set(gauge, labels_, value); }
  void observe(std::string_view histogram, double value) override {
    registry_.observe(histogram, labels_, value);
  }

 private:
  metrics_registry& registry_;
  metric_labels labels_;
};

}  // namespace

metrics_registry::series& metrics_registry::at(std::string_view name, const metric_labels& labels,
                                               kind type) {
  if (const auto it = series_.find(series_order::view{name, labels}); it != series_.end()) {
    return it->second;
  }
  auto& created = series_[{std::string(name), labels}];
  created.type = type;
  if (type == kind::histogram) created.buckets.assign(bucket_bounds.size(), 0);
  return created;
}

void metrics_registry::add(std::string_view name, const metric_labels& labels, double delta) {
  std::lock_guard lock(mutex_);
  at(name, labels, kind::counter).value += delta;
}

void metrics_registry::set(std::string_view name, const metric_labels& labels, double value) {
  std::lock_guard lock(mutex_);
  at(name, labels, kind::gauge).value = value;
}

void metrics_registry::observe(std::string_view name, const metric_labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& s = at(name, labels, kind::histogram);
  if (s.type != kind::histogram) return;
  s.value += value;
  ++s.count;
  for (std::size_t i = 0; i < bucket_bounds.size(); ++i) {
    if (value <= bucket_bounds[i]) {
      ++s.buckets[i];
      break;
    }
  }
}

double metrics_registry::value(std::string_view name, const metric_labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(series_order::view{name, labels});
  if (it == series_.end()) return 0;
  return it->second.type == kind::histogram ? static_cast<double>(it->second.count)
                                            : it->second.value;
}

std::string metrics_registry::render_prometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  std::string last_name;
  for (const auto& [key, s] : series_) {
    const auto& [name, labels] = key;
    if (name != last_name) {
      const char* type = s.type == kind::counter ? "counter"
                         : s.type == kind::gauge ? "gauge"
                                                 : "histogram";
      out += fmt::format("# TYPE {} {}\n", name, type);
      last_name = name;
    }
    if (s.type != kind::histogram) {
      out += fmt::format("{}{} {}\n", name, render_labels(labels), s.value);
      continue;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bucket_bounds.size(); ++i) {
      cumulative += s.buckets[i];
      out += fmt::format("{}_bucket{} {}\n", name,
                         render_labels(labels, fmt::format("le=\"{}\"", bucket_bounds[i])),
                         cumulative);
    }
    out += fmt::format("{}_bucket{} {}\n", name, render_labels(labels, "le=\"+Inf\""), s.count);
    out += fmt::format("{}_sum{} {}\n", name, render_labels(labels), s.value);
    out += fmt::format("{}_count{} {}\n", name, render_labels(labels), s.count);
  }
  return out;
}

std::unique_ptr<sdk::metrics_recorder> metrics_registry::make_recorder(metric_labels labels) {
  return std::make_unique<bound_recorder>(*this, std::move(labels));
}

}  // namespace switchboard::host
