// The plugin descriptor and the one entry point each plugin exports (SWITCHBOARD_PLUGIN).
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"
#include "switchboard/sdk/fingerprint.hpp"
#include "switchboard/sdk/version.hpp"

#include <boost/dll/alias.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace switchboard::sdk {

/// The kind of a component.
enum class component_kind : std::uint8_t { source, processor, sink };

/// Returns "source", "processor" or "sink".
constexpr const char* to_string(component_kind k) noexcept {
  switch (k) {
    case component_kind::source:
      return "source";
    case component_kind::processor:
      return "processor";
    case component_kind::sink:
      return "sink";
  }
  return "unknown";
}

/// Factories receive the validated configuration and the instance's context (which outlives
/// the instance). They may throw (e.g. std::invalid_argument for a semantic config error the
/// schema cannot express); the host reports the message and does not start the route.
using source_factory = std::function<std::unique_ptr<source>(const options&, context&)>;
using processor_factory = std::function<std::unique_ptr<processor>(const options&, context&)>;
using sink_factory = std::function<std::unique_ptr<sink>(const options&, context&)>;

/// One component a plugin offers. Exactly the factory matching `kind` is set.
struct component_descriptor {
  /// Dotted lowercase id, starting with the plugin id: "mock.source". Never reused.
  std::string id;
  component_kind kind = component_kind::source;
  /// One sentence for `switchboard plugins list` and the UI.
  std::string description;
  /// The options its "config" object takes.
  config_schema config;
  source_factory make_source;
  processor_factory make_processor;
  sink_factory make_sink;
};

namespace detail {
/// The fields every component descriptor has; not API.
inline component_descriptor describe(std::string id, component_kind kind, std::string description,
                                     config_schema config) {
  component_descriptor d;
  d.id = std::move(id);
  d.kind = kind;
  d.description = std::move(description);
  d.config = std::move(config);
  return d;
}
}  // namespace detail

/// Builds a source component descriptor.
inline component_descriptor source_component(std::string id, std::string description,
                                             config_schema config, source_factory make) {
  auto d = detail::describe(std::move(id), component_kind::source, std::move(description),
                            std::move(config));
  d.make_source = std::move(make);
  return d;
}
/// Builds a processor component descriptor.
inline component_descriptor processor_component(std::string id, std::string description,
                                                config_schema config, processor_factory make) {
  auto d = detail::describe(std::move(id), component_kind::processor, std::move(description),
                            std::move(config));
  d.make_processor = std::move(make);
  return d;
}
/// Builds a sink component descriptor.
inline component_descriptor sink_component(std::string id, std::string description,
                                           config_schema config, sink_factory make) {
  auto d = detail::describe(std::move(id), component_kind::sink, std::move(description),
                            std::move(config));
  d.make_sink = std::move(make);
  return d;
}

/// Appends the plugin's components to `out`. Called by the host only after it has checked the
/// descriptor's ABI number and fingerprint.
using components_fn = void (*)(std::vector<component_descriptor>& out);

/// What a plugin exports, as constant data: the host reads `abi_version` and `fingerprint`
/// without calling any plugin code, and refuses the plugin on a mismatch. The order and types
/// of the first two members never change across ABI versions.
struct plugin_descriptor {
  std::uint32_t abi_version;
  build_fingerprint fingerprint;
  /// Dotted lowercase plugin id, unique among loaded plugins: "mock", "dynamics365".
  const char* id;
  /// The plugin's own version, e.g. "1.2.0".
  const char* version;
  /// One sentence.
  const char* description;
  components_fn components;
};

/// The exported symbol name the host looks up.
inline constexpr const char* entry_point_name = "switchboard_plugin";

}  // namespace switchboard::sdk

/// Declares the plugin's descriptor and exports it. Use once per shared object, at namespace
/// scope in plugin.cpp: SWITCHBOARD_PLUGIN("mock", "1.0.0", "Mock source and sink", &components);
#define SWITCHBOARD_PLUGIN(ID, VERSION, DESCRIPTION, COMPONENTS)    \
  namespace switchboard_plugin_detail {                             \
  constinit const ::switchboard::sdk::plugin_descriptor descriptor{ \
      SWITCHBOARD_SDK_ABI_VERSION,                                  \
      ::switchboard::sdk::this_build_fingerprint,                   \
      ID,                                                           \
      VERSION,                                                      \
      DESCRIPTION,                                                  \
      COMPONENTS};                                                  \
  }                                                                 \
  BOOST_DLL_ALIAS(switchboard_plugin_detail::descriptor, switchboard_plugin)
