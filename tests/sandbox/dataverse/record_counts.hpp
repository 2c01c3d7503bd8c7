// RetrieveTotalRecordCount of the Dataverse emulator: row counts of tables by logical name.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"

#include <string_view>

namespace switchboard::sandbox::dataverse {

/// GET RetrieveTotalRecordCount(EntityNames=['contact','account']) (or EntityNames=@p1 with
/// ?@p1=[...]): {"EntityRecordCountCollection":{"Count":2,"IsReadOnly":false,"Keys":[…],
/// "Values":[…]}}. `arguments` is the resource after the function name, "(EntityNames=…)".
/// Dataverse answers from a snapshot up to a day old; the emulator counts the live rows.
/// Unknown tables fail with 404 (0x80040217).
server_reply retrieve_total_record_count(const service_state& state, const odata_call& call,
                                         std::string_view arguments);

}  // namespace switchboard::sandbox::dataverse
