// Route checks (components, kinds, tenant permissions, options) and component creation.
#include "route_builder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace switchboard::host {
namespace {

stage_blueprint make_stage(const tenant_config& tenant, const route_config& route,
                           const component_config& config, sdk::component_kind expected,
                           const plugin_registry& plugins, const secret_resolver& resolver,
                           secret_registry& secrets) {
  const auto fail = [&](const std::string& suffix, std::string reason) {
    return config_error(config.where.file, config.where.pointer + suffix, std::move(reason));
  };
  auto found = plugins.find_component(config.component);
  if (!found) {
    std::string known;
    for (const auto& p : plugins.plugins()) {
      for (const auto& c : p->components) known += (known.empty() ? "" : ", ") + c.id;
    }
    throw fail("/component", fmt::format("unknown component \"{}\" (loaded components: {})",
                                         config.component, known.empty() ? "none" : known));
  }
  const auto& descriptor = *found->descriptor;
  if (descriptor.kind != expected) {
    throw fail("/component",
               fmt::format("component \"{}\" is a {}, but this slot needs a {}", config.component,
                           sdk::to_string(descriptor.kind), sdk::to_string(expected)));
  }
  const std::string& plugin_id = found->plugin->id;
  if (std::find(tenant.plugins.begin(), tenant.plugins.end(), plugin_id) == tenant.plugins.end()) {
    throw fail(
        "/component",
        fmt::format("component \"{}\" belongs to plugin \"{}\", which tenant \"{}\" has "
                    "not enabled (enabled: {})",
                    config.component, plugin_id, tenant.id, fmt::join(tenant.plugins, ", ")));
  }
  const connection_config* connection = nullptr;
  if (!config.connection.empty()) {
    auto it = tenant.connections.find(config.connection);
    if (it == tenant.connections.end()) {
      throw fail("/connection", fmt::format("unknown connection \"{}\"", config.connection));
    }
    connection = &it->second;
    if (connection->plugin != plugin_id) {
      throw fail("/connection",
                 fmt::format("connection \"{}\" is for plugin \"{}\", but component \"{}\" "
                             "belongs to plugin \"{}\"",
                             config.connection, connection->plugin, config.component, plugin_id));
    }
  }
  stage_blueprint stage;
  stage.options =
      resolve_component_config(config, connection, descriptor.config, resolver, secrets, &route);
  stage.component = std::move(*found);
  stage.config = &config;
  return stage;
}

template <class T, class Factory>
plugin_object<T> create(const stage_blueprint& stage, const Factory& factory,
                        route_context& context) {
  const auto& config = *stage.config;
  const auto where = fmt::format("{} at {} {}", config.component, config.where.file,
                                 config.where.pointer.empty() ? "/" : config.where.pointer);
  std::unique_ptr<T> object;
  try {
    const sdk::options options(stage.options);
    object = factory(options, context);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("creating {} failed: {}", where, e.what()));
  } catch (...) {
    throw std::runtime_error(fmt::format("creating {} failed: non-standard exception", where));
  }
  if (!object)
    throw std::runtime_error(fmt::format("creating {} failed: factory returned null", where));
  return plugin_object<T>(stage.component.plugin, std::move(object));
}

}  // namespace

route_blueprint make_blueprint(const tenant_config& tenant, const route_config& route,
                               const plugin_registry& plugins, const secret_resolver& resolver,
                               secret_registry& secrets) {
  route_blueprint bp;
  bp.tenant = &tenant;
  bp.route = &route;
  bp.key = {tenant.id, route.id};
  bp.source = make_stage(tenant, route, route.source, sdk::component_kind::source, plugins,
                         resolver, secrets);
  for (const auto& p : route.processors) {
    bp.processors.push_back(
        make_stage(tenant, route, p, sdk::component_kind::processor, plugins, resolver, secrets));
  }
  bp.sink =
      make_stage(tenant, route, route.sink, sdk::component_kind::sink, plugins, resolver, secrets);
  return bp;
}

route_instance instantiate(const route_blueprint& bp, const context_services& services,
                           std::int64_t run_id, stop_control& stop, bool with_source,
                           bool replaying) {
  route_instance instance;
  instance.replaying->store(replaying);
  auto context_for = [&](const stage_blueprint& stage, stop_level level) -> route_context& {
    instance.contexts.push_back(
        std::make_unique<route_context>(services, bp.key, stage.component.descriptor->id, run_id,
                                        stop, level, bp.tenant, instance.replaying.get()));
    return *instance.contexts.back();
  };
  if (with_source) {
    instance.source = create<sdk::source>(bp.source, bp.source.component.descriptor->make_source,
                                          context_for(bp.source, stop_level::stop));
  }
  for (const auto& p : bp.processors) {
    instance.processors.push_back(create<sdk::processor>(p, p.component.descriptor->make_processor,
                                                         context_for(p, stop_level::abort)));
  }
  instance.sink = create<sdk::sink>(bp.sink, bp.sink.component.descriptor->make_sink,
                                    context_for(bp.sink, stop_level::abort));
  return instance;
}

}  // namespace switchboard::host
