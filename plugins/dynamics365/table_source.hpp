// dynamics365.table: a source reading one Dataverse table with change tracking: a tracked
// initial load of every row, then only the changes (upserts and deletions) through delta links.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::dynamics365 {

/// The dynamics365.table factory (options validated against table_source_schema()). Reads the
/// table's metadata, checks the mapping's columns and change tracking, and publishes the
/// table's schema for the route's sink; throws std::invalid_argument for what configuration
/// must fix and std::runtime_error when Dataverse cannot be reached.
std::unique_ptr<sdk::source> make_table_source(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::dynamics365
