// Entry point of the campaign plugin: Adobe Campaign Standard connector components.
#include "events_source.hpp"
#include "resource_config.hpp"
#include "resource_sink.hpp"

#include "switchboard/sdk/plugin.hpp"

#include <vector>

namespace {

void components(std::vector<switchboard::sdk::component_descriptor>& out) {
  namespace campaign = switchboard::campaign;
  out.push_back(switchboard::sdk::sink_component(
      "campaign.resource",
      "Writes records through a table mapping into an Adobe Campaign Standard profile or "
      "custom resource",
      campaign::resource_schema(), &campaign::make_resource_sink));
  out.push_back(switchboard::sdk::source_component(
      "campaign.events",
      "Reads Campaign email events (send, open, click, bounce) from the Adobe I/O Events "
      "journal of the Campaign event registration, one record per distinct event",
      campaign::events_schema(), &campaign::make_events_source));
}

}  // namespace

SWITCHBOARD_PLUGIN("campaign", "1.0.0", "Adobe Campaign Standard connector", &components);
