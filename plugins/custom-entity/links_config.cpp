// custom-entity.links configuration: the route's mapping (its link fields) and the wait bounds.
#include "links.hpp"

#include <stdexcept>

namespace switchboard::custom_entity {

sdk::config_schema links_schema() {
  return {
      {.name = "mapping",
       .type = sdk::option_type::object,
       .description = "The route's table mapping (set by the host from the route's \"mapping\"); "
                      "its fields with a \"link\" route are resolved",
       .required = true},
      {.name = "parent_wait_ms",
       .type = sdk::option_type::integer,
       .description = "How long a child waits for its parent to be written before it is "
                      "dead-lettered with the reason",
       .default_value = 300000,
       .minimum = 0,
       .maximum = 86400000},
      {.name = "max_poll_ms",
       .type = sdk::option_type::integer,
       .description = "Longest pause between two looks for missing parents (pauses start at "
                      "50 ms and double)",
       .default_value = 2000,
       .minimum = 1,
       .maximum = 60000},
  };
}

links_settings parse_links_settings(const sdk::options& options) {
  mapping::mapping_spec spec;
  try {
    spec = mapping::parse_mapping(options.find("mapping")->as_object(), "links");
  } catch (const mapping::mapping_error& e) {
    throw std::invalid_argument(e.what());
  }
  links_settings s;
  s.mapping_name = spec.name;
  for (const auto& f : spec.fields) {
    if (f.link_route.empty()) continue;
    s.links.push_back({f.source, f.target, f.link_route});
  }
  if (s.links.empty()) {
    throw std::invalid_argument("mapping \"" + spec.name +
                                "\": custom-entity.links needs at least one field with a "
                                "\"link\" route");
  }
  s.parent_wait = std::chrono::milliseconds(options.integer("parent_wait_ms"));
  s.max_poll = std::chrono::milliseconds(options.integer("max_poll_ms"));
  s.first_poll = std::min(s.first_poll, s.max_poll);
  return s;
}

}  // namespace switchboard::custom_entity
