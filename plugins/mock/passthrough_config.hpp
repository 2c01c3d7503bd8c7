// mock.passthrough configuration: the option definitions and their parsed form.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <cstdint>

namespace switchboard::mock {

/// The validated options of one mock.passthrough instance.
struct passthrough_settings {
  /// Records whose key ordinal satisfies (ordinal + 1) % k == 0 are rejected; 0 = none.
  std::uint64_t reject_every = 0;
  /// Same rule, records dropped (filtered out); 0 = none. Rejection is checked first.
  std::uint64_t drop_every = 0;
};

/// The options mock.passthrough takes.
sdk::config_schema passthrough_schema();

/// Reads options validated against passthrough_schema().
passthrough_settings parse_passthrough_settings(const sdk::options& options);

}  // namespace switchboard::mock
