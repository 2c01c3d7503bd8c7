// One emulator served over HTTPS behind its fault injector, and the control API over them all.
#pragma once

#include "sandbox/emulator.hpp"
#include "sandbox/fault_injector.hpp"
#include "sandbox/tls_identity.hpp"

#include <map>
#include <memory>
#include <string>

namespace switchboard::sandbox {

class service_host {
 public:
  service_host(std::unique_ptr<emulator> service, const tls_identity& identity,
               host::server_options options);
  emulator& service() noexcept { return *service_; }
  fault_injector& faults() noexcept { return faults_; }
  std::string url() const { return server_.base_url(); }
  std::uint16_t port() const noexcept { return server_.port(); }

 private:
  std::unique_ptr<emulator> service_;
  fault_injector faults_;
  host::https_server server_;  // last: stopped (destroyed) before the emulator it calls
};

/// The control API (test and demo use only):
///   GET    /control/services                      → {"<name>": {"url": …}, …}
///   POST   /control/<service>/faults              → add a fault rule (JSON, see fault_rule)
///   DELETE /control/<service>/faults              → remove every rule
///   GET    /control/<service>/requests            → counts by kind and status
///   DELETE /control/<service>/requests            → reset the counts
///   GET|POST /control/<service>/<action>          → emulator::control(action, …)
/// Errors: 404 unknown service or action, 400 bad JSON or rule, as {"error": "..."}.
server_reply handle_control(const std::map<std::string, service_host*, std::less<>>& services,
                            const server_request& request);

}  // namespace switchboard::sandbox
