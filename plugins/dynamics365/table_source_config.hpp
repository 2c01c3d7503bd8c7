// dynamics365.table configuration: option definitions, parsing and validation.
#pragma once

#include "mapping/mapping.hpp"
#include "switchboard/sdk/config.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::dynamics365 {

/// The parsed options of one dynamics365.table instance.
struct table_source_settings {
  /// Environment URL without a trailing slash: "https://org.crm.dynamics.com".
  std::string url;
  /// Web API version segment: "v9.2".
  std::string api_version;
  /// The tenant connection whose auth gives the access tokens.
  std::string connection;
  /// Logical name of the table ("contact"); from "table" or from the mapping.
  std::string table;
  /// Extra columns to read besides the mapping's (as given; lookups may be logical names).
  std::vector<std::string> columns;
  /// Rows per page (Prefer: odata.maxpagesize), before capping to what the host asks.
  std::size_t page_size = 5000;
  /// Annotate option-set columns with their labels (FormattedValue).
  bool picklist_labels = false;
  /// Deadline of one Web API exchange, the host's retries included.
  std::chrono::milliseconds timeout{120000};
  /// The route's table mapping, when it has one.
  std::optional<mapping::mapping_spec> mapping;
};

/// The options dynamics365.table takes.
sdk::config_schema table_source_schema();

/// Reads validated options. `route` names the mapping when it has no "name". Throws
/// std::invalid_argument (mapping::mapping_error for the mapping) for what the schema cannot
/// express: a URL that is not https or has a path, a table name that is not a logical name,
/// no table at all, a table that contradicts the mapping's.
table_source_settings parse_table_source_settings(const sdk::options& options,
                                                  std::string_view route);

}  // namespace switchboard::dynamics365
