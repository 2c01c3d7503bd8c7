// Compares what the ingress routes of config/templates wrote to the Campaign emulator with the
// Dataverse emulator's rows, field by field and link by link (demo, end-to-end tests, bench).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::sandbox {

class sandbox;

struct ingress_check {
  std::size_t contacts = 0;
  std::size_t profiles = 0;  ///< profiles with an externalId (those the sync manages)
  std::size_t vehicles = 0;
  std::size_t campaign_vehicles = 0;
  std::size_t visits = 0;
  std::size_t campaign_visits = 0;
  std::size_t links_checked = 0;
  std::size_t problem_count = 0;
  std::vector<std::string> problems;  ///< the first 20, e.g. "profile of contact …: lastName …"

  bool ok() const noexcept { return problem_count == 0; }
};

/// Checks the template mappings (contact-to-profile.json, custom-entity-with-links.json):
/// every contact has exactly one profile (externalId = contactid) with the mapped values
/// (gendercode 1/2/null → male/female/unknown), every vehicle and service visit one record
/// (cusCrmId = id) with its values (colour as label, dates in Campaign's form) and its link to
/// the right parent's PKey; nothing else carries an externalId or a cusCrmId.
/// `check_custom` false: contacts only.
ingress_check check_ingress(sandbox& sb, bool check_custom = true);

/// Campaign POST, PATCH and DELETE requests counted since the last reset of its counters.
std::uint64_t campaign_writes(sandbox& sb);

}  // namespace switchboard::sandbox
