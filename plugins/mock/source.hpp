// mock.source: a source of deterministic generated records or of records from a JSONL file.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::mock {

/// The mock.source factory (options validated against source_schema()).
std::unique_ptr<sdk::source> make_source(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::mock
