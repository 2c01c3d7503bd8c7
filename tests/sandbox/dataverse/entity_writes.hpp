// Writes of the Dataverse emulator: create, upsert/update with conditions, delete, and writes
// of single properties, lookup references and activity parties.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"
#include "sandbox/dataverse/entity_payload.hpp"

#include <string_view>

namespace switchboard::sandbox::dataverse {

/// POST <set>: 204 + OData-EntityId, or 201 + the row with Prefer: return=representation.
server_reply create_entity(service_state& state, const odata_call& call, table_store& table);
/// PATCH <set>(<key>): upsert; If-Match (* or W/"v") makes it an update only, If-None-Match: *
/// a create only. 204 + OData-EntityId, or 200/201 + the row with return=representation.
server_reply upsert_entity(service_state& state, const odata_call& call, table_store& table,
                           const entity_key& key);
/// DELETE <set>(<key>): 204, or 404 when the row does not exist.
server_reply delete_entity(service_state& state, const odata_call& call, table_store& table,
                           const entity_key& key);
/// POST <set>/Microsoft.Dynamics.CRM.UpsertMultiple or CreateMultiple with {"Targets":[…]}:
/// all rows or none; 200 {"Ids":[…]} (response shape unconfirmed by the reference). A target
/// names its row by primary id, by "@odata.id" or by the values of an alternate key.
server_reply write_multiple(service_state& state, const odata_call& call, table_store& table,
                            bool upsert);
/// PUT/DELETE <set>(<key>)/<property>, <nav>/$ref, PUT <activity>_activity_parties.
server_reply write_part(service_state& state, const odata_call& call, table_store& table,
                        const entity_key& key, std::string_view part);

}  // namespace switchboard::sandbox::dataverse
