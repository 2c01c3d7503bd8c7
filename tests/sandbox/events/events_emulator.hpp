// Emulates the Adobe I/O Events journaling API for event registrations carrying Campaign
// Standard email events.
#pragma once

#include "sandbox/emulator.hpp"
#include "sandbox/events/journal.hpp"
#include "sandbox/jwt/support.hpp"

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox {

/// One event registration and so one journal:
/// /events/organizations/{organization}/integrations/{integration}/{registration}.
struct events_registration {
  std::string organization;  ///< consumer org id in the URL, e.g. "23294"
  std::string integration;   ///< e.g. "54108"
  std::string registration;  ///< the registration id (a UUID)
  std::string ims_org_id;    ///< x-ims-org-id the caller must send ("…@AdobeOrg"); empty: any
};

struct events_options {
  std::vector<events_registration> registrations;
  /// Accepted x-api-key values; empty: the client id the token was issued to.
  std::vector<std::string> api_keys;
  std::size_t default_batch = 100;  ///< events per response without "limit"
  /// Caps every batch below "limit" (0: no cap) — limit is an upper bound only.
  std::size_t max_batch = 0;
  int retry_after = 10;  ///< seconds, on 204 at the end of the journal
  std::chrono::seconds retention{7 * 24 * 3600};
  std::string mirror_page_base = "https://acme.campaign.adobe.com/m/";
  std::uint64_t seed = 1;  ///< makes positions reproducible
  /// Time for retention and generated event timestamps (default: the system clock).
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// GET /events/organizations/{org}/integrations/{int}/{registration}[?since=…&limit=…|latest=true]
/// and …/validate?since=…, with Bearer (IMS registry), x-api-key and x-ims-org-id checks.
/// 200 with {"events":[{"position","event"}],"_page":{"last","count"}} and Link rel="next";
/// 204 with Link next/validate (and retry-after) at the end; 410 for expired positions.
/// Optionally redelivers a fraction of read events later in the journal (at-least-once).
class events_emulator final : public emulator {
 public:
  events_emulator(token_registry& ims_tokens, events_options options = {});

  std::string_view name() const noexcept override { return "events"; }
  server_reply handle(const server_request& request) override;
  std::string classify(const server_request& request) const override;
  /// Actions: register_registration, register_client, send_delivery, publish, redeliver,
  /// configure, expire_events, advance_clock, events, expire_tokens.
  std::optional<server_reply> control(std::string_view action, std::string_view method,
                                      const boost::json::value& body) override;

  void add_registration(const events_registration& registration);
  void register_client(std::string client_id);
  /// Appends one event object to a registration's journal (every journal when empty).
  void publish(const boost::json::object& event, std::string_view registration = {});
  /// Generates a delivery's events (see events::generate_delivery) into the journals; returns
  /// the counts. Throws jwt::control_failure for a bad spec.
  boost::json::object send_delivery(const boost::json::object& spec);
  /// After each 200, duplicates each newly read event with this probability (once per event).
  void set_redelivery(double fraction, std::uint64_t seed);
  /// All entries: {"registration","position","event","redelivery"}.
  boost::json::array entries(std::string_view registration = {}) const;

 private:
  struct registration_state {
    events_registration registration;
    events::journal journal;
  };

  server_reply read(const server_request& request, registration_state& state, bool validate);
  std::vector<registration_state*> targets(std::string_view registration);
  void redeliver(events::journal& journal, std::size_t from, std::size_t to);

  token_registry& ims_tokens_;
  jwt::adjustable_clock clock_;
  mutable std::mutex mutex_;
  events_options options_;
  std::map<std::string, registration_state, std::less<>> registrations_;  ///< by journal path
  double redelivery_fraction_ = 0;
  std::uint64_t redelivery_seed_ = 0;
};

}  // namespace switchboard::sandbox
