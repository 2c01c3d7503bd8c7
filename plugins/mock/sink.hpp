// mock.sink: a sink that keeps records in memory, appends them to a JSONL file or counts them.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::mock {

/// The mock.sink factory (options validated against sink_schema()). Throws when the JSONL file
/// cannot be opened.
std::unique_ptr<sdk::sink> make_sink(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::mock
