// Turning the rows of a Dataverse page into records: keys, deletions, change times, labels.
#pragma once

#include "table_metadata.hpp"

#include "switchboard/sdk/record.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::dynamics365 {

/// "2024-05-01T13:45:00Z" (optionally with fractional seconds or a ±hh:mm offset) as a time
/// point; nullopt when the text is not such a date-time.
std::optional<std::chrono::system_clock::time_point> parse_date_time(std::string_view text);

/// Converts one entry of a page's "value" into a record: a `$deletedEntity` entry (or an OData
/// 4.01 `@removed` one) becomes a remove with the row's id and no fields; any other row an
/// upsert keyed by `primary_id`, with the row as fields minus @odata.etag and modifiedon as
/// source time. Moves out of `row`; the record's fields then use the row's storage. Returns a
/// reason when the entry is unusable.
std::optional<std::string> to_record(boost::json::object&& row, const std::string& primary_id,
                                     sdk::record& out);

/// Adds `<column>@OData.Community.Display.V1.FormattedValue` labels to a record's fields for
/// every labelled column it holds (booleans as 0/1). Returns the (column, value) pairs that had
/// no label.
std::vector<std::pair<std::string, std::int64_t>> add_labels(boost::json::object& fields,
                                                             const option_labels& labels);

}  // namespace switchboard::dynamics365
