// Convenience header: everything a plugin needs.
#pragma once

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/config.hpp"
#include "switchboard/sdk/context.hpp"
#include "switchboard/sdk/fingerprint.hpp"
#include "switchboard/sdk/http.hpp"
#include "switchboard/sdk/plugin.hpp"
#include "switchboard/sdk/record.hpp"
#include "switchboard/sdk/status.hpp"
#include "switchboard/sdk/version.hpp"
