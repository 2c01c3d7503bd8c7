// load_host_config: the host config file and the tenants it names.
#include "file_util.hpp"
#include "json_reader.hpp"
#include "tenant_reader.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>

namespace switchboard::host {
namespace {

namespace fs = std::filesystem;
using config_detail::json_node;
using config_detail::object_reader;

bool is_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const auto port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  return !port.empty() && error == std::errc() && end == port.data() + port.size() &&
         value <= 65535;
}

std::string read_listen(const json_node& node) {
  const auto* text = node.value().if_string();
  if (text == nullptr || !is_listen_address(*text)) {
    node.fail_expected("an address \"host:port\" with a port from 0 to 65535");
  }
  return std::string(*text);
}

fs::path read_path(const json_node& node, const fs::path& base) {
  return config_detail::resolve_path(base, node.non_empty_string());
}

log_config read_log(const json_node& node, const fs::path& base) {
  const object_reader reader(node, {"format", "level", "file"});
  log_config log;
  if (auto n = reader.find("format")) {
    log.format = n->one_of({"human", "json"}) == "json" ? log_format::json : log_format::human;
  }
  if (auto n = reader.find("level"))
    log.level = n->one_of({"trace", "debug", "info", "warn", "error"});
  if (auto n = reader.find("file")) log.file = read_path(*n, base);
  return log;
}

/// Reads the tenant file named at `node` and the tenant in it. An unreadable file is reported
/// where it is named; errors inside it name the tenant file.
tenant_config read_tenant_file(const json_node& node, const fs::path& base) {
  const auto file = read_path(node, base).string();
  std::string reason;
  const auto text = config_detail::read_text_file(file, reason);
  if (!text) node.fail(fmt::format("cannot read tenant file {}: {}", file, reason));
  const auto document = parse_config_json(*text, file);
  return config_detail::read_tenant(json_node(document, file, ""));
}

tenant_config read_tenant_entry(const json_node& node, const fs::path& base) {
  if (node.value().is_string()) return read_tenant_file(node, base);
  if (node.value().is_object()) return config_detail::read_tenant(node);
  node.fail_expected("a tenant file path or a tenant object");
}

std::string describe_location(const config_location& where) {
  if (where.pointer.empty()) return where.file;
  return fmt::format("{} at {}", where.file, where.pointer);
}

std::vector<tenant_config> read_tenants(const json_node& node, const fs::path& base) {
  const auto elements = node.elements();
  if (elements.empty()) node.fail("expected at least one tenant, got []");
  std::vector<tenant_config> tenants;
  std::map<std::string, config_location> seen;
  for (const auto& element : elements) {
    auto tenant = read_tenant_entry(element, base);
    const auto [first, inserted] = seen.emplace(tenant.id, tenant.where);
    if (!inserted) {
      throw config_error(
          tenant.where.file, tenant.where.pointer + "/id",
          fmt::format("duplicate tenant id {} (first defined in {})",
                      config_detail::quote(tenant.id), describe_location(first->second)));
    }
    tenants.push_back(std::move(tenant));
  }
  return tenants;
}

http_config read_http(const json_node& node, const fs::path& base) {
  const object_reader reader(
      node, {"ca_file", "verify_peer", "max_connections_per_origin", "connect_timeout",
             "read_timeout", "max_response_body", "rate_limit", "rate_burst"});
  http_config http;
  if (auto n = reader.find("ca_file")) http.ca_file = read_path(*n, base);
  if (auto n = reader.find("verify_peer")) http.verify_peer = n->boolean();
  if (auto n = reader.find("max_connections_per_origin")) {
    http.max_connections_per_origin = static_cast<std::size_t>(n->integer(1, 1024));
  }
  if (auto n = reader.find("connect_timeout")) http.connect_timeout = n->duration();
  if (auto n = reader.find("read_timeout")) http.read_timeout = n->duration();
  if (auto n = reader.find("max_response_body")) {
    http.max_response_body = static_cast<std::size_t>(n->integer(1024, std::int64_t{1} << 32));
  }
  if (auto n = reader.find("rate_limit")) {
    http.rate_limit = static_cast<double>(n->integer(0, 100000));
  }
  if (auto n = reader.find("rate_burst"))
    http.rate_burst = static_cast<unsigned>(n->integer(1, 10000));
  return http;
}

void read_host_settings(const object_reader& reader, host_config& config) {
  const auto base = config.file.parent_path();
  if (auto n = reader.find("listen")) config.listen = read_listen(*n);
  const auto state = reader.find("state");
  config.state_path =
      state ? read_path(*state, base) : config_detail::resolve_path(base, "switchboard.db");
  if (auto n = reader.find("plugin_dirs")) {
    for (const auto& element : n->elements()) {
      config.plugin_dirs.push_back(read_path(element, base));
    }
  }
  if (auto n = reader.find("worker_threads")) {
    config.worker_threads = static_cast<unsigned>(n->integer(1, 256));
  }
  if (auto n = reader.find("shutdown_grace")) config.shutdown_grace = n->duration();
  if (auto n = reader.find("log")) config.log = read_log(*n, base);
  if (auto n = reader.find("http")) config.http = read_http(*n, base);
}

}  // namespace

host_config load_host_config(const std::filesystem::path& file) {
  host_config config;
  config.file = config_detail::absolute_path(file);
  const auto document = read_config_file(config.file);
  const object_reader reader(json_node(document, config.file.string(), ""),
                             {"listen", "state", "plugin_dirs", "worker_threads", "shutdown_grace",
                              "log", "http", "tenants"});
  read_host_settings(reader, config);
  config.tenants = read_tenants(reader.required("tenants"), config.file.parent_path());
  return config;
}

}  // namespace switchboard::host
