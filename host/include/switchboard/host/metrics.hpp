// In-process metrics: counters, gauges and histograms labelled by tenant/route/component.
#pragma once

#include "switchboard/sdk/context.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace switchboard::host {

/// The labels every series carries (empty ones are left out when rendered).
struct metric_labels {
  std::string tenant;
  std::string route;
  std::string component;
  friend auto operator<=>(const metric_labels&, const metric_labels&) = default;
};

/// All metrics of the host. Thread-safe.
class metrics_registry {
 public:
  void add(std::string_view name, const metric_labels& labels, double delta);
  void set(std::string_view name, const metric_labels& labels, double value);
  void observe(std::string_view name, const metric_labels& labels, double value);

  /// The current value of a counter or gauge (0 when absent); for histograms, the count.
  double value(std::string_view name, const metric_labels& labels) const;
  /// The Prometheus text exposition format (version 0.0.4), series sorted by name and labels.
  std::string render_prometheus() const;
  /// A recorder that adds `labels` to everything a component records.
  std::unique_ptr<sdk::metrics_recorder> make_recorder(metric_labels labels);

 private:
  enum class kind { counter, gauge, histogram };
  struct series {
    kind type = kind::counter;
    double value = 0;                    // counter or gauge; histogram sum
    std::uint64_t count = 0;             // histogram observations
    std::vector<std::uint64_t> buckets;  // histogram, cumulative at render time
  };
  series& at(std::string_view name, const metric_labels& labels, kind type);

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, metric_labels>, series> series_;
};

}  // namespace switchboard::host
