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

  /// Orders series by name, then labels; transparent, so that updating an existing series
  /// (every request, every batch) builds no key.
  struct series_order {
    using is_transparent = void;
    using view = std::pair<std::string_view, const metric_labels&>;
    static view of(const std::pair<std::string, metric_labels>& key) noexcept {
      return {key.first, key.second};
    }
    static view of(const view& key) noexcept { return key; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      const view l = of(a);
      const view r = of(b);
      if (const auto c = l.first.compare(r.first); c != 0) return c < 0;
      return l.second < r.second;
    }
  };

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, metric_labels>, series, series_order> series_;
};

}  // namespace switchboard::host
