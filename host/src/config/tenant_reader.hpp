// Private: reads one tenant object (inline in the host config or in its own file).
#pragma once

#include "json_reader.hpp"
#include "switchboard/host/config.hpp"

namespace switchboard::host::config_detail {

/// The tenant at `node`: checks keys, types, ranges, duplicate route ids and that connections
/// and routes only name plugins and connections of the tenant.
tenant_config read_tenant(const json_node& node);

}  // namespace switchboard::host::config_detail
