// mock.source configuration: option definitions, defaults, bounds and parsing.
#include "source_config.hpp"

#include <stdexcept>

namespace switchboard::mock {

sdk::config_schema source_schema() {
  using sdk::option_type;
  return {
      {.name = "count",
       .type = option_type::integer,
       .description = "Number of records to generate",
       .default_value = 1000,
       .minimum = 0,
       .maximum = 1e10},
      {.name = "seed",
       .type = option_type::integer,
       .description = "Seed of the generated field values",
       .default_value = 1},
      {.name = "fields",
       .type = option_type::integer,
       .description = "Number of generated fields per record: \"id\", then f1, f2, ...",
       .default_value = 4,
       .minimum = 0,
       .maximum = max_generated_fields},
      {.name = "key_prefix",
       .type = option_type::string,
       .description = "Prefix of the generated keys, followed by the zero-padded index",
       .default_value = "rec-"},
      {.name = "rate_limit",
       .type = option_type::number,
       .description = "Records per second at most; 0 = unlimited",
       .default_value = 0,
       .minimum = 0},
      {.name = "jsonl",
       .type = option_type::string,
       .description = "JSONL file to read instead of generating, one record per line: "
                      "{\"key\", \"op\", \"fields\", \"source_time_ms\"}"},
      {.name = "read_latency_ms",
       .type = option_type::integer,
       .description = "Milliseconds to wait in every read call",
       .default_value = 0,
       .minimum = 0,
       .maximum = 3600000},
      {.name = "fail_read_every",
       .type = option_type::integer,
       .description = "Every k-th read call fails with a retryable error; 0 = never",
       .default_value = 0,
       .minimum = 0},
      {.name = "crash_after",
       .type = option_type::integer,
       .description = "Kill the process (SIGKILL) once this many records were handed out; "
                      "0 = never",
       .default_value = 0,
       .minimum = 0},
  };
}

source_settings parse_source_settings(const sdk::options& options) {
  source_settings s;
  s.count = static_cast<std::uint64_t>(options.integer("count"));
  s.generator.seed = static_cast<std::uint64_t>(options.integer("seed"));
  s.generator.fields = static_cast<std::uint32_t>(options.integer("fields"));
  s.generator.key_prefix = std::string(options.string("key_prefix"));
  s.rate_limit = options.number("rate_limit");
  if (options.has("jsonl")) {
    s.jsonl = std::string(options.string("jsonl"));
    if (s.jsonl.empty()) {
      throw std::invalid_argument("mock.source: option \"jsonl\" is an empty path");
    }
  }
  s.read_latency = std::chrono::milliseconds{options.integer("read_latency_ms")};
  s.fail_read_every = static_cast<std::uint64_t>(options.integer("fail_read_every"));
  s.crash_after = static_cast<std::uint64_t>(options.integer("crash_after"));
  return s;
}

}  // namespace switchboard::mock
