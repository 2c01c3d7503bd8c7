// campaign.resource configuration: option definitions, defaults, bounds and parsing.
#include "resource_config.hpp"

#include <stdexcept>

namespace switchboard::campaign {

sdk::option_def ims_connection_option() {
  return {.name = "connection",
          .type = sdk::option_type::string,
          .description =
              "Tenant connection whose auth (ims_oauth or ims_jwt) gives the IMS "
              "access token",
          .default_value = "campaign"};
}

sdk::option_def request_timeout_option(std::string description) {
  return {.name = "timeout_ms",
          .type = sdk::option_type::integer,
          .description = std::move(description),
          .default_value = 30000,
          .minimum = 1000,
          .maximum = 600000};
}

sdk::config_schema resource_schema() {
  using sdk::option_type;
  return {
      {.name = "url",
       .type = option_type::string,
       .description = "Base URL of the Campaign instance before \"/campaign/...\", e.g. "
                      "https://mc.adobe.io/<organization> (or <organization>-mkt-stage)",
       .required = true},
      {.name = "api_key",
       .type = option_type::string,
       .description = "X-Api-Key sent with every request: the client id (API key) of the "
                      "Adobe I/O project",
       .required = true},
      ims_connection_option(),
      {.name = "mapping",
       .type = option_type::object,
       .description = "The table mapping (source table and key, target resource and key, "
                      "fields, replacements, filters, deletes); the route's mapping is used "
                      "when the component sets none",
       .required = true},
      {.name = "api",
       .type = option_type::string,
       .description = "Campaign API of the resource: profileAndServicesExt (profile with "
                      "extension fields, custom resources linked to profile), "
                      "profileAndServices (out-of-the-box profile fields only) or "
                      "customResources (custom resources without a link to profile)",
       .default_value = "profileAndServicesExt",
       .allowed_values = {"profileAndServicesExt", "profileAndServices", "customResources"}},
      {.name = "concurrency",
       .type = option_type::integer,
       .description = "Campaign requests in flight at once while writing a batch",
       .default_value = 16,
       .minimum = 1,
       .maximum = 64},
      request_timeout_option("Deadline of one Campaign request in milliseconds, retries of the "
                             "HTTP client included"),
  };
}

resource_settings parse_resource_settings(const sdk::options& options) {
  resource_settings s;
  s.url = std::string(options.string("url"));
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  if (!s.url.starts_with("https://") || s.url.size() <= 8) {
    throw std::invalid_argument(
        "campaign.resource: \"url\" must be an https URL such as "
        "https://mc.adobe.io/<organization>, got \"" +
        s.url + "\"");
  }
  if (s.url.find_first_of("?#") != std::string::npos) {
    throw std::invalid_argument(
        "campaign.resource: \"url\" must not carry a query or fragment, got \"" + s.url + "\"");
  }
  s.api_key = std::string(options.string("api_key"));
  if (s.api_key.empty()) throw std::invalid_argument("campaign.resource: \"api_key\" is empty");
  s.connection = std::string(options.string("connection"));
  if (s.connection.empty()) {
    throw std::invalid_argument("campaign.resource: \"connection\" is empty");
  }
  s.mapping = options.json().at("mapping").as_object();
  s.api = std::string(options.string("api"));
  s.concurrency = static_cast<std::size_t>(options.integer("concurrency"));
  s.timeout = std::chrono::milliseconds(options.integer("timeout_ms"));
  return s;
}

}  // namespace switchboard::campaign
