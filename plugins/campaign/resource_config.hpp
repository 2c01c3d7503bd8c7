// campaign.resource configuration: the option definitions and their parsed form.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace switchboard::campaign {

/// The validated options of one campaign.resource instance.
struct resource_settings {
  /// "https://mc.adobe.io/<org>": the base before "/campaign/…", without a trailing slash.
  std::string url;
  /// Sent as X-Api-Key: the IMS client id of the Adobe I/O project.
  std::string api_key;
  /// The tenant connection whose auth gives the IMS access token.
  std::string connection = "campaign";
  /// The route's table mapping (mapping engine format), parsed by the factory.
  boost::json::object mapping;
  /// "profileAndServicesExt", "profileAndServices" or "customResources".
  std::string api = "profileAndServicesExt";
  /// Requests in flight at once within one write call.
  std::size_t concurrency = 16;
  /// Deadline of one request, the HTTP client's retries included.
  std::chrono::milliseconds timeout{30000};
};

/// The "connection" option of the campaign components: the tenant connection whose IMS auth
/// gives the access token (default "campaign").
sdk::option_def ims_connection_option();

/// "timeout_ms": the deadline of one request to an Adobe service in milliseconds, the HTTP
/// client's retries included (default 30 s, 1 s..10 min); `description` says of what request.
sdk::option_def request_timeout_option(std::string description);

/// The options campaign.resource takes.
sdk::config_schema resource_schema();

/// Reads options validated against resource_schema(). Throws std::invalid_argument for what the
/// schema cannot express (a url that is not https, or that carries a query).
resource_settings parse_resource_settings(const sdk::options& options);

}  // namespace switchboard::campaign
