// mock.passthrough configuration: option definitions and parsing.
#include "passthrough_config.hpp"

namespace switchboard::mock {

sdk::config_schema passthrough_schema() {
  using sdk::option_type;
  return {
      {.name = "reject_every",
       .type = option_type::integer,
       .description = "Reject records whose key ordinal n satisfies (n + 1) % k == 0; 0 = none",
       .default_value = 0,
       .minimum = 0},
      {.name = "drop_every",
       .type = option_type::integer,
       .description = "Drop records whose key ordinal n satisfies (n + 1) % k == 0; 0 = none",
       .default_value = 0,
       .minimum = 0},
  };
}

passthrough_settings parse_passthrough_settings(const sdk::options& options) {
  passthrough_settings s;
  s.reject_every = static_cast<std::uint64_t>(options.integer("reject_every"));
  s.drop_every = static_cast<std::uint64_t>(options.integer("drop_every"));
  return s;
}

}  // namespace switchboard::mock
