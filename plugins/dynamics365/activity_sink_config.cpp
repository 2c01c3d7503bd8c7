// dynamics365.activities configuration: option definitions, defaults, bounds and parsing.
#include "activity_sink_config.hpp"

#include "environment_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace switchboard::dynamics365 {
namespace {

constexpr std::string_view component_id = "dynamics365.activities";

// The Adobe solution's activity tables and columns have unpublished logical names
// (integration-behaviour.md §6: "Logical/schema names of these tables and columns are not
// published: discover them through metadata"). The defaults follow the reference's own example,
// dataverse-web-api.md §13: "POST /api/data/v9.2/new_emailopens {"subject":"CMP123 DLV456",
// "regardingobjectid_contact_new_emailopen@odata.bind":"/contacts(<contactid>)"}".
constexpr std::array<std::string_view, 4> default_tables = {"new_emailsend", "new_emailopen",
                                                            "new_emailclick", "new_emailbounce"};

[[noreturn]] void invalid(const std::string& message) {
  throw std::invalid_argument(fmt::format("{}: {}", component_id, message));
}

std::string logical_option(const sdk::options& options, std::string_view name,
                           bool allow_empty = false) {
  std::string value(options.string(name));
  if (value.empty() && allow_empty) return value;
  if (!is_logical_name(value)) {
    invalid(fmt::format(
        "option \"{}\" must be a logical name (lowercase letters, digits, _), got \"{}\"", name,
        value));
  }
  return value;
}

sdk::option_def column_option(std::string name, std::string default_value,
                              std::string description) {
  return {.name = std::move(name),
          .type = sdk::option_type::string,
          .description = std::move(description),
          .default_value = boost::json::string(default_value)};
}

}  // namespace

std::string_view to_string(email_event type) noexcept {
  switch (type) {
    case email_event::send:
      return "send";
    case email_event::open:
      return "open";
    case email_event::click:
      return "click";
    case email_event::bounce:
      return "bounce";
  }
  return "unknown";
}

sdk::config_schema activity_sink_schema() {
  using sdk::option_type;
  auto schema = environment_schema();
  schema.insert(
      schema.end(),
      {{.name = "batch_size",
        .type = option_type::integer,
        .description = "Activities per change set; one $batch request carries up to 1000 "
                       "activities in as many change sets as needed",
        .default_value = 100,
        .minimum = 1,
        .maximum = 1000},
       {.name = "contact_wait_ms",
        .type = option_type::integer,
        .description = "How long an event whose contact is not (yet) in Dataverse is retried, "
                       "in milliseconds, before it fails for good (the host dead-letters it)",
        .default_value = 600000,
        .minimum = 0,
        .maximum = 7 * 24 * 3600 * 1000}});
  for (std::size_t i = 0; i < default_tables.size(); ++i) {
    const auto type = to_string(static_cast<email_event>(i));
    schema.push_back({.name = fmt::format("{}_table", type),
                      .type = option_type::string,
                      .description = fmt::format(
                          "Logical name of the activity table of {} events (the Adobe solution's "
                          "\"Adobe Campaign Email {}\" table)",
                          type, std::array{"Send", "Open", "URL Click", "Bounce"}[i]),
                      .default_value = boost::json::string(default_tables[i])});
    schema.push_back({.name = fmt::format("{}_entity_set", type),
                      .type = option_type::string,
                      .description = fmt::format(
                          "Entity set name of the {} activity table; default: its logical name "
                          "+ \"s\"",
                          type)});
  }
  schema.push_back(
      column_option("subject_column", "subject",
                    "Column of the subject \"Email <Type>: <campaignId>/<deliveryId>\""));
  schema.push_back(column_option("campaign_column", "new_campaignname",
                                 "Column \"Campaign Name\": receives the Campaign id, as in the "
                                 "original integration"));
  schema.push_back(column_option("delivery_column", "new_deliveryname",
                                 "Column \"Delivery Name\": receives the delivery id"));
  schema.push_back(column_option("event_time_column", "new_eventdate",
                                 "Column of the event time (Date Sent / Opened / Clicked / "
                                 "Bounced), a DateTime column"));
  schema.push_back(
      column_option("mirror_url_column", "new_mirrorpageurl", "Column of the mirror page URL"));
  schema.push_back(column_option("url_column", "new_trackingurl",
                                 "Column of the clicked URL (click events only)"));
  schema.push_back(column_option("bounce_reason_column", "",
                                 "Column of the bounce reason (bounce events only); \"\" writes "
                                 "none"));
  schema.push_back(column_option("event_id_column", "new_eventid",
                                 "Column of the Campaign event id; with an alternate key on it "
                                 "(an admin defines it) activities are upserted by event id"));
  return schema;
}

activity_sink_settings parse_activity_sink_settings(const sdk::options& options) {
  activity_sink_settings s;
  auto environment = parse_environment_settings(component_id, options);
  s.url = std::move(environment.url);
  s.api_version = std::move(environment.api_version);
  s.connection = std::move(environment.connection);
  s.timeout = environment.timeout;
  s.batch_size = static_cast<std::size_t>(options.integer("batch_size"));
  s.contact_wait = std::chrono::milliseconds{options.integer("contact_wait_ms")};
  for (std::size_t i = 0; i < s.tables.size(); ++i) {
    const auto type = to_string(static_cast<email_event>(i));
    auto& table = s.tables[i];
    table.logical_name = logical_option(options, fmt::format("{}_table", type));
    const auto set_option = fmt::format("{}_entity_set", type);
    table.entity_set =
        options.has(set_option) ? logical_option(options, set_option) : table.logical_name + "s";
  }
  s.subject_column = logical_option(options, "subject_column");
  s.campaign_column = logical_option(options, "campaign_column");
  s.delivery_column = logical_option(options, "delivery_column");
  s.event_time_column = logical_option(options, "event_time_column");
  s.mirror_url_column = logical_option(options, "mirror_url_column");
  s.url_column = logical_option(options, "url_column");
  s.bounce_reason_column = logical_option(options, "bounce_reason_column", true);
  s.event_id_column = logical_option(options, "event_id_column");
  return s;
}

}  // namespace switchboard::dynamics365
