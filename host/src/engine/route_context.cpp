// Route-bound implementations of the SDK's host services.
#include "route_context.hpp"

#include "../state/batch_id_reader.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchboard::host {

class route_context::clock_impl final : public sdk::clock_service {
 public:
  clock_impl(stop_control& stop, stop_level level) : stop_(stop), level_(level) {}
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
  bool wait_for(std::chrono::milliseconds duration) override {
    return stop_.wait_for(duration, level_);
  }

 private:
  stop_control& stop_;
  stop_level level_;
};

class route_context::kv_impl final : public sdk::kv_state {
 public:
  kv_impl(state_store& state, const route_key& route) : state_(state), route_(route) {}
  std::optional<std::string> get(std::string_view key) override {
    return state_.kv_get(route_, key);
  }
  void put(std::string_view key, std::string_view value) override {
    state_.kv_put(route_, key, value);
  }
  void erase(std::string_view key) override { state_.kv_erase(route_, key); }

 private:
  state_store& state_;
  const route_key& route_;
};

class route_context::ids_impl final : public sdk::id_map {
 public:
  ids_impl(state_store& state, const route_key& route) : state_(state), route_(route) {}
  std::optional<entry> find(std::string_view source_key) override {
    {
      std::lock_guard lock(mutex_);
      if (const auto it = prefetched_.find(source_key); it != prefetched_.end()) {
        if (!it->second) return std::nullopt;
        return entry{it->second->target_key, it->second->payload_hash};
      }
    }
    auto found = state_.find_id(route_, source_key);
    if (!found) return std::nullopt;
    return entry{std::move(found->target_key), std::move(found->payload_hash)};
  }
  void put(std::string_view source_key, const entry& value) override {
    forget(source_key);
    const id_update update{std::string(source_key), id_entry{value.target_key, value.payload_hash}};
    state_.put_ids(route_, std::span(&update, 1));
  }
  void erase(std::string_view source_key) override {
    forget(source_key);
    const id_update update{std::string(source_key), std::nullopt};
    state_.put_ids(route_, std::span(&update, 1));
  }

  /// A sink looks up every record of a batch; through batch_id_reader that is one read
  /// transaction in key order instead of one per record (each with its own WAL read lock).
  void prefetch(std::span<const sdk::record> records) {
    auto* reader = dynamic_cast<batch_id_reader*>(&state_);
    if (reader == nullptr || records.empty()) return;
    std::vector<std::string_view> keys;
    keys.reserve(records.size());
    for (const auto& r : records) keys.emplace_back(r.key);
    auto found = reader->find_ids(route_, keys);
    std::lock_guard lock(mutex_);
    prefetched_.clear();
    prefetched_.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      prefetched_.try_emplace(std::string(keys[i]), std::move(found[i]));
    }
  }
  void drop() noexcept {
    std::lock_guard lock(mutex_);
    prefetched_.clear();
  }

 private:
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };

  void forget(std::string_view source_key) {
    std::lock_guard lock(mutex_);
    if (const auto it = prefetched_.find(source_key); it != prefetched_.end()) {
      prefetched_.erase(it);
    }
  }

  state_store& state_;
  const route_key& route_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::optional<id_entry>, key_hash, std::equal_to<>> prefetched_;
};

route_context::route_context(const context_services& services, route_key route,
                             std::string component, std::int64_t run_id, stop_control& stop,
                             stop_level level, const tenant_config* tenant,
                             const std::atomic<bool>* replaying)
    : route_(std::move(route)),
      component_(std::move(component)),
      stop_(stop),
      level_(level),
      http_(services.http),
      auth_(services.auth),
      logger_(services.logs.make_logger({route_.tenant, route_.route, component_, run_id})),
      metrics_(services.metrics.make_recorder({route_.tenant, route_.route, component_})),
      clock_(std::make_unique<clock_impl>(stop, level)),
      kv_(std::make_unique<kv_impl>(services.state, route_)),
      tenant_key_{route_.tenant, std::string()},
      tenant_kv_(std::make_unique<kv_impl>(services.state, tenant_key_)),
      ids_(std::make_unique<ids_impl>(services.state, route_)),
      state_(services.state),
      tenant_(tenant),
      replaying_(replaying) {}

route_context::~route_context() = default;

sdk::clock_service& route_context::clock() noexcept { return *clock_; }
sdk::kv_state& route_context::state() noexcept { return *kv_; }
sdk::kv_state& route_context::tenant_state() noexcept { return *tenant_kv_; }
sdk::id_map& route_context::ids() noexcept { return *ids_; }

void route_context::prefetch_ids(std::span<const sdk::record> records) { ids_->prefetch(records); }

void route_context::drop_prefetched_ids() noexcept { ids_->drop(); }

sdk::id_map* route_context::route_ids(std::string_view route) noexcept {
  if (route == route_.route) return ids_.get();
  if (tenant_ == nullptr) return nullptr;
  const bool known = std::any_of(tenant_->routes.begin(), tenant_->routes.end(),
                                 [&](const route_config& r) { return r.id == route; });
  if (!known) return nullptr;
  try {
    std::lock_guard lock(other_ids_mutex_);
    auto it = other_ids_.find(route);
    if (it == other_ids_.end()) {
      it = other_ids_
               .emplace(std::string(route),
                        std::pair<route_key, std::unique_ptr<ids_impl>>(
                            route_key{route_.tenant, std::string(route)}, nullptr))
               .first;
      it->second.second = std::make_unique<ids_impl>(state_, it->second.first);
    }
    return it->second.second.get();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace switchboard::host
