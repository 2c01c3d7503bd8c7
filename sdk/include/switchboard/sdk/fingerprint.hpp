// The build fingerprint that a host compares with a plugin's before calling any plugin code.
#pragma once

#include <boost/version.hpp>

#include "switchboard/sdk/detail/build_config.hpp"

#define SWITCHBOARD_DETAIL_STR2(x) #x
#define SWITCHBOARD_DETAIL_STR(x) SWITCHBOARD_DETAIL_STR2(x)

#if defined(__clang__)
#define SWITCHBOARD_SDK_COMPILER                                                          \
  "clang " SWITCHBOARD_DETAIL_STR(__clang_major__) "." SWITCHBOARD_DETAIL_STR(          \
      __clang_minor__) "." SWITCHBOARD_DETAIL_STR(__clang_patchlevel__)
#elif defined(__GNUC__)
#define SWITCHBOARD_SDK_COMPILER                                                          \
  "gcc " SWITCHBOARD_DETAIL_STR(__GNUC__) "." SWITCHBOARD_DETAIL_STR(                   \
      __GNUC_MINOR__) "." SWITCHBOARD_DETAIL_STR(__GNUC_PATCHLEVEL__)
#else
#define SWITCHBOARD_SDK_COMPILER "unknown"
#endif

// <version> defines the standard library's identification macros without pulling in much.
#include <version>
#if defined(_LIBCPP_VERSION)
#define SWITCHBOARD_SDK_STDLIB "libc++ " SWITCHBOARD_DETAIL_STR(_LIBCPP_ABI_VERSION)
#elif defined(__GLIBCXX__)
#if _GLIBCXX_USE_CXX11_ABI
#define SWITCHBOARD_SDK_STDLIB "libstdc++ cxx11-abi"
#else
#define SWITCHBOARD_SDK_STDLIB "libstdc++ pre-cxx11-abi"
#endif
#else
#define SWITCHBOARD_SDK_STDLIB "unknown"
#endif

namespace switchboard::sdk {

/// What a plugin and the host must agree on besides the ABI number, because C++ types
/// (std::string, boost::json::value, std::function) cross the boundary.
/// Plain data with static storage: the host reads it without running plugin code.
struct build_fingerprint {
  /// Compiler id and version, e.g. "gcc 12.2.0".
  const char* compiler;
  /// Standard library and its ABI flavour, e.g. "libstdc++ cxx11-abi".
  const char* standard_library;
  /// BOOST_VERSION the plugin was compiled with, e.g. 108100 for 1.81.0.
  unsigned long boost_version;
  /// SHA-256 of the SDK headers the plugin was compiled with.
  const char* sdk_headers_hash;
};

/// The fingerprint of whatever translation unit includes this header.
inline constexpr build_fingerprint this_build_fingerprint{
    SWITCHBOARD_SDK_COMPILER, SWITCHBOARD_SDK_STDLIB, BOOST_VERSION,
    SWITCHBOARD_SDK_HEADERS_HASH};

}  // namespace switchboard::sdk
