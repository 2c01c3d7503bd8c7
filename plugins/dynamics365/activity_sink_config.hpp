// dynamics365.activities configuration: option definitions, parsing and validation.
#pragma once

#include "switchboard/sdk/config.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::dynamics365 {

/// The four Adobe Campaign email event types, in the order of activity_sink_settings::tables.
enum class email_event : std::uint8_t { send, open, click, bounce };

/// Where one event type's activities go.
struct activity_table {
  std::string logical_name;  ///< "new_emailsend"
  std::string entity_set;    ///< "new_emailsends"
};

/// The parsed options of one dynamics365.activities instance.
struct activity_sink_settings {
  /// Environment URL without a trailing slash: "https://org.crm.dynamics.com".
  std::string url;
  std::string api_version;  ///< "v9.2"
  std::string connection;   ///< the tenant connection whose auth gives the access tokens
  std::chrono::milliseconds timeout{120000};
  /// Requests per change set; a $batch carries up to 1000 requests in several change sets.
  std::size_t batch_size = 100;
  std::array<activity_table, 4> tables;  ///< by email_event
  std::string subject_column;
  std::string campaign_column;
  std::string delivery_column;
  std::string event_time_column;
  std::string mirror_url_column;
  std::string url_column;
  std::string bounce_reason_column;  ///< "" → bounce reasons are not written
  /// Column holding the event id; an alternate key on it makes writes upserts.
  std::string event_id_column;
  /// How long an event whose contact does not exist is retried before it fails for good.
  std::chrono::milliseconds contact_wait{std::chrono::minutes(10)};
};

/// The options dynamics365.activities takes.
sdk::config_schema activity_sink_schema();

/// Reads validated options. Throws std::invalid_argument naming the option for what the schema
/// cannot express: a URL that is not https or has a path, names that are not logical names.
activity_sink_settings parse_activity_sink_settings(const sdk::options& options);

/// "send", "open", "click", "bounce".
std::string_view to_string(email_event type) noexcept;

}  // namespace switchboard::dynamics365
