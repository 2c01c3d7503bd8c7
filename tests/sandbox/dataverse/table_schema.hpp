// Table definitions of the Dataverse emulator: columns and their types, option sets, keys.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// Column types, named after AttributeTypeCode (date_only is a DateTime column with the
/// DateOnly format; customer is a lookup with several targets).
enum class column_type : std::uint8_t {
  string,
  memo,
  integer,
  big_int,
  decimal,
  double_precision,
  money,
  boolean,
  date_time,
  date_only,
  picklist,
  state,
  status,
  lookup,
  customer,
  uniqueidentifier,
};

/// One option of a picklist, state, status or boolean column.
struct option_label {
  int value = 0;
  std::string label;
  int state = -1;  ///< status options: the statecode the status belongs to
};

struct column_definition {
  std::string logical_name;
  column_type type = column_type::string;
  std::string schema_name;   ///< "" → the logical name
  std::string display_name;  ///< "" → the logical name
  int max_length = 0;        ///< string: 0 → 100; memo: 0 → 2000
  int precision = 2;         ///< decimal, double, money: digits after the point
  std::optional<double> min_value;
  std::optional<double> max_value;
  /// picklist/state/status options; boolean: value 0 labels false, 1 labels true.
  std::vector<option_label> options;
  /// lookup/customer: target table logical names; empty on a lookup = any table (regarding).
  std::vector<std::string> targets;
  /// single-target lookup: the navigation property used in @odata.bind ("" → the schema name).
  std::string navigation;
  boost::json::value default_value;  ///< null → none (booleans without one default to false)
  bool required = false;   ///< RequiredLevel ApplicationRequired (metadata only, as the API)
  bool read_only = false;  ///< system-set (createdon, modifiedon, fullname): writes ignored
  bool is_custom = false;
};

/// An alternate key: its schema name and the columns whose values are unique together.
struct alternate_key {
  std::string name;
  std::vector<std::string> columns;
};

/// A table. complete_definition() fills the defaults and the system columns.
struct table_definition {
  std::string logical_name;     ///< e.g. "new_vehicle"
  std::string entity_set_name;  ///< "" → logical name + "s" (the usual plural)
  std::string primary_id;       ///< "" → logical name + "id" (activities: "activityid")
  std::string primary_name;     ///< "" → "subject" for activities, else "<prefix>name" if present
  std::string schema_name;      ///< "" → the logical name
  std::string display_name;     ///< "" → the logical name
  bool is_activity = false;     ///< IsActivity: inherits activitypointer columns, has parties
  bool change_tracking = true;  ///< ChangeTrackingEnabled
  bool is_custom = true;        ///< IsCustomEntity
  std::vector<column_definition> columns;
  std::vector<alternate_key> keys;
};

/// Fills the defaults and adds the columns every table has (primary id, primary name,
/// createdon, modifiedon, statecode, statuscode; activities: activityid, subject,
/// regardingobjectid, activitytypecode). Throws std::invalid_argument on an invalid definition.
table_definition complete_definition(table_definition definition);

/// Reads a definition from the control API's JSON:
/// {"logical_name":"new_vehicle","entity_set_name":"new_vehicles","primary_id":"new_vehicleid",
///  "primary_name":"new_name","is_activity":false,"change_tracking":true,
///  "columns":[{"name":"new_vin","type":"String","max_length":20,"required":true},
///             {"name":"new_ownerid","type":"Lookup","targets":["contact"],
///              "navigation":"new_OwnerId"},
///             {"name":"new_color","type":"Picklist","options":[{"value":1,"label":"Red"}]}],
///  "keys":[{"name":"new_vin_key","columns":["new_vin"]}]}
/// Types are AttributeType names (String, Memo, Integer, BigInt, Decimal, Double, Money,
/// Boolean, DateTime, Date, Picklist, State, Status, Lookup, Customer, Uniqueidentifier).
/// Throws std::invalid_argument.
table_definition table_definition_from_json(const boost::json::value& json);

/// "String", "Picklist", … (AttributeType; date_only → "DateTime").
std::string_view attribute_type_name(column_type type) noexcept;
/// The AttributeTypeCode number.
int attribute_type_code(column_type type) noexcept;
/// The OData type of the wire value: "Edm.String", "Edm.Int32", …
std::string_view edm_type(column_type type) noexcept;
/// True for lookup and customer columns (read as _<name>_value).
bool is_lookup(column_type type) noexcept;
/// The property name a column is read and filtered by: "_<name>_value" for lookups.
std::string property_name(const column_definition& column);
/// The effective maximum length of a string or memo column.
int effective_max_length(const column_definition& column) noexcept;

/// The built-in tables: contact (reference §12 columns), account, activitypointer,
/// activityparty, organization.
std::vector<table_definition> standard_tables();

}  // namespace switchboard::sandbox::dataverse
