// dynamics365.table configuration: option definitions, defaults, bounds and parsing.
#include "table_source_config.hpp"

#include "environment_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace switchboard::dynamics365 {
namespace {

constexpr std::string_view component_id = "dynamics365.table";

[[noreturn]] void invalid(const std::string& message) {
  throw std::invalid_argument(fmt::format("{}: {}", component_id, message));
}

}  // namespace

sdk::config_schema table_source_schema() {
  using sdk::option_type;
  auto schema = environment_schema();
  schema.insert(
      schema.end(),
      {
          {.name = "table",
           .type = option_type::string,
           .description = "Logical name of the table to read, e.g. \"contact\"; defaults to the "
                          "mapping's source table"},
          {.name = "columns",
           .type = option_type::string_list,
           .description =
               "Columns to read besides the mapped ones (lookups as \"_<name>_value\" or "
               "by logical name)",
           .default_value = boost::json::array{}},
          {.name = "page_size",
           .type = option_type::integer,
           .description = "Rows per page (Prefer: odata.maxpagesize); capped to the route's "
                          "batch_size",
           .default_value = 5000,
           .minimum = 1,
           .maximum = 5000},
          {.name = "picklists",
           .type = option_type::string,
           .description = "\"value\" hands out option-set columns as numbers only; \"label\" adds "
                          "each one's label as <column>@OData.Community.Display.V1.FormattedValue; "
                          "default: as the mapping says",
           .allowed_values = {"value", "label"}},
          {.name = "mapping",
           .type = option_type::object,
           .description = "The route's table mapping (filled in by the host from the route's "
                          "\"mapping\")"},
      });
  return schema;
}

table_source_settings parse_table_source_settings(const sdk::options& options,
                                                  std::string_view route) {
  table_source_settings s;
  auto environment = parse_environment_settings(component_id, options);
  s.url = std::move(environment.url);
  s.api_version = std::move(environment.api_version);
  s.connection = std::move(environment.connection);
  s.timeout = environment.timeout;
  s.columns = options.string_list("columns");
  for (const auto& c : s.columns) {
    if (!is_logical_name(c)) {
      invalid(fmt::format("option \"columns\": \"{}\" is not a column name", c));
    }
  }
  s.page_size = static_cast<std::size_t>(options.integer("page_size"));
  if (options.has("mapping")) {
    s.mapping = mapping::parse_mapping(options.find("mapping")->as_object(), route);
  }
  if (options.has("table")) s.table = std::string(options.string("table"));
  if (s.mapping && !s.mapping->source_table.empty()) {
    if (!s.table.empty() && s.table != s.mapping->source_table) {
      invalid(fmt::format(
          "option \"table\" is \"{}\" but mapping \"{}\" reads table \"{}\"; drop one of them",
          s.table, s.mapping->name, s.mapping->source_table));
    }
    s.table = s.mapping->source_table;
  }
  if (s.table.empty()) {
    invalid(
        "no table to read: set option \"table\" or give the route a mapping with a source "
        "table");
  }
  if (!is_logical_name(s.table)) {
    invalid(
        fmt::format("\"{}\" is not a table logical name (lowercase letters, digits, _)", s.table));
  }
  if (options.has("picklists")) {
    s.picklist_labels = options.string("picklists") == "label";
  } else {
    s.picklist_labels = s.mapping && s.mapping->picklist_labels;
  }
  return s;
}

}  // namespace switchboard::dynamics365
