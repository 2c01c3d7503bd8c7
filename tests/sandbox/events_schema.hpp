// The Dataverse side of the email events flow (Campaign → Dynamics timeline activities), defined
// in the Dataverse emulator for the demo and the end-to-end tests, and the events route template.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace switchboard::sandbox {

class sandbox;

/// Defines the four activity tables dynamics365.activities writes by default — new_emailsend,
/// new_emailopen, new_emailclick, new_emailbounce (activities: subject, regarding) with columns
/// new_campaignname, new_deliveryname, new_eventdate (DateTime), new_mirrorpageurl,
/// new_trackingurl, new_bouncereason and new_eventid, and an alternate key new_eventid_key on
/// new_eventid. Throws std::runtime_error when the emulator refuses a definition.
void define_email_activity_tables(sandbox& sb);

/// The email events of the journal against the activities in Dataverse.
struct email_activity_check {
  std::size_t events = 0;      ///< distinct events of the journal of the types checked
  std::size_t activities = 0;  ///< activity rows in the four tables
  std::map<std::string, std::size_t> by_type;  ///< activities per event type
  std::size_t problems = 0;
  std::vector<std::string> examples;  ///< the first problems, described
  bool ok() const noexcept { return problems == 0; }
};

/// Each distinct journal event of `types` must be exactly one activity, in its type's table,
/// regarding the contact whose id is the event's profile externalId, with the campaign and
/// delivery ids, the mirror page and (clicks) the clicked URL; events of other types and rows
/// without an event must not be there.
email_activity_check check_email_activities(sandbox& sb, const std::set<std::string>& types = {
                                                             "send", "open", "click", "bounce"});

/// The route of config/templates/email-events.json. Throws std::runtime_error when it cannot be
/// read or parsed.
boost::json::object email_events_route(const std::filesystem::path& templates);

}  // namespace switchboard::sandbox
