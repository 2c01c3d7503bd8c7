// What the plugin learns about a Dataverse table from EntityDefinitions (reference §11): set
// name, keys, change tracking, columns with their types, and option-set labels.
#pragma once

#include "mapping/mapping.hpp"
#include "web_api.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::dynamics365 {

/// One readable column.
struct column_info {
  std::string logical_name;    ///< "parentcustomerid"
  std::string property;        ///< as read and selected: "_parentcustomerid_value" for lookups
  std::string attribute_type;  ///< AttributeType as Dataverse names it: "Customer"
  mapping::source_type type = mapping::source_type::other;
};

/// A table's metadata.
struct table_metadata {
  std::string logical_name;
  std::string entity_set;    ///< "contacts"
  std::string primary_id;    ///< "contactid"
  std::string primary_name;  ///< "fullname"
  bool change_tracking = false;
  /// Readable columns by property name (attributes that are part of another one, such as
  /// "parentcustomeridname", are left out: they cannot be selected).
  std::map<std::string, column_info, std::less<>> columns;

  /// The column read as `name`, or as the lookup whose logical name is `name`; nullptr if none.
  const column_info* find(std::string_view name) const;
  /// What the route's sink may check types against.
  mapping::source_schema schema() const;
};

/// Value → label of each option-set column (Picklist, State, Status, Boolean with 0/1), by
/// property name.
using option_labels = std::map<std::string, std::map<std::int64_t, std::string>, std::less<>>;

/// A metadata request failed: std::invalid_argument for what configuration can fix (no such
/// table, no privilege), std::runtime_error for transport failures and malformed answers.
/// Messages start with what was asked ("reading the metadata of table contact: …").
table_metadata discover_table(web_api& api, std::string_view table);

/// Reads the labels of the option-set columns among `properties` (only the option-set types
/// present are asked for). Throws like discover_table().
option_labels discover_labels(web_api& api, const table_metadata& table,
                              const std::vector<std::string>& properties);

}  // namespace switchboard::dynamics365
