// The sdk::context the host gives each component instance of a route.
#pragma once

#include "switchboard/host/connection_auth.hpp"
#include "switchboard/host/logging.hpp"
#include "switchboard/host/metrics.hpp"
#include "switchboard/host/state_store.hpp"
#include "switchboard/host/stop_control.hpp"
#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/context.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

namespace switchboard::host {

/// Host services one component instance sees, bound to its route.
struct context_services {
  state_store& state;
  log_service& logs;
  metrics_registry& metrics;
  /// Secrets to redact from messages the host stores or prints (logs redact on their own).
  const secret_registry* secrets = nullptr;
  sdk::http_client* http = nullptr;
  const connection_auth* auth = nullptr;
};

class route_context final : public sdk::context {
 public:
  /// `stop` interrupts clock waits at `level` (sources: stop; processors and sinks: abort).
  /// `tenant` names the routes whose id maps route_ids() may hand out; `replaying` is the
  /// route's replay flag, owned by the route's runner (outlives this context).
  route_context(const context_services& services, route_key route, std::string component,
                std::int64_t run_id, stop_control& stop, stop_level level,
                const tenant_config* tenant = nullptr,
                const std::atomic<bool>* replaying = nullptr);
  ~route_context() override;

  std::string_view tenant() const noexcept override { return route_.tenant; }
  std::string_view route() const noexcept override { return route_.route; }
  std::string_view component() const noexcept override { return component_; }
  sdk::logger& log() noexcept override { return *logger_; }
  sdk::metrics_recorder& metrics() noexcept override { return *metrics_; }
  sdk::clock_service& clock() noexcept override;
  sdk::kv_state& state() noexcept override;
  sdk::kv_state& tenant_state() noexcept override;
  sdk::id_map& ids() noexcept override;
  sdk::http_client* http() noexcept override { return http_; }
  sdk::token_provider* tokens(std::string_view connection) noexcept override {
    return auth_ == nullptr ? nullptr : auth_->find(route_.tenant, connection);
  }
  bool stop_requested() const noexcept override { return stop_.requested(level_); }
  bool replaying() const noexcept override { return replaying_ != nullptr && replaying_->load(); }
  sdk::id_map* route_ids(std::string_view route) noexcept override;

  /// Reads the id map entries of `records` in one go (when the state store offers
  /// batch_id_reader) and answers ids().find() for them from memory until
  /// drop_prefetched_ids(); ids().put() and erase() go to the store and forget the key. For the
  /// writer stage, around a sink's delivery, when nothing else writes the route's id map.
  void prefetch_ids(std::span<const sdk::record> records);
  void drop_prefetched_ids() noexcept;

 private:
  class clock_impl;
  class kv_impl;
  class ids_impl;

  route_key route_;
  std::string component_;
  stop_control& stop_;
  stop_level level_;
  sdk::http_client* http_;
  const connection_auth* auth_;
  std::unique_ptr<sdk::logger> logger_;
  std::unique_ptr<sdk::metrics_recorder> metrics_;
  std::unique_ptr<clock_impl> clock_;
  std::unique_ptr<kv_impl> kv_;
  route_key tenant_key_;  ///< the tenant with an empty route: no route id is empty
  std::unique_ptr<kv_impl> tenant_kv_;
  std::unique_ptr<ids_impl> ids_;
  state_store& state_;
  const tenant_config* tenant_;
  const std::atomic<bool>* replaying_;
  std::mutex other_ids_mutex_;
  /// Other routes' id maps, made on first use; nodes never move, so the keys stay valid.
  std::map<std::string, std::pair<route_key, std::unique_ptr<ids_impl>>, std::less<>> other_ids_;
};

}  // namespace switchboard::host
