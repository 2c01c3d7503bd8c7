// Entry point of the example plugin: declares the plugin and lists its components.
#include "uppercase.hpp"

#include "switchboard/sdk/plugin.hpp"

namespace {

void components(std::vector<switchboard::sdk::component_descriptor>& out) {
  namespace ex = switchboard::example;
  out.push_back(switchboard::sdk::processor_component(
      "example.uppercase", "Upper-cases the chosen string fields of each record",
      ex::uppercase_schema(), &ex::make_uppercase));
}

}  // namespace

// The one exported symbol: plugin id, version, description, and the function listing components.
SWITCHBOARD_PLUGIN("example", "1.0.0", "Example plugin: upper-cases string fields", &components);
