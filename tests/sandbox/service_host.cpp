// Serving emulators and the control API.
#include "sandbox/service_host.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace switchboard::sandbox {
namespace json = boost::json;
namespace {

server_reply error_reply(int status, std::string message) {
  return json_reply(status, json::object{{"error", std::move(message)}});
}

}  // namespace

service_host::service_host(std::unique_ptr<emulator> service, const tls_identity& identity,
                           host::server_options options)
    : service_(std::move(service)),
      server_(
          identity.credentials(),
          [this](const server_request& r) { return faults_.handle(*service_, r); },
          std::move(options)) {}

server_reply handle_control(const std::map<std::string, service_host*, std::less<>>& services,
                            const server_request& request) {
  constexpr std::string_view prefix = "/control/";
  const std::string_view path = request.path();
  if (!path.starts_with(prefix)) return error_reply(404, "not a control path");
  const std::string_view rest = path.substr(prefix.size());
  if (rest == "services") {
    json::object out;
    for (const auto& [name, host] : services) out[name] = json::object{{"url", host->url()}};
    return json_reply(200, out);
  }
  const auto slash = rest.find('/');
  const std::string_view name = rest.substr(0, slash);
  const auto found = services.find(name);
  if (found == services.end()) return error_reply(404, fmt::format("unknown service \"{}\"", name));
  if (slash == std::string_view::npos) return error_reply(404, "missing action");
  const std::string_view action = rest.substr(slash + 1);
  service_host& host = *found->second;

  json::value body;
  if (!request.body.empty()) {
    boost::system::error_code ec;
    body = json::parse(request.body, ec);
    if (ec) return error_reply(400, fmt::format("request body is not JSON: {}", ec.message()));
  } else if (!request.query().empty()) {
    json::object from_query;
    for (auto& [k, v] : parse_query(request.query())) from_query[k] = v;
    body = std::move(from_query);
  }
  if (action == "faults") {
    if (request.method == "DELETE") {
      host.faults().clear();
      return json_reply(200, json::object{{"faults", 0}});
    }
    try {
      const auto rules = body.is_array() ? body.as_array() : json::array{body};
      for (const auto& r : rules) host.faults().add(fault_rule::from_json(r));
      return json_reply(200, json::object{{"added", rules.size()}});
    } catch (const std::invalid_argument& e) {
      return error_reply(400, e.what());
    }
  }
  if (action == "requests") {
    if (request.method == "DELETE") host.faults().reset_counts();
    return json_reply(200, host.faults().counts());
  }
  if (auto reply = host.service().control(action, request.method, body)) return std::move(*reply);
  return error_reply(404, fmt::format("unknown action \"{}\" for {}", action, name));
}

}  // namespace switchboard::sandbox
