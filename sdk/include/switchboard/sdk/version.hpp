// Version numbers of the plugin SDK: the ABI number a plugin is built against and the release.
#pragma once

#include <cstdint>

/// The SDK ABI number. A host loads only plugins whose descriptor carries the same number.
/// It changes whenever a type or interface that crosses the plugin boundary changes.
#define SWITCHBOARD_SDK_ABI_VERSION 2

namespace switchboard::sdk {

/// The SDK ABI number as a constant (see SWITCHBOARD_SDK_ABI_VERSION).
inline constexpr std::uint32_t abi_version = SWITCHBOARD_SDK_ABI_VERSION;

/// The SDK release, informative only (semantic versioning; the major equals the ABI number).
inline constexpr const char* sdk_release = "1.0.0";

}  // namespace switchboard::sdk
