// The Dataverse Web API emulator: tables, queries, change tracking, writes, $batch, metadata.
#pragma once

#include "sandbox/dataverse/table_schema.hpp"
#include "sandbox/emulator.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox {

using dataverse::alternate_key;
using dataverse::column_definition;
using dataverse::column_type;
using dataverse::option_label;
using dataverse::table_definition;

struct dataverse_options {
  std::string api_version = "v9.2";          ///< used in links when a request names no version
  std::size_t default_max_page_size = 5000;  ///< page size when no odata.maxpagesize is sent
  /// Delta tokens older than this fail with the documented "expired" error.
  std::chrono::seconds delta_token_lifetime{std::chrono::hours(24 * 7)};
  /// Service protection (per user = token client id): more requests than this per window,
  /// or more than max_concurrent in flight, answer 429 with Retry-After.
  std::size_t requests_per_window = 6000;
  std::chrono::seconds window{300};
  std::size_t max_concurrent = 52;
  std::size_t max_batch_requests = 1000;                           ///< requests in one $batch
  unsigned dop_hint = 4;                                           ///< the x-ms-dop-hint header
  std::string tenant_id = "00000000-0000-0000-0000-0000000000aa";  ///< in WWW-Authenticate
  /// Reproduces docs#439: a tracked read that asks for annotations gets no @odata.deltaLink
  /// on its last page.
  bool drop_delta_link_with_annotations = false;
  /// The emulator's clock (createdon/modifiedon, delta token age, throttling window); empty:
  /// the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

namespace dataverse {
struct service_state;
class service_protection;
}  // namespace dataverse

/// Stands in for a Dataverse environment: serves /api/data/v9.x/ as documented in
/// dataverse-web-api.md. Thread-safe: one lock around the data; handle() and control() may be
/// called concurrently. Built-in tables: contact, account, activitypointer, activityparty,
/// organization.
class dataverse_emulator final : public emulator {
 public:
  /// Requests must carry a bearer token valid in `entra_tokens`.
  explicit dataverse_emulator(token_registry& entra_tokens, dataverse_options options = {});
  ~dataverse_emulator() override;
  dataverse_emulator(const dataverse_emulator&) = delete;
  dataverse_emulator& operator=(const dataverse_emulator&) = delete;

  std::string_view name() const noexcept override { return "dataverse"; }
  server_reply handle(const server_request& request) override;
  /// "GET contacts", "GET contacts delta", "POST contacts", "PATCH contacts",
  /// "DELETE contacts", "POST $batch", "GET EntityDefinitions", "GET WhoAmI", …
  std::string classify(const server_request& request) const override;
  /// Actions: seed_contacts {"count":N,"seed":S} → {"seeded":N};
  /// define_table {table definition, see table_definition_from_json} → {"defined":"name"};
  /// upsert_rows {"table":"contact"|"contacts","rows":[{Web API payload}]} → {"ids":[…]};
  /// delete_rows {"table":…,"ids":[…]} → {"deleted":N};
  /// rows (GET) {"table":…} → {"rows":[…every column…]};
  /// expire_delta_tokens → {"expired":true}; stats (GET) → {"operations":{label:count}};
  /// drop_delta_link_with_annotations {"enabled":bool} → {"enabled":bool}.
  std::optional<server_reply> control(std::string_view action, std::string_view method,
                                      const boost::json::value& body) override;

  /// Adds a table or replaces a table's definition (rows kept). Throws std::invalid_argument.
  void define_table(const table_definition& definition);
  /// Adds `count` deterministic contacts (same seed → same rows and ids).
  void seed_contacts(std::size_t count, std::uint64_t seed);
  /// Creates or updates rows as a user editing them would (bumps modifiedon and the change
  /// version). Rows use the Web API payload form (columns by logical name, lookups as
  /// "<nav>@odata.bind"); a row naming an existing primary id is updated. Returns the ids.
  /// Throws std::invalid_argument with the service's error message on invalid rows.
  std::vector<std::string> upsert_rows(std::string_view table, const boost::json::array& rows);
  /// Deletes rows by id; returns how many existed.
  std::size_t delete_rows(std::string_view table, const std::vector<std::string>& ids);
  /// Every row of a table in wire form (all columns, lookups as _x_value with their
  /// lookuplogicalname annotation, @odata.etag). Throws std::invalid_argument.
  boost::json::array rows(std::string_view table) const;
  /// Makes every delta token issued so far fail as expired.
  void expire_delta_tokens();
  /// Turns dataverse_options::drop_delta_link_with_annotations on or off while running.
  void set_drop_delta_link_with_annotations(bool drop);
  /// Requests served, by classify() label; requests inside $batch counted one by one.
  std::map<std::string, std::size_t> operation_counts() const;

 private:
  server_reply serve_authorized(const server_request& request);

  token_registry& tokens_;
  mutable std::mutex mutex_;
  std::unique_ptr<dataverse::service_state> state_;
  std::unique_ptr<dataverse::service_protection> protection_;
};

}  // namespace switchboard::sandbox
