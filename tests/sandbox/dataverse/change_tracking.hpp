// Change tracking of the Dataverse emulator: tracked initial sync, delta tokens, delta pages.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"
#include "sandbox/dataverse/odata_query.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// "<version>!<MM/dd/yyyy HH:mm:ss>" (the documented sample's shape; clients treat it opaque).
std::string delta_token_text(std::uint64_t version, std::chrono::system_clock::time_point issued);

struct delta_token {
  std::uint64_t version = 0;
  std::int64_t issued = 0;  ///< epoch seconds
};
std::optional<delta_token> parse_delta_token(std::string_view text);

/// The version a delta token continues from; throws odata_exception 400 (0x80044352,
/// "Version stamp associated with the client has expired. Please perform a full sync.") when
/// it is expired, unknown or malformed.
std::uint64_t check_delta_token(const service_state& state, std::string_view text);

/// Changes in (since, upto], upserts by version then deletions by version, one page.
struct change_slice {
  std::vector<std::string> upserts;
  std::vector<std::string> deletes;
  std::optional<paging_cookie> next;
};
change_slice collect_changes(const table_store& table, paging_cookie position, std::size_t size);

/// GET <set> with Prefer: odata.track-changes or $deltatoken: the initial sync pages (by id,
/// deltaLink on the last page) or delta pages (upserts, then $deletedEntity rows).
server_reply read_tracked(service_state& state, const odata_call& call, const table_store& table,
                          const query_options& options);

}  // namespace switchboard::sandbox::dataverse
