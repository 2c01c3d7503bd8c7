// Reads and checks one tenant: its plugins, connections and routes.
#include "tenant_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace switchboard::host::config_detail {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& name : names) quoted.push_back(quote(name));
  return join(quoted);
}

using connection_map = std::map<std::string, connection_config>;

std::vector<std::string> read_plugins(const json_node& node) {
  std::vector<std::string> plugins;
  for (const auto& element : node.elements()) {
    auto plugin = element.non_empty_string();
    if (std::find(plugins.begin(), plugins.end(), plugin) != plugins.end()) {
      element.fail("duplicate plugin " + quote(plugin));
    }
    plugins.push_back(std::move(plugin));
  }
  return plugins;
}

connection_config read_connection(const std::string& name, const json_node& node,
                                  const std::vector<std::string>& plugins) {
  if (!is_valid_id(name)) {
    node.fail(fmt::format("invalid connection name {}: expected ^[a-z0-9][a-z0-9_-]{{0,62}}$",
                          quote(name)));
  }
  const object_reader reader(node, {"plugin", "options", "auth"});
  connection_config connection{name, {}, {}, {}, node.location()};
  const auto plugin = reader.required("plugin");
  connection.plugin = plugin.non_empty_string();
  if (std::find(plugins.begin(), plugins.end(), connection.plugin) == plugins.end()) {
    plugin.fail(fmt::format("plugin {} is not enabled for this tenant (plugins: {})",
                            quote(connection.plugin), join_names(plugins)));
  }
  if (auto options = reader.find("options")) connection.options = options->opaque_object();
  if (auto auth = reader.find("auth")) connection.auth = auth->opaque_object();
  return connection;
}

connection_map read_connections(const json_node& node, const std::vector<std::string>& plugins) {
  connection_map connections;
  for (const auto& [name, member] : node.members()) {
    connections.emplace(name, read_connection(name, member, plugins));
  }
  return connections;
}

std::string connection_names(const connection_map& connections) {
  if (connections.empty()) return "this tenant has no connections";
  std::vector<std::string> names;
  for (const auto& entry : connections) names.push_back(entry.first);
  return "connections: " + join_names(names);
}

component_config read_component(const json_node& node, const connection_map& connections) {
  const object_reader reader(node, {"component", "connection", "config"});
  component_config component;
  component.where = node.location();
  component.component = reader.required("component").non_empty_string();
  if (auto connection = reader.find("connection")) {
    component.connection = connection->non_empty_string();
    if (connections.count(component.connection) == 0) {
      connection->fail(fmt::format("unknown connection {} ({})", quote(component.connection),
                                   connection_names(connections)));
    }
  }
  if (auto config = reader.find("config")) component.config = config->opaque_object();
  return component;
}

permanent_failure_action read_permanent_action(const json_node& node) {
  return node.one_of({"dead_letter", "fail_route"}) == "dead_letter"
             ? permanent_failure_action::dead_letter
             : permanent_failure_action::fail_route;
}

void check_backoff_order(const error_policy& policy, const object_reader& reader) {
  if (policy.initial_backoff <= policy.max_backoff) return;
  const auto at = reader.find("initial_backoff") ? reader.required("initial_backoff")
                                                 : reader.required("max_backoff");
  at.fail(fmt::format("initial_backoff ({}ms) must not exceed max_backoff ({}ms)",
                      policy.initial_backoff.count(), policy.max_backoff.count()));
}

error_policy read_error_policy(const json_node& node) {
  const object_reader reader(
      node, {"max_attempts", "initial_backoff", "max_backoff", "retry_budget", "on_permanent"});
  error_policy policy;
  if (auto n = reader.find("max_attempts")) {
    policy.max_attempts = static_cast<int>(n->integer(1, 100));
  }
  if (auto n = reader.find("initial_backoff")) policy.initial_backoff = n->duration();
  if (auto n = reader.find("max_backoff")) policy.max_backoff = n->duration();
  if (auto n = reader.find("retry_budget")) policy.retry_budget = n->duration();
  if (auto n = reader.find("on_permanent")) policy.on_permanent = read_permanent_action(*n);
  check_backoff_order(policy, reader);
  return policy;
}

void read_route_limits(const object_reader& reader, route_config& route) {
  if (auto n = reader.find("batch_size")) {
    route.batch_size = static_cast<std::size_t>(n->integer(1, 100000));
  }
  if (auto n = reader.find("queue_batches")) {
    route.queue_batches = static_cast<std::size_t>(n->integer(1, 1024));
  }
  if (auto n = reader.find("poll_interval")) route.poll_interval = n->duration();
  if (auto n = reader.find("error_policy")) route.errors = read_error_policy(*n);
}

route_config read_route(const json_node& node, const connection_map& connections) {
  const object_reader reader(node, {"id", "enabled", "source", "processors", "sink", "batch_size",
                                    "queue_batches", "poll_interval", "error_policy"});
  route_config route;
  route.where = node.location();
  route.id = reader.required("id").id();
  if (auto n = reader.find("enabled")) route.enabled = n->boolean();
  route.source = read_component(reader.required("source"), connections);
  if (auto n = reader.find("processors")) {
    for (const auto& element : n->elements()) {
      route.processors.push_back(read_component(element, connections));
    }
  }
  route.sink = read_component(reader.required("sink"), connections);
  read_route_limits(reader, route);
  return route;
}

std::vector<route_config> read_routes(const json_node& node, const connection_map& connections) {
  std::vector<route_config> routes;
  std::set<std::string, std::less<>> ids;
  for (const auto& element : node.elements()) {
    auto route = read_route(element, connections);
    if (!ids.insert(route.id).second) {
      throw config_error(route.where.file, route.where.pointer + "/id",
                         "duplicate route id " + quote(route.id));
    }
    routes.push_back(std::move(route));
  }
  return routes;
}

}  // namespace

tenant_config read_tenant(const json_node& node) {
  const object_reader reader(node, {"id", "plugins", "connections", "routes"});
  tenant_config tenant;
  tenant.where = node.location();
  tenant.id = reader.required("id").id();
  tenant.plugins = read_plugins(reader.required("plugins"));
  if (auto n = reader.find("connections")) {
    tenant.connections = read_connections(*n, tenant.plugins);
  }
  tenant.routes = read_routes(reader.required("routes"), tenant.connections);
  return tenant;
}

}  // namespace switchboard::host::config_detail
