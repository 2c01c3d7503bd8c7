// Records as JSON text, for the dead-letter store and JSONL files.
#pragma once

#include "switchboard/sdk/record.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::host {

/// {"key":…,"op":"upsert"|"delete","fields":{…},"source_time_ms":…}
std::string record_to_json(const sdk::record& record);

/// Parses what record_to_json() wrote. Returns nullopt and sets `error` when malformed.
std::optional<sdk::record> record_from_json(std::string_view text, std::string& error);

}  // namespace switchboard::host
