// mock.sink configuration: the option definitions and their parsed form.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace switchboard::mock {

/// Where mock.sink puts acknowledged records.
enum class sink_mode : std::uint8_t {
  memory,  ///< key → fields in memory, latest wins; deletes erase
  jsonl,   ///< one line per record appended to a file
  null,    ///< counted only
};

/// The validated options of one mock.sink instance.
struct sink_settings {
  sink_mode mode = sink_mode::memory;
  /// The JSONL file (mode jsonl only).
  std::string path;
  /// Records whose key ordinal n satisfies (n + 1) % k == 0 fail retryably their first
  /// `retryable_times` attempts; 0 = none.
  std::uint64_t retryable_every = 0;
  std::uint64_t retryable_times = 1;
  /// Same rule, records fail permanently; 0 = none. Checked before retryable_every.
  std::uint64_t permanent_every = 0;
  /// Waited at the start of every write() call.
  std::chrono::milliseconds latency{0};
  /// The process kills itself once this many records were acknowledged; 0 = never.
  std::uint64_t crash_after = 0;
};

/// The options mock.sink takes.
sdk::config_schema sink_schema();

/// Reads options validated against sink_schema(). Throws std::invalid_argument when mode is
/// "jsonl" without a path.
sink_settings parse_sink_settings(const sdk::options& options);

}  // namespace switchboard::mock
