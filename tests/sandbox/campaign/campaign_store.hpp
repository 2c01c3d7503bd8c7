// Campaign records: writes checked like the Campaign engine checks them (types, read-only
// fields, identification keys, links), filters, sorting, rendering and per-attribute change
// times.
#pragma once

#include "sandbox/campaign/campaign_model.hpp"
#include "sandbox/jwt/support.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchboard::sandbox::campaign {

using jwt::time_point;
using query_params = std::vector<std::pair<std::string, std::string>>;

/// A request failure as Campaign answers it: a status and a plain-text body.
struct campaign_error {
  int status;
  std::string body;
};

/// "RST-360011 An error has occurred - please contact your administrator." and the detail line.
campaign_error engine_error(int status, std::string_view detail);

struct record {
  std::uint64_t id = 0;
  std::string pkey;
  boost::json::object values;                               ///< canonical field → value
  std::map<std::string, std::uint64_t, std::less<>> links;  ///< link → target record id
  time_point created{};
  time_point modified{};
  std::map<std::string, time_point, std::less<>> changed;  ///< per attribute: last change
};

/// How one request sees the data: its API, opt-out naming and href base.
struct data_view {
  std::string base;  ///< "https://host/<org>/campaign"
  std::string api;   ///< profileAndServices | profileAndServicesExt | customResources
  std::string opt_out_prefix = "blackList";
  bool extended() const noexcept { return api != "profileAndServices"; }
};

/// The data of one Campaign instance. Not thread-safe: the emulator serialises access.
class campaign_store {
 public:
  campaign_store(std::uint64_t seed, std::function<time_point()> clock);

  const pkey_codec& codec() const noexcept { return codec_; }
  const resource_def* resource(std::string_view name) const noexcept;
  /// The resources served under `api` (the profile under both profile APIs).
  std::vector<const resource_def*> resources(std::string_view api) const;
  /// The PKey of a resource type (metadata "filters" href), and back.
  std::string type_pkey(std::string_view name) const;
  const resource_def* resource_by_type_pkey(std::string_view pkey) const;

  /// Adds or replaces a custom resource; existing rows keep their values.
  void define(resource_def def);
  /// Adds extension fields, custom filters and key fields to the profile.
  void extend_profile(std::vector<field_def> fields, std::vector<filter_def> filters,
                      std::vector<std::string> key);

  /// A record by PKey. Throws campaign_error: 500 when the PKey does not decode for this
  /// resource, 404 when its record no longer exists.
  const record& get(std::string_view resource, std::string_view pkey) const;
  /// A record by the value of its first identification key field, or nullptr.
  const record* find_by_key(std::string_view resource, std::string_view value) const;
  const record& create(std::string_view resource, const boost::json::object& body,
                       const data_view& view);
  /// Applies the fields of `body`; a set identification key cannot change (RST-360012).
  const record& update(std::string_view resource, std::uint64_t id, const boost::json::object& body,
                       const data_view& view);
  void remove(std::string_view resource, std::uint64_t id);
  void clear();

  /// The records passing every filter (path filters with the query parameters), by creation.
  std::vector<const record*> select(std::string_view resource,
                                    const std::vector<const filter_def*>& filters,
                                    const query_params& params, const data_view& view) const;
  /// Sorts by an _order value "field[ asc|desc][,…]". Throws campaign_error for unknown or
  /// unsortable fields.
  void sort(std::string_view resource, std::vector<const record*>& rows, std::string_view order,
            const data_view& view) const;

  /// The record as the API returns it under `view`.
  boost::json::object render(std::string_view resource, const record& r,
                             const data_view& view) const;
  /// One field's value as the API returns it (single-field listings).
  boost::json::value field_value(const resource_def& def, const record& r,
                                 const field_def& field) const;
  /// Everything about a record for control reads: all fields, link PKeys and change times.
  boost::json::object dump(std::string_view resource, const record& r,
                           std::string_view opt_out_prefix) const;
  std::vector<const record*> all(std::string_view resource) const;
  /// Creates `count` profiles with names and emails drawn from `seed`; returns their PKeys.
  std::vector<std::string> seed_profiles(std::size_t count, std::uint64_t seed, bool external_ids);

 private:
  struct table {
    resource_def def;
    std::uint64_t index = 0;
    std::map<std::uint64_t, record> rows;
    /// Records by the values of their identification key (every key field set), so the
    /// duplicate check of a write is one look-up, not a scan of the table. Several ids under
    /// one value happen only when a definition's new key makes existing rows collide.
    std::unordered_map<std::string, std::vector<std::uint64_t>> by_key;
  };

  /// Change times have the millisecond precision of the payload format.
  time_point now_ms() const;
  table& table_of(std::string_view resource);
  const table& table_of(std::string_view resource) const;
  void apply(const table& t, record& r, const boost::json::object& body,
             const data_view& view) const;
  void check_key(const table& t, const record& r) const;
  void index_key(table& t, const record& r);
  void unindex_key(table& t, const record& r);
  void reindex_keys(table& t);
  boost::json::value coerce(const resource_def& def, const field_def& field,
                            std::string_view wire_name, const boost::json::value& value) const;

  pkey_codec codec_;
  std::function<time_point()> clock_;
  std::map<std::string, table, std::less<>> tables_;
  std::uint64_t next_id_ = 1;
};

}  // namespace switchboard::sandbox::campaign
