// The timestamps of the two services: Dataverse's ISO 8601 ("2026-11-29T10:00:00Z") and
// Campaign's payload form ("2026-11-29 10:00:00.000Z"), read alike; written as ISO 8601 UTC with
// milliseconds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::optout {

/// "YYYY-MM-DD(T| )HH:MM:SS[.f…](Z|±hh:mm)" as a time point (fractions kept to the millisecond);
/// nullopt for anything else (also out-of-range fields).
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text);

/// "2026-11-29T10:00:00.000Z".
std::string iso_millis(std::chrono::system_clock::time_point t);

}  // namespace switchboard::optout
