// dynamics365.activities: a sink turning Adobe Campaign email events (send, open, click,
// bounce) into custom activity rows on the regarding contact's timeline, written in $batch
// change sets and upserted by event id.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::dynamics365 {

/// The dynamics365.activities factory (options validated against activity_sink_schema()).
/// Throws std::invalid_argument for what configuration must fix (bad options, no HTTP client
/// or connection).
std::unique_ptr<sdk::sink> make_activity_sink(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::dynamics365
