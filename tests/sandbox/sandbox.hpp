// The whole sandbox: every emulator on its own HTTPS port, a control API, one generated CA.
#pragma once

#include "sandbox/fault_injector.hpp"
#include "sandbox/service_host.hpp"
#include "sandbox/tls_identity.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::sandbox {

/// The fixed credentials the sandbox's token endpoints accept (printed by describe()).
struct sandbox_credentials {
  std::string entra_tenant = "11111111-1111-4111-8111-111111111111";
  std::string entra_client_id = "22222222-2222-4222-8222-222222222222";
  std::string entra_client_secret = "sandbox-entra-secret";
  std::string ims_org_id = "5A1D2B3C4D5E6F7A8B9C0D1E@AdobeOrg";
  std::string ims_client_id = "sandbox-ims-client";
  std::string ims_client_secret = "sandbox-ims-secret";
  std::string ims_technical_account = "1A2B3C4D5E6F7A8B9C0D1E2F@techacct.adobe.com";
  std::string campaign_organization = "sandbox";
  std::string events_organization = "23294";
  std::string events_integration = "54108";
  std::string events_registration = "f0f1f2f3-a4a5-4b6b-8c7c-d8d9dadbdcdd";
};

struct sandbox_options {
  std::string bind = "127.0.0.1";
  /// 0: every service on a free port; otherwise dataverse = base, entra = base+1, campaign =
  /// base+2, ims = base+3, events = base+4, control = base+5.
  std::uint16_t base_port = 0;
  /// Where the CA certificate is written; empty: a file in a temporary directory.
  std::filesystem::path ca_file;
  /// Define the ingress flows' custom tables and resources (ingress_schema.hpp) at start.
  bool ingress_schema = false;
  /// With ingress_schema: vehicles owned by the seeded contacts, and service visits per vehicle.
  std::size_t seed_vehicles = 0;
  std::size_t seed_visits_per_vehicle = 0;
  std::size_t seed_contacts = 0;
  std::size_t seed_profiles = 0;
  std::uint64_t seed = 1;
  /// Fault rules to install at start, by service name.
  std::vector<std::pair<std::string, fault_rule>> faults;
  unsigned threads_per_service = 2;
  sandbox_credentials credentials;
};

/// Starts on construction, stops on destruction. Thread-safe once constructed.
class sandbox {
 public:
  /// Throws std::runtime_error (ports in use, bad fault rule service name, ...).
  explicit sandbox(sandbox_options options = {});
  ~sandbox();
  sandbox(const sandbox&) = delete;
  sandbox& operator=(const sandbox&) = delete;

  /// Base URL of "dataverse", "entra", "campaign", "ims", "events" or "control".
  std::string url(std::string_view service) const;
  /// The CA certificate file clients must trust.
  const std::filesystem::path& ca_file() const noexcept { return ca_file_; }
  const sandbox_credentials& credentials() const noexcept { return options_.credentials; }
  /// A service by name; throws std::out_of_range for an unknown one.
  service_host& service(std::string_view name);
  /// The emulator of a service as its concrete type.
  template <class T>
  T& emulator_as(std::string_view name) {
    return dynamic_cast<T&>(service(name).service());
  }
  /// Stops the clock Dataverse and Campaign stamp changes with (modifiedon, lastModified and
  /// per-attribute change times) at `at`, so a test can give each side's change a chosen time;
  /// release_clock() lets it run with the system clock again.
  void freeze_clock(std::chrono::system_clock::time_point at);
  void release_clock();
  /// URLs, CA file and credentials as JSON (what switchboard-sandbox prints at start).
  boost::json::object describe() const;

 private:
  sandbox_options options_;
  std::filesystem::path temp_dir_;
  std::filesystem::path ca_file_;
  /// Milliseconds since the epoch the data clock is frozen at; 0: running. Shared with the
  /// emulators' clock functions.
  std::shared_ptr<std::atomic<std::int64_t>> frozen_ms_ =
      std::make_shared<std::atomic<std::int64_t>>(0);
  tls_identity identity_;
  token_registry entra_tokens_;
  token_registry ims_tokens_;
  std::map<std::string, std::unique_ptr<service_host>, std::less<>> services_;
  std::map<std::string, service_host*, std::less<>> service_index_;
  std::unique_ptr<host::https_server> control_;
};

}  // namespace switchboard::sandbox
