// opt-out.consent options.
#include "consent_sink_config.hpp"

#include "resource_config.hpp"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include <set>
#include <stdexcept>

namespace switchboard::optout {
namespace {

constexpr std::string_view component_id = "opt-out.consent";

[[noreturn]] void invalid(const std::string& message) {
  throw std::invalid_argument(fmt::format("{}: {}", component_id, message));
}

bool is_column_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (const char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

sdk::config_schema consent_schema() {
  using sdk::option_type;
  sdk::config_schema schema{
      {.name = "mode",
       .type = option_type::string,
       .description = "disabled (nothing is written), dynamics_to_campaign, campaign_to_dynamics "
                      "or bidirectional (Campaign changed later: its value holds; Dynamics "
                      "changed later or at the same time: opt-out wins if either side has it)",
       .required = true,
       .allowed_values = {"disabled", "dynamics_to_campaign", "campaign_to_dynamics",
                          "bidirectional"}},
      {.name = "origin",
       .type = option_type::string,
       .description = "Where the route's records come from: \"dynamics\" (contact rows from "
                      "dynamics365.table) or \"campaign\" (profiles from "
                      "opt-out.campaign_changes, lines from opt-out.export_files)",
       .required = true,
       .allowed_values = {"dynamics", "campaign"}},
      {.name = "pairs",
       .type = option_type::array,
       .description = "The synchronised fields: [{\"dynamics\": \"<boolean contact column>\", "
                      "\"campaign\": \"<blackList, blackListEmail, blackListMobile, "
                      "blackListPhone, blackListPostalMail, blackListFax, "
                      "blackListPushnotification or ccpaOptOut>\"}]",
       .required = true},
      {.name = "echo_window_ms",
       .type = option_type::integer,
       .description = "A side still showing what the host wrote and changed at most this long "
                      "after the write is that write coming back, not a person's change",
       .default_value = 1000,
       .minimum = 0,
       .maximum = 600000},
      {.name = "concurrency",
       .type = option_type::integer,
       .description = "Campaign profile lookups in flight at once",
       .default_value = 8,
       .minimum = 1,
       .maximum = 64},
  };
  add_dataverse_options(schema);
  schema.push_back(campaign::request_timeout_option(
      "Deadline of one request in milliseconds, the HTTP client's retries included"));
  add_campaign_options(schema);
  return schema;
}

consent_settings parse_consent_settings(const sdk::options& options) {
  consent_settings s;
  s.mode = *parse_sync_mode(options.string("mode"));
  s.origin = options.string("origin") == "dynamics" ? origin::dynamics : origin::campaign;
  s.echo_window = std::chrono::milliseconds(options.integer("echo_window_ms"));
  const std::chrono::milliseconds timeout(options.integer("timeout_ms"));
  s.campaign = parse_campaign_settings(component_id, options);
  s.campaign.timeout = timeout;
  s.campaign.concurrency = static_cast<std::size_t>(options.integer("concurrency"));
  s.dynamics = parse_dataverse_settings(component_id, options);
  s.dynamics.timeout = timeout;
  const auto& pairs = *options.find("pairs");
  if (!pairs.is_array() || pairs.as_array().empty()) {
    invalid(
        "option \"pairs\": expected a non-empty array of {\"dynamics\": ..., \"campaign\": ...}");
  }
  std::set<std::string, std::less<>> columns, attributes;
  for (std::size_t i = 0; i < pairs.as_array().size(); ++i) {
    const auto& p = pairs.as_array()[i];
    const auto where = fmt::format("option \"pairs\"/{}", i);
    const auto* o = p.if_object();
    const auto* d = o != nullptr ? o->if_contains("dynamics") : nullptr;
    const auto* c = o != nullptr ? o->if_contains("campaign") : nullptr;
    if (o == nullptr || o->size() != 2 || d == nullptr || c == nullptr || !d->is_string() ||
        !c->is_string()) {
      invalid(
          fmt::format("{}: expected {{\"dynamics\": \"<column>\", \"campaign\": "
                      "\"<attribute>\"}}, got {}",
                      where, boost::json::serialize(p)));
    }
    field_pair pair{std::string(d->as_string()), {}};
    if (!is_column_name(pair.dynamics)) {
      invalid(
          fmt::format("{}/dynamics: \"{}\" is not a Dataverse column name", where, pair.dynamics));
    }
    const auto attribute = canonical_attribute(c->as_string());
    if (!attribute) {
      invalid(fmt::format(
          "{}/campaign: \"{}\" is not one of Campaign's opt-out attributes (blackList, "
          "blackListEmail, blackListMobile, blackListPhone, blackListPostalMail, blackListFax, "
          "blackListPushnotification, ccpaOptOut; or their denyList names)",
          where, std::string_view(c->as_string())));
    }
    pair.campaign = *attribute;
    if (!columns.insert(pair.dynamics).second) {
      invalid(fmt::format("{}/dynamics: column {} is already paired", where, pair.dynamics));
    }
    if (!attributes.insert(pair.campaign).second) {
      invalid(fmt::format("{}/campaign: attribute {} is already paired", where, pair.campaign));
    }
    s.pairs.push_back(std::move(pair));
  }
  return s;
}

}  // namespace switchboard::optout
