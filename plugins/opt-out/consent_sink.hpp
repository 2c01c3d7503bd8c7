// opt-out.consent: the sink that keeps Dynamics 365 contact columns and Campaign profile opt-out
// attributes in step. Each record is a change on one side (its origin); the sink reads the
// other side, decides every configured field pair with resolve() (consent.hpp), writes the
// result to each side that differs, and remembers in the tenant's state what it wrote and the
// change time the write produced, so the write coming back from the other route is known as an
// echo and never propagated again.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"

#include <memory>

namespace switchboard::optout {

std::unique_ptr<sdk::sink> make_consent_sink(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::optout
