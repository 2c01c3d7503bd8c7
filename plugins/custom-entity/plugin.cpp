// Entry point of the custom-entity plugin: declares the plugin and lists its components.
#include "links.hpp"

#include "switchboard/sdk/plugin.hpp"

namespace {

void components(std::vector<switchboard::sdk::component_descriptor>& out) {
  namespace ce = switchboard::custom_entity;
  out.push_back(switchboard::sdk::processor_component(
      "custom-entity.links",
      "Writes lookup columns as Campaign links to the parent's PKey; a child waits until its "
      "parent has been written",
      ce::links_schema(), &ce::make_links));
}

}  // namespace

SWITCHBOARD_PLUGIN("custom-entity", "1.0.0",
                   "Custom entities: lookups become Campaign links, children wait for parents",
                   &components);
