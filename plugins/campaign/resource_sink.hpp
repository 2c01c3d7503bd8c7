// campaign.resource: a sink that writes records through a table mapping into one Campaign
// resource (the profile or a custom resource), addressing records by the PKeys in the route's
// id map and skipping writes that would change nothing.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::campaign {

/// The campaign.resource factory (options validated against resource_schema()). Reads the
/// resource's metadata and filters from Campaign and compiles the mapping against them.
/// Throws std::invalid_argument for configuration and mapping errors (naming the mapping and
/// the field) and std::runtime_error when Campaign cannot be reached or answers unexpectedly.
std::unique_ptr<sdk::sink> make_resource_sink(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::campaign
