// mock.sink configuration: option definitions, defaults, bounds and parsing.
#include "sink_config.hpp"

#include <stdexcept>

namespace switchboard::mock {

sdk::config_schema sink_schema() {
  using sdk::option_type;
  return {
      {.name = "mode",
       .type = option_type::string,
       .description = "Where records go: \"memory\" (key to fields), \"jsonl\" (appended to "
                      "path) or \"null\" (counted only)",
       .default_value = "memory",
       .allowed_values = {"memory", "jsonl", "null"}},
      {.name = "path",
       .type = option_type::string,
       .description = "JSONL file appended to, one line per record (required in jsonl mode)"},
      {.name = "retryable_every",
       .type = option_type::integer,
       .description = "Records whose key ordinal n satisfies (n + 1) % k == 0 fail with a "
                      "retryable error their first retryable_times attempts; 0 = none",
       .default_value = 0,
       .minimum = 0},
      {.name = "retryable_times",
       .type = option_type::integer,
       .description = "Attempts that fail for each record selected by retryable_every",
       .default_value = 1,
       .minimum = 1},
      {.name = "permanent_every",
       .type = option_type::integer,
       .description = "Records whose key ordinal n satisfies (n + 1) % k == 0 fail "
                      "permanently; 0 = none",
       .default_value = 0,
       .minimum = 0},
      {.name = "latency_ms",
       .type = option_type::integer,
       .description = "Milliseconds to wait in every write call",
       .default_value = 0,
       .minimum = 0,
       .maximum = 3600000},
      {.name = "crash_after",
       .type = option_type::integer,
       .description = "Kill the process (SIGKILL) once this many records were acknowledged; "
                      "0 = never",
       .default_value = 0,
       .minimum = 0},
  };
}

sink_settings parse_sink_settings(const sdk::options& options) {
  sink_settings s;
  const std::string_view mode = options.string("mode");
  if (mode == "memory") {
    s.mode = sink_mode::memory;
  } else if (mode == "jsonl") {
    s.mode = sink_mode::jsonl;
  } else if (mode == "null") {
    s.mode = sink_mode::null;
  } else {
    throw std::invalid_argument("mock.sink: unknown mode \"" + std::string(mode) +
                                "\" (expected memory, jsonl or null)");
  }
  if (options.has("path")) s.path = std::string(options.string("path"));
  if (s.mode == sink_mode::jsonl && s.path.empty()) {
    throw std::invalid_argument("mock.sink: option \"path\" is required when mode is \"jsonl\"");
  }
  s.retryable_every = static_cast<std::uint64_t>(options.integer("retryable_every"));
  s.retryable_times = static_cast<std::uint64_t>(options.integer("retryable_times"));
  s.permanent_every = static_cast<std::uint64_t>(options.integer("permanent_every"));
  s.latency = std::chrono::milliseconds{options.integer("latency_ms")};
  s.crash_after = static_cast<std::uint64_t>(options.integer("crash_after"));
  return s;
}

}  // namespace switchboard::mock
