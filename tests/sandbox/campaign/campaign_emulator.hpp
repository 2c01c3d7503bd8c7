// Emulates the Adobe Campaign Standard REST API (profileAndServices, profileAndServicesExt,
// customResources) behind the Adobe I/O gateway checks.
#pragma once

#include "sandbox/campaign/campaign_model.hpp"
#include "sandbox/campaign/campaign_store.hpp"
#include "sandbox/emulator.hpp"
#include "sandbox/jwt/support.hpp"

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox {

struct campaign_options {
  /// The instance in the URL: /{organization}/campaign/… (others answer 500 "Oops").
  std::string organization = "acme";
  /// The IMS org tokens must be issued for (their audience); empty: any. Mismatch: 403023.
  std::string ims_org_id;
  /// Accepted X-Api-Key values; empty: the client id the token was issued to.
  std::vector<std::string> api_keys;
  /// Base of every href ("https://mc.adobe.io"); empty: "https://<Host header>".
  std::string base_url;
  /// Opt-out attribute names on the wire: "blackList…" (default) or "denyList…".
  std::string opt_out_prefix = "blackList";
  std::size_t default_line_count = 25;
  /// Above this many matching rows, "next" is omitted unless _forcePagination=true.
  std::size_t big_table_threshold = 100000;
  std::uint64_t seed = 1;  ///< makes PKeys reproducible
  /// Time for created/lastModified and per-attribute change times (default: system clock).
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// Serves /{organization}/campaign/{profileAndServices|profileAndServicesExt|customResources}/…:
/// collections with _lineCount/_lineStart paging (next.href), _order, _count, by… filters
/// (byEmail, byText, custom ones with …_parameter), single-field listings, GET/PATCH/DELETE by
/// PKey or identification key, POST, resourceType metadata and filters. Requires a bearer token
/// from the IMS registry and an accepted X-Api-Key (401 401013 / 403 403023 otherwise).
class campaign_emulator final : public emulator {
 public:
  campaign_emulator(token_registry& ims_tokens, campaign_options options = {});

  std::string_view name() const noexcept override { return "campaign"; }
  server_reply handle(const server_request& request) override;
  std::string classify(const server_request& request) const override;
  /// Actions: register_client, configure, define_resource, define_profile_fields,
  /// seed_profiles, create_record, update_record, profiles, resources, opt_out_changes, clear,
  /// expire_tokens, advance_clock.
  std::optional<server_reply> control(std::string_view action, std::string_view method,
                                      const boost::json::value& body) override;

  /// Accepts one more X-Api-Key.
  void register_client(std::string client_id);
  /// Adds or replaces a custom resource.
  void define_resource(campaign::resource_def def);
  /// Adds profile extension fields (profileAndServicesExt), custom filters and key fields.
  void extend_profile(std::vector<campaign::field_def> fields,
                      std::vector<campaign::filter_def> filters = {},
                      std::vector<std::string> key = {});
  /// Creates profiles with names drawn from `seed`; returns their PKeys.
  std::vector<std::string> seed_profiles(std::size_t count, std::uint64_t seed,
                                         bool external_ids = false);
  /// Every record of a resource with all fields, link PKeys and per-attribute change times.
  boost::json::array records(std::string_view resource) const;

 private:
  struct request_context;

  server_reply route(const server_request& request);
  server_reply serve(request_context& ctx);
  server_reply collection(request_context& ctx, const campaign::resource_def& def,
                          const std::vector<const campaign::filter_def*>& filters,
                          std::size_t path_end, const campaign::field_def* field);
  server_reply record_request(request_context& ctx, const campaign::resource_def& def,
                              const campaign::record& r);
  server_reply resource_listing(request_context& ctx);
  server_reply control_locked(std::string_view action, const boost::json::object& o);
  campaign::data_view view_for(std::string base, std::string api) const;

  token_registry& ims_tokens_;
  jwt::adjustable_clock clock_;
  mutable std::mutex mutex_;
  campaign_options options_;
  campaign::campaign_store store_;
};

}  // namespace switchboard::sandbox
