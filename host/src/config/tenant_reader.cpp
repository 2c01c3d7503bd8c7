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
  const object_reader reader(
      node, {"id", "enabled", "source", "processors", "sink", "batch_size", "queue_batches",
             "poll_interval", "error_policy", "mapping", "replay_guard", "id_retention"});
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
  if (auto n = reader.find("mapping")) route.mapping = n->opaque_object();
  if (auto n = reader.find("replay_guard")) {
    route.replay_guard = static_cast<std::uint64_t>(n->integer(0, 1'000'000'000'000));
  }
  if (auto n = reader.find("id_retention")) {
    route.id_retention = n->duration();
    if (*route.id_retention < std::chrono::minutes(1)) {
      n->fail("id_retention must be at least 1m");
    }
  }
  read_route_limits(reader, route);
  return route;
}

/// Table mappings are one-to-one: a source table, or a target resource, belongs to at most one
/// enabled route of a tenant.
class mapping_uniqueness {
 public:
  void check(const route_config& route) {
    if (route.mapping.empty() || !route.enabled) return;
    check_side(route, "source", "table", sources_, "Dataverse table");
    check_side(route, "target", "resource", targets_, "Campaign resource");
  }

 private:
  using seen = std::map<std::string, std::string, std::less<>>;
  static void check_side(const route_config& route, std::string_view side, std::string_view key,
                         seen& used, std::string_view what) {
    const auto* object = route.mapping.if_contains(side);
    if (object == nullptr || !object->is_object()) return;
    const auto* name = object->as_object().if_contains(key);
    if (name == nullptr || !name->is_string() || name->as_string().empty()) return;
    const std::string value(name->as_string());
    const auto [it, inserted] = used.emplace(value, route.id);
    if (!inserted) {
      throw config_error(route.where.file,
                         fmt::format("{}/mapping/{}/{}", route.where.pointer, side, key),
                         fmt::format("{} {} is already mapped by route {}: mappings are one-to-one",
                                     what, quote(value), quote(it->second)));
    }
  }
  seen sources_;
  seen targets_;
};

std::vector<route_config> read_routes(const json_node& node, const connection_map& connections) {
  std::vector<route_config> routes;
  std::set<std::string, std::less<>> ids;
  mapping_uniqueness mappings;
  for (const auto& element : node.elements()) {
    auto route = read_route(element, connections);
    if (!ids.insert(route.id).second) {
      throw config_error(route.where.file, route.where.pointer + "/id",
                         "duplicate route id " + quote(route.id));
    }
    mappings.check(route);
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
