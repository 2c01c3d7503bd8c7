// Column values of the Dataverse emulator: payload validation, wire form, labels, GUIDs, times.
#pragma once

#include "sandbox/dataverse/table_schema.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace switchboard::sandbox::dataverse {

/// True for "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case, optional braces).
bool is_guid(std::string_view text) noexcept;
/// The lowercase GUID without braces, or "" when `text` is not a GUID.
std::string normalize_guid(std::string_view text);
/// A random (version 4) GUID.
std::string random_guid(std::mt19937_64& rng);
/// A GUID derived from a text (stable MetadataIds).
std::string stable_guid(std::string_view text);

/// Seconds since the epoch of an ISO 8601 date ("2024-01-31", midnight UTC) or date-time
/// ("2024-01-31T10:00:00Z", fractions and ±hh:mm offsets allowed); nullopt if malformed.
std::optional<std::int64_t> parse_iso_time(std::string_view text);
/// "2024-01-31T10:00:00Z"
std::string iso_date_time(std::int64_t epoch_seconds);
/// "2024-01-31"
std::string iso_date(std::int64_t epoch_seconds);

/// The stored cell for a payload value of a (non-lookup) column; throws odata_exception with
/// the documented 400 bodies (type mismatch 0x80048d19, length 0x80044331, option 0x8004431a).
boost::json::value cell_from_payload(const table_definition& table, const column_definition& column,
                                     const boost::json::value& value);
/// A lookup cell: {"id": "<guid>", "table": "<logical name>"}.
boost::json::value lookup_cell(std::string_view id, std::string_view table);
/// The value a column has on the wire (lookups: the GUID).
boost::json::value wire_value(const column_definition& column, const boost::json::value& cell);
/// The FormattedValue annotation of a non-lookup cell (en-US, UTC), or nullopt.
std::optional<std::string> formatted_value(const column_definition& column,
                                           const boost::json::value& cell);
/// Orders two cells of a column the way the service sorts: nulls first, strings ignoring case.
int compare_cells(const column_definition& column, const boost::json::value& a,
                  const boost::json::value& b);
/// ASCII lowercase.
std::string lowercase(std::string_view text);

}  // namespace switchboard::sandbox::dataverse
