// Queries of the Dataverse emulator: collections with $select/$filter/$orderby/$top/$count
// and paging, single rows, single properties and $count.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"

#include <string>
#include <string_view>

namespace switchboard::sandbox::dataverse {

/// GET <set>: a query, or a change-tracking read (odata.track-changes, $deltatoken).
server_reply read_collection(service_state& state, const odata_call& call, table_store& table);
/// GET <set>(<key>) with $select; If-None-Match W/"<v>" → 304.
server_reply read_entity(service_state& state, const odata_call& call, const table_store& table,
                         const std::string& id);
/// GET <set>(<key>)/<property>: {"value": …}; 204 when null.
server_reply read_property(const odata_call& call, const table_store& table, const std::string& id,
                           std::string_view property);
/// GET <set>/$count (with $filter), or the number of pending changes with $deltatoken.
server_reply read_count(service_state& state, const odata_call& call, table_store& table);

/// The service's cap on page sizes and counts.
inline constexpr std::size_t max_page_size = 5000;

/// The page size a request gets: odata.maxpagesize (capped at 5000) or the default.
std::size_t page_size_for(const service_state& state, const preferences& prefer);

}  // namespace switchboard::sandbox::dataverse
