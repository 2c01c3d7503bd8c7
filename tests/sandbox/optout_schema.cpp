// The opt-out route templates.
#include "sandbox/optout_schema.hpp"

#include "sandbox/ingress_schema.hpp"

#include <stdexcept>
#include <string>

namespace switchboard::sandbox {

boost::json::array opt_out_routes(const std::filesystem::path& templates, std::string_view mode) {
  const auto file = templates / ("opt-out-" + std::string(mode) + ".json");
  auto routes = read_template(file);
  if (!routes.is_array()) {
    throw std::runtime_error("template " + file.string() + " is not an array of routes");
  }
  for (const auto& r : routes.as_array()) {
    if (!r.is_object()) {
      throw std::runtime_error("template " + file.string() +
                               " holds a route that is not an object");
    }
  }
  return std::move(routes.as_array());
}

}  // namespace switchboard::sandbox
