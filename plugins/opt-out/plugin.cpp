// Entry point of the opt-out plugin: consent sync between Dynamics 365 contacts and Campaign
// profiles.
#include "campaign_changes.hpp"
#include "consent_sink.hpp"
#include "consent_sink_config.hpp"
#include "export_files_source.hpp"

#include "switchboard/sdk/plugin.hpp"

#include <vector>

namespace {

void components(std::vector<switchboard::sdk::component_descriptor>& out) {
  namespace optout = switchboard::optout;
  out.push_back(switchboard::sdk::sink_component(
      "opt-out.consent",
      "Keeps Dynamics 365 contact columns and Campaign profile opt-out attributes in step: "
      "decides each field pair by the mode and the conflict rule, writes each side that "
      "differs, and never echoes its own writes",
      optout::consent_schema(), &optout::make_consent_sink));
  out.push_back(switchboard::sdk::source_component(
      "opt-out.campaign_changes",
      "Polls Campaign for profiles changed since the cursor (by lastModified), one record per "
      "changed profile with its opt-out attributes",
      optout::campaign_changes_schema(), &optout::make_campaign_changes_source));
  out.push_back(switchboard::sdk::source_component(
      "opt-out.export_files",
      "Reads the CSV exports of changed Campaign opt-outs that a Campaign workflow drops in an "
      "SFTP or local folder, each file once, and moves them to a processed folder",
      optout::export_files_schema(), &optout::make_export_files_source));
}

}  // namespace

SWITCHBOARD_PLUGIN("opt-out", "1.0.0", "Opt-out (consent) sync between Dynamics 365 and Campaign",
                   &components);
