// custom-entity.links: turns lookup columns into Campaign links to the parent's PKey, parking
// a child until its parent has been written.
#pragma once

#include "mapping/mapping.hpp"
#include "switchboard/sdk/plugin.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace switchboard::custom_entity {

/// One lookup column written as a Campaign link.
struct link_column {
  std::string column;  ///< "_new_vehicleid_value"
  std::string target;  ///< the Campaign link name
  std::string route;   ///< the route whose id map holds the parents
};

/// The parsed options of one instance (links_config.cpp).
struct links_settings {
  std::string mapping_name;
  std::vector<link_column> links;
  /// How long a child may wait for its parent before it is dead-lettered.
  std::chrono::milliseconds parent_wait{300000};
  /// First and longest pause between two looks at the parents' id maps.
  std::chrono::milliseconds first_poll{50};
  std::chrono::milliseconds max_poll{2000};
};

/// The options it takes.
sdk::config_schema links_schema();
/// Reads validated options; throws std::invalid_argument naming the mapping and the field.
links_settings parse_links_settings(const sdk::options& options);

/// The factory (links.cpp). Throws std::invalid_argument when a link names a route the tenant
/// does not have.
std::unique_ptr<sdk::processor> make_links(const sdk::options& options, sdk::context& ctx);

}  // namespace switchboard::custom_entity
