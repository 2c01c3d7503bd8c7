// The options every dynamics365 component takes to reach a Dataverse environment, and the
// name rules they share.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace switchboard::dynamics365 {

struct environment_settings {
  /// "https://org.crm.dynamics.com" (no trailing slash).
  std::string url;
  /// Web API version segment, "v9.2".
  std::string api_version = "v9.2";
  /// The tenant connection whose auth gives the access tokens.
  std::string connection = "dynamics365";
  /// Deadline of one Web API request, the HTTP client's retries included.
  std::chrono::milliseconds timeout{120000};
};

/// url, api_version, connection and timeout_ms.
sdk::config_schema environment_schema();

/// Reads the options of environment_schema(); throws std::invalid_argument "<component>: option
/// ..." for a url that is not an https environment URL without a path, or a malformed version.
environment_settings parse_environment_settings(std::string_view component,
                                                const sdk::options& options);

/// A Dataverse logical name: lowercase letters, digits and "_", not starting with a digit.
bool is_logical_name(std::string_view name) noexcept;

}  // namespace switchboard::dynamics365
