// example.uppercase configuration: option definitions, parsing and validation.
#include "uppercase.hpp"

#include <stdexcept>

namespace switchboard::example {

sdk::config_schema uppercase_schema() {
  return {{.name = "fields",
           .type = sdk::option_type::string_list,
           .description = "Names of the string fields to upper-case",
           .required = true}};
}

uppercase_settings parse_uppercase_settings(const sdk::options& options) {
  uppercase_settings s{options.string_list("fields")};
  if (s.fields.empty()) throw std::invalid_argument("example.uppercase: \"fields\" is empty");
  return s;
}

}  // namespace switchboard::example
