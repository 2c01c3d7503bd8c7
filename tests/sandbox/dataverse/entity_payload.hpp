// What clients send to the Dataverse emulator: entity keys, JSON bodies, @odata.bind references.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// A row address: contacts(<guid>), contacts(contactid=<guid>) or an alternate key
/// contacts(emailaddress1='a@b.c') / accounts(_primarycontactid_value=<guid>).
struct entity_key {
  std::string id;  ///< the GUID when addressed by primary key
  std::vector<std::pair<int, boost::json::value>> cells;  ///< alternate key column → cell
  std::size_t key_index = 0;                              ///< which alternate key
  std::string text;                                       ///< as written (messages)
};

/// Reads the text between the parentheses (percent-decoded). Throws odata_exception 400.
entity_key parse_entity_key(const table_store& table, std::string_view text);
/// The id of the row the key names, or nullopt.
std::optional<std::string> find_entity(const table_store& table, const entity_key& key);

/// A body as columns to write.
struct entity_payload {
  std::vector<std::pair<int, boost::json::value>> changes;
  /// Activity parties (<activity>_activity_parties): partyid lookup cell and mask.
  std::optional<std::vector<std::pair<boost::json::value, int>>> parties;
  std::optional<std::string> primary_id;  ///< the payload sets the primary key
};

/// A lookup column and target table named by a navigation property
/// ("parentcustomerid_account", "regardingobjectid_contact_new_emailopen", "new_OwnerId").
struct navigation_target {
  int column = -1;
  std::string target;
};
std::optional<navigation_target> resolve_navigation(const service_state& state,
                                                    const table_store& table, std::string_view nav);

/// Parses a JSON object body; throws odata_exception 400 (0x80048d19) otherwise.
boost::json::object parse_json_body(std::string_view body, const table_store& table);

/// Validates and converts a payload: columns by logical name, "<nav>@odata.bind" lookups,
/// activity parties, statecode/statuscode pairing. Throws odata_exception with the service's
/// status and body (400 payload/validation errors, 404 for a bound row that does not exist).
entity_payload read_payload(service_state& state, const table_store& table,
                            const boost::json::object& body, const content_id_map* content_ids);

/// The table and row an entity reference names: "/accounts(<id>)", "accounts(<id>)",
/// an absolute URL or "$1" (a Content-ID in a change set). Throws odata_exception
/// (404 when the row does not exist).
std::pair<table_store*, std::string> resolve_reference(service_state& state, std::string_view uri,
                                                       const content_id_map* content_ids);

/// Splits "set(key)rest" into the set name, the key text (decoded, without parentheses, empty
/// when absent) and the rest; throws odata_exception 400 on unbalanced parentheses.
struct resource_head {
  std::string set;
  std::optional<std::string> key;
  std::string rest;  ///< after the first segment, without the leading '/'
};
resource_head split_resource(std::string_view resource);

}  // namespace switchboard::sandbox::dataverse
