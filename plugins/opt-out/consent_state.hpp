// The consent state of one contact ↔ profile, kept in the tenant's state (shared by the routes
// of both directions) as one JSON document per contact:
//  - per side, what the host last wrote to each field and the change time that write produced
//    (the service's own modifiedon / lastModified, read back after the write), and the change
//    time of its last write on the whole record;
//  - per Campaign attribute, the value last seen and since when: Campaign's REST API only gives
//    the profile's lastModified, which any write (e.g. the contacts route's) moves, so an
//    attribute's own change time is the lastModified of the first observation showing its new
//    value.
#pragma once

#include "consent.hpp"
#include "services.hpp"

#include "switchboard/sdk/context.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::optout {

enum class side : unsigned char { dynamics, campaign };

/// A Campaign attribute as the consent state knows it after an observation.
struct campaign_attribute {
  bool value = false;
  /// When the value last changed; nullopt when this observation is the first one (the value's
  /// age is unknown: it may be a default the profile was created with).
  std::optional<time_point> changed_at;
  /// The observation showed a value other than the one seen before (or carried its own,
  /// newer change time).
  bool changed = false;
  /// The observation carried an attribute-level time older than the one known: stale.
  bool stale = false;
};

class consent_record {
 public:
  /// Loads the document of contact `id` (empty when there is none or it cannot be read).
  consent_record(sdk::kv_state& kv, std::string id);

  /// What the host last wrote to `field` of a side.
  std::optional<host_write> wrote(side s, std::string_view field) const;
  /// The change time the host's last write on the side's whole record produced.
  std::optional<time_point> last_write(side s) const;
  /// Records a write and the change time it produced; for Campaign also the attributes' values.
  void remember_write(side s, const value_map& values, time_point changed_at);

  /// Records an observation of a Campaign attribute: `seen_at` is the profile's lastModified,
  /// `attribute_time` the attribute's own change time when the source gives it (an export line).
  campaign_attribute observe(std::string_view attribute, bool value, time_point seen_at,
                             std::optional<time_point> attribute_time = std::nullopt);

  /// The host write to hold a side's value against when deciding: the field's own write; or,
  /// when `record_level` (the side's time is its whole record's) and that time equals the
  /// change time of the host's last write on the record, that write: the time is the host's
  /// doing, not a person's.
  std::optional<host_write> echo_basis(side s, std::string_view field, const side_value& value,
                                       bool record_level, std::chrono::milliseconds window) const;

  /// Writes the document back when it changed.
  void save();

 private:
  boost::json::object& part(side s);
  const boost::json::object* part(side s) const;

  sdk::kv_state& kv_;
  std::string key_;
  boost::json::object doc_;
  bool dirty_ = false;
};

}  // namespace switchboard::optout
