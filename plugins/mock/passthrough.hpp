// mock.passthrough: a processor that leaves records unchanged, with injected rejects and drops.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::mock {

/// The mock.passthrough factory (options validated against passthrough_schema()).
std::unique_ptr<sdk::processor> make_passthrough(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::mock
