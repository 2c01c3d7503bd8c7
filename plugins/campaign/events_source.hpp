// campaign.events: Campaign email events (send, open, click, bounce) read from the Adobe I/O
// Events journal of the Campaign provider's event registration.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace switchboard::campaign {

/// The validated options of one campaign.events instance.
struct events_settings {
  /// https://events.adobe.io/events/organizations/<org>/integrations/<int>/<registration>
  std::string journal_url;
  std::string api_key;     ///< x-api-key: the Adobe I/O project's client id
  std::string ims_org_id;  ///< x-ims-org-id: "<id>@AdobeOrg"
  std::string connection = "campaign";
  /// The event types handed out; the others are read and skipped.
  std::set<std::string> event_types{"send", "open", "click", "bounce"};
  bool soft_bounces = false;  ///< bounces whose bounceType is not "hard" too
  std::size_t limit = 100;    ///< events per journal request (an upper bound for the journal)
  bool start_latest = false;  ///< a new route (or an expired position) starts at the end
  /// Record field → JSON pointer into the event payload (Adobe publishes no schema).
  std::map<std::string, std::string> field_paths;
  std::chrono::milliseconds timeout{30000};
};

/// The record fields campaign.events produces and the default pointers they are read from:
/// id, type, eventTime, externalId, campaignId, campaignName, deliveryId, deliveryName, url,
/// mirrorPageUrl, bounceType, bounceReason.
const std::map<std::string, std::string>& default_event_field_paths();

sdk::config_schema events_schema();
/// Throws std::invalid_argument naming the option for what the schema cannot express.
events_settings parse_events_settings(const sdk::options& options);

/// One record from one journal event: the key is the event's id, the fields those of
/// default_event_field_paths() that the event carries (JSON null when a pointer finds
/// nothing), source_time the event time. nullopt with `why` set when the event cannot be used
/// (no id, no type, an unknown type, no parsable time).
std::optional<sdk::record> event_record(const boost::json::value& event,
                                        const events_settings& settings, std::string& why);

std::unique_ptr<sdk::source> make_events_source(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::campaign
