// opt-out.consent configuration: the option definitions and their parsed form.
#pragma once

#include "consent.hpp"
#include "services.hpp"

#include "switchboard/sdk/config.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace switchboard::optout {

/// Which system the route's records come from.
enum class origin { dynamics, campaign };

/// One Dynamics boolean column ↔ one Campaign opt-out attribute.
struct field_pair {
  std::string dynamics;  ///< a contact column, e.g. "donotbulkemail"
  std::string campaign;  ///< a REST name, e.g. "blackListEmail"
};

struct consent_settings {
  sync_mode mode = sync_mode::disabled;
  optout::origin origin = origin::dynamics;
  std::vector<field_pair> pairs;
  /// A side changed no later than this after the host's own write of the same value is that
  /// write coming back.
  std::chrono::milliseconds echo_window{1000};
  campaign_settings campaign;
  dataverse_settings dynamics;
};

sdk::config_schema consent_schema();

/// Reads options validated against consent_schema(); throws std::invalid_argument for pairs
/// that are malformed, name an unknown attribute, or repeat a column or attribute.
consent_settings parse_consent_settings(const sdk::options& options);

}  // namespace switchboard::optout
