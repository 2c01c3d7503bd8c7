// opt-out.campaign_changes: polls Campaign for profiles changed since the cursor (profiles
// listed by lastModified, newest first, read down to the cursor's time), one record per changed
// profile that has an externalId, carrying its opt-out attributes and lastModified.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::optout {

sdk::config_schema campaign_changes_schema();

std::unique_ptr<sdk::source> make_campaign_changes_source(const sdk::options& options,
                                                          sdk::context& ctx);

}  // namespace switchboard::optout
