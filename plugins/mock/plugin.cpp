// Entry point of the mock plugin: test doubles that stand in for real sources, processors, sinks.
#include "passthrough.hpp"
#include "passthrough_config.hpp"
#include "sink.hpp"
#include "sink_config.hpp"
#include "source.hpp"
#include "source_config.hpp"

#include "switchboard/sdk/plugin.hpp"

#include <vector>

namespace {

void components(std::vector<switchboard::sdk::component_descriptor>& out) {
  namespace mock = switchboard::mock;
  namespace sdk = switchboard::sdk;
  out.push_back(sdk::source_component(
      "mock.source", "Generates deterministic records, or reads them from a JSONL file",
      mock::source_schema(), &mock::make_source));
  out.push_back(sdk::processor_component(
      "mock.passthrough", "Passes records on unchanged, rejecting or dropping every k-th",
      mock::passthrough_schema(), &mock::make_passthrough));
  out.push_back(sdk::sink_component(
      "mock.sink", "Keeps records in memory, appends them to a JSONL file, or only counts them",
      mock::sink_schema(), &mock::make_sink));
}

}  // namespace

SWITCHBOARD_PLUGIN("mock", "1.0.0", "Test doubles: a generating source, a passthrough, a sink",
                   &components);
