// Entry point of the dynamics365 plugin: declares the plugin and lists its components.
#include "activity_sink.hpp"
#include "activity_sink_config.hpp"
#include "table_source.hpp"
#include "table_source_config.hpp"

#include "switchboard/sdk/plugin.hpp"

#include <vector>

namespace {

void components(std::vector<switchboard::sdk::component_descriptor>& out) {
  namespace d365 = switchboard::dynamics365;
  out.push_back(switchboard::sdk::source_component(
      "dynamics365.table",
      "Reads a Dataverse table with change tracking: every row first, then only changes and "
      "deletions",
      d365::table_source_schema(), &d365::make_table_source));
  out.push_back(switchboard::sdk::sink_component(
      "dynamics365.activities",
      "Writes Adobe Campaign email events (send, open, click, bounce) as activities on the "
      "contact's timeline, in $batch change sets, upserted by event id",
      d365::activity_sink_schema(), &d365::make_activity_sink));
}

}  // namespace

SWITCHBOARD_PLUGIN("dynamics365", "1.0.0", "Microsoft Dynamics 365 (Dataverse) connector",
                   &components);
