// example.uppercase: a processor that upper-cases chosen string fields of each record.
#pragma once

#include "switchboard/sdk/plugin.hpp"

namespace switchboard::example {

/// The parsed options of one instance (uppercase_config.cpp).
struct uppercase_settings {
  std::vector<std::string> fields;  ///< names of the string fields to upper-case
};

/// The options it takes; the host validates each config against them before the factory runs.
sdk::config_schema uppercase_schema();
/// Reads validated options; throws std::invalid_argument for what the schema cannot express.
uppercase_settings parse_uppercase_settings(const sdk::options& options);

/// The factory (uppercase.cpp): called with validated options and the instance's context.
std::unique_ptr<sdk::processor> make_uppercase(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::example
