// The opt-out route templates, for the tests and the demo.
#pragma once

#include <boost/json/array.hpp>

#include <filesystem>
#include <string_view>

namespace switchboard::sandbox {

/// The routes of `templates`/opt-out-<mode>.json, mode one of "bidirectional",
/// "dynamics-to-campaign", "campaign-to-dynamics", "disabled". Throws std::runtime_error when
/// the template cannot be read or is not an array of routes.
boost::json::array opt_out_routes(const std::filesystem::path& templates, std::string_view mode);

}  // namespace switchboard::sandbox
