// The opt-out decision of one contact ↔ profile field pair: which side's value holds, under the
// configured mode and the original integration's bidirectional rule, with echoes of the host's
// own writes recognised.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::optout {

using time_point = std::chrono::system_clock::time_point;

/// The opt-out modes of the original integration's Opt-In/Out page.
enum class sync_mode {
  disabled,              ///< the customer runs its own process: nothing is written
  dynamics_to_campaign,  ///< Dynamics is the source of truth
  campaign_to_dynamics,  ///< Campaign is the source of truth
  bidirectional,         ///< both, with the conflict rule of resolve()
};

/// "disabled", "dynamics_to_campaign", "campaign_to_dynamics", "bidirectional"; nullopt else.
std::optional<sync_mode> parse_sync_mode(std::string_view text) noexcept;
std::string_view to_string(sync_mode mode) noexcept;

/// One side's value of the pair and when it last changed: Dynamics gives the record's
/// `modifiedon` (any column), Campaign the attribute's change time where the source has it,
/// else the profile's `lastModified`.
struct side_value {
  bool value = false;
  time_point changed_at{};
};

/// What the host itself last wrote to a side, and when it was done (for echo detection).
struct host_write {
  bool value = false;
  time_point at{};
};

/// The values to write (nullopt: leave that side alone) and why, for the decision log.
struct decision {
  std::optional<bool> to_dynamics;
  std::optional<bool> to_campaign;
  std::string reason;
};

/// A side is an echo when it still shows what the host last wrote there and changed no later
/// than that write (plus `skew`, the services' clocks against the host's): its change time is
/// the host's own doing, not a person's decision, so it must not make that side "newer".
bool is_echo(const side_value& side, const std::optional<host_write>& wrote,
             std::chrono::milliseconds skew) noexcept;

/// The decision for one field pair of one contact.
///  - disabled: nothing.
///  - one direction: the source side's value is written to the other side when they differ.
///  - bidirectional, exactly as the original: when Campaign changed later than Dynamics,
///    Campaign's value holds; when Dynamics changed later *or at the same time*, opt-out wins:
///    true if either side is true. An echo side counts as older than any change (when both
///    are echoes, their own times decide). The result is written to each side that differs.
decision resolve(sync_mode mode, const side_value& dynamics, const side_value& campaign,
                 const std::optional<host_write>& wrote_dynamics,
                 const std::optional<host_write>& wrote_campaign,
                 std::chrono::milliseconds skew = std::chrono::seconds(5));

}  // namespace switchboard::optout
