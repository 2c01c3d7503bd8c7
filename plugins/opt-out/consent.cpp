// The opt-out conflict rule and echo detection.
#include "consent.hpp"

#include "timestamps.hpp"

#include <fmt/format.h>

namespace switchboard::optout {
namespace {

std::string shown(const side_value& side, bool echo) {
  return fmt::format("{} (changed {}{})", side.value, iso_millis(side.changed_at),
                     echo ? ", our own write" : "");
}

decision write_differing(bool result, const side_value& dynamics, const side_value& campaign,
                         std::string reason) {
  decision d;
  if (dynamics.value != result) d.to_dynamics = result;
  if (campaign.value != result) d.to_campaign = result;
  if (!d.to_dynamics && !d.to_campaign) reason += "; both sides already hold it";
  d.reason = std::move(reason);
  return d;
}

/// One direction: `from` is written to the other side (`target`) when it differs.
decision copy(bool from, bool other, std::optional<bool> decision::*target, std::string reason) {
  decision d;
  if (from != other) {
    d.*target = from;
  } else {
    reason += "; the other side already holds it";
  }
  d.reason = std::move(reason);
  return d;
}

}  // namespace

std::optional<sync_mode> parse_sync_mode(std::string_view text) noexcept {
  for (const auto m : {sync_mode::disabled, sync_mode::dynamics_to_campaign,
                       sync_mode::campaign_to_dynamics, sync_mode::bidirectional}) {
    if (to_string(m) == text) return m;
  }
  return std::nullopt;
}

std::string_view to_string(sync_mode mode) noexcept {
  switch (mode) {
    case sync_mode::disabled:
      return "disabled";
    case sync_mode::dynamics_to_campaign:
      return "dynamics_to_campaign";
    case sync_mode::campaign_to_dynamics:
      return "campaign_to_dynamics";
    case sync_mode::bidirectional:
      return "bidirectional";
  }
  return "unknown";
}

bool is_echo(const side_value& side, const std::optional<host_write>& wrote,
             std::chrono::milliseconds skew) noexcept {
  return wrote && side.value == wrote->value && side.changed_at <= wrote->at + skew;
}

decision resolve(sync_mode mode, const side_value& dynamics, const side_value& campaign,
                 const std::optional<host_write>& wrote_dynamics,
                 const std::optional<host_write>& wrote_campaign, std::chrono::milliseconds skew) {
  switch (mode) {
    case sync_mode::disabled:
      return {std::nullopt, std::nullopt, "opt-out sync is disabled"};
    case sync_mode::dynamics_to_campaign:
      return copy(dynamics.value, campaign.value, &decision::to_campaign,
                  fmt::format("Dynamics is the source of truth: {}", dynamics.value));
    case sync_mode::campaign_to_dynamics:
      return copy(campaign.value, dynamics.value, &decision::to_dynamics,
                  fmt::format("Campaign is the source of truth: {}", campaign.value));
    case sync_mode::bidirectional:
      break;
  }
  const bool echo_d = is_echo(dynamics, wrote_dynamics, skew);
  const bool echo_c = is_echo(campaign, wrote_campaign, skew);
  const auto facts =
      fmt::format("Dynamics {}, Campaign {}", shown(dynamics, echo_d), shown(campaign, echo_c));
  bool campaign_newer = campaign.changed_at > dynamics.changed_at;
  if (echo_d != echo_c) campaign_newer = echo_d;  // an echo is older than any real change
  if (campaign_newer) {
    return write_differing(
        campaign.value, dynamics, campaign,
        fmt::format("{}: Campaign changed later, its value holds: {}", facts, campaign.value));
  }
  const bool result = dynamics.value || campaign.value;
  return write_differing(
      result, dynamics, campaign,
      fmt::format("{}: Dynamics changed {}, so opt-out wins if either side has it: {}", facts,
                  dynamics.changed_at == campaign.changed_at ? "at the same time" : "later",
                  result));
}

}  // namespace switchboard::optout
