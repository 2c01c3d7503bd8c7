// Turns a route's configuration into checked blueprints and then into component instances.
#pragma once

#include "route_context.hpp"
#include "switchboard/host/config.hpp"
#include "switchboard/host/plugin_loader.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <vector>

namespace switchboard::host {

/// One stage of a route, checked: the component exists, has the right kind, is allowed for
/// the tenant, and its options are resolved and valid.
struct stage_blueprint {
  component_ref component;
  boost::json::object options;
  const component_config* config = nullptr;
};

struct route_blueprint {
  const tenant_config* tenant = nullptr;
  const route_config* route = nullptr;
  route_key key;
  stage_blueprint source;
  std::vector<stage_blueprint> processors;
  stage_blueprint sink;
};

/// Checks a route and resolves its component options. Throws config_error.
route_blueprint make_blueprint(const tenant_config& tenant, const route_config& route,
                               const plugin_registry& plugins, const secret_resolver& resolver,
                               secret_registry& secrets);

/// The live components of a route and their contexts. Members are destroyed bottom-up:
/// components first, then their contexts (which the components borrow).
struct route_instance {
  /// True while the route replays its source on request; read by the contexts.
  std::unique_ptr<std::atomic<bool>> replaying = std::make_unique<std::atomic<bool>>(false);
  std::vector<std::unique_ptr<route_context>> contexts;
  plugin_object<sdk::source> source;
  std::vector<plugin_object<sdk::processor>> processors;
  plugin_object<sdk::sink> sink;
};

/// Creates the components of a blueprint (the source only when `with_source`). A factory that
/// throws or returns null becomes a std::runtime_error naming the component and where it is
/// configured.
route_instance instantiate(const route_blueprint& blueprint, const context_services& services,
                           std::int64_t run_id, stop_control& stop, bool with_source,
                           bool replaying = false);

}  // namespace switchboard::host
