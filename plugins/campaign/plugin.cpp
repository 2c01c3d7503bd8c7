// Entry point of the campaign plugin: Adobe Campaign Standard connector components.
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
}

}  // namespace

SWITCHBOARD_PLUGIN("campaign", "1.0.0", "Adobe Campaign Standard connector", &components);
