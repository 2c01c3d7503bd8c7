// mock.source configuration: the option definitions and their parsed form.
#pragma once

#include "record_generator.hpp"

#include "switchboard/sdk/config.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace switchboard::mock {

/// The validated options of one mock.source instance.
struct source_settings {
  /// How records are generated (ignored when `jsonl` is set).
  generator_options generator;
  /// How many records to generate.
  std::uint64_t count = 1000;
  /// Records per second; 0 = unlimited.
  double rate_limit = 0;
  /// The JSONL file to read instead of generating; empty = generate.
  std::string jsonl;
  /// Waited at the start of every read() call.
  std::chrono::milliseconds read_latency{0};
  /// Every k-th read() call fails retryably; 0 = never.
  std::uint64_t fail_read_every = 0;
  /// The process kills itself after this many records were handed out; 0 = never.
  std::uint64_t crash_after = 0;
};

/// The options mock.source takes.
sdk::config_schema source_schema();

/// Reads options validated against source_schema(). Throws std::invalid_argument for values
/// the schema cannot reject.
source_settings parse_source_settings(const sdk::options& options);

}  // namespace switchboard::mock
