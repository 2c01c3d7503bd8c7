// The mapping engine: one table mapping (source table → target resource) parsed from a route's
// "mapping" object, checked against the metadata both sides publish, and compiled once into
// per-field steps (picklist label or value, replacements, type conversion) and a filter.
// Shared by the dynamics365, campaign and custom-entity plugins.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::mapping {

/// A configuration or metadata problem. The message names the mapping, the JSON pointer inside
/// the mapping object and the value:
/// `mapping "contacts": /fields/2: cannot convert Integer column "numberofchildren" to date field
/// "cusKids"`. Derives from std::invalid_argument, as config errors do.
class mapping_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A value of one record that cannot be written (a string that is not a number for an integer
/// field, …). The message names the mapping, the field and the value.
class value_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Dataverse column types (AttributeType), as far as conversion cares.
enum class source_type : std::uint8_t {
  boolean,
  integer,  ///< Integer and BigInt
  decimal,  ///< Decimal and Money
  double_precision,
  string,  ///< String and Memo
  date_time,
  date_only,
  picklist,  ///< Picklist, State, Status
  lookup,    ///< Lookup, Customer, Owner (read as _<name>_value, a GUID)
  uniqueidentifier,
  other,
};

/// Campaign field types (resourceType metadata).
enum class target_type : std::uint8_t {
  boolean,
  integer,  ///< byte, short, long, int64
  float_single,
  double_precision,
  string,  ///< string and memo
  date_time,
  date,
  enumeration,
  link,  ///< written {"PKey": "@…"}
  other,
};

/// "Boolean", "Integer", … / "boolean", "integer", … for messages.
std::string_view to_string(source_type t) noexcept;
std::string_view to_string(target_type t) noexcept;
/// Maps an AttributeType name ("String", "Memo", "Money", "Picklist", "Lookup", …).
source_type source_type_from_attribute(std::string_view attribute_type) noexcept;
/// Maps a Campaign metadata field's "type" ("string", "boolean", "long", "double",
/// "datetime", "date", "enumeration", "link", …).
target_type target_type_from_metadata(std::string_view type) noexcept;

/// One field pair. `source` is a Dataverse property name as read by the Web API (lookups as
/// "_<name>_value"); `target` a Campaign field or link name.
struct field_spec {
  std::string source;
  std::string target;
  /// Off: the value is written when the target record is created and on replay only.
  bool apply_updates = true;
  /// For lookups written as Campaign links: the route whose id map holds the parent records
  /// (resolved by the custom-entity plugin); empty for plain fields.
  std::string link_route;
};

/// Replace a source value of a mapped field by the value to write (typed, exact match:
/// strings case-sensitively, numbers by value, booleans; picklists match their technical value,
/// or their label when the mapping writes labels).
struct replacement_spec {
  std::string field;  ///< source field; must be mapped
  boost::json::value from;
  boost::json::value to;
};

enum class filter_op : std::uint8_t {
  eq,
  ne,
  gt,
  ge,
  lt,
  le,
  contains,
  startswith,
  endswith,
  in,
  is_null,
  not_null,
};
/// "eq", "ne", …, "is-null", "not-null".
std::string_view to_string(filter_op op) noexcept;

/// One filter row: any source field (mapped or not), an operator, a value (none for is-null
/// and not-null; an array for in).
struct filter_spec {
  std::string field;
  filter_op op = filter_op::eq;
  boost::json::value value;
};

enum class filter_combine : std::uint8_t { all, any };

/// A table mapping as configured ("mapping" object of a route; format in docs/mapping.md).
struct mapping_spec {
  std::string name;             ///< for messages; defaults to the route id
  std::string source_table;     ///< Dataverse logical name: "contact", "new_vehicle"
  std::string source_key;       ///< primary id column; "" = detected from metadata
  std::string target_resource;  ///< Campaign resource: "profile", "cusVehicle"
  std::string target_key;       ///< Campaign key field: "externalId" for profiles
  std::vector<field_spec> fields;
  std::vector<replacement_spec> replacements;
  std::vector<filter_spec> filters;
  filter_combine combine = filter_combine::all;
  /// Delete target records whose source no longer passes the filters.
  bool delete_filtered_out = false;
  /// Delete target records whose source row was deleted.
  bool apply_deletes = true;
  /// Write picklist labels (FormattedValue) instead of technical values.
  bool picklist_labels = false;

  /// The columns the source must read: the key, every mapped field and every filter field,
  /// once each, in that order (lookups as "_<name>_value").
  std::vector<std::string> source_columns() const;
  /// True when some mapped field is written as a link.
  bool has_links() const noexcept;
};

/// Parses and checks the shape of a mapping object (types, required keys, operators, one
/// source field per target field, replacements on mapped fields). `default_name` is used when
/// the object has no "name". Throws mapping_error naming the mapping and the JSON pointer.
mapping_spec parse_mapping(const boost::json::object& json, std::string_view default_name);

/// What the source side publishes about its table (from Dataverse EntityDefinitions).
struct source_schema {
  std::string table;
  std::string primary_key;
  /// Property name as read (lookups "_<name>_value") → type.
  std::map<std::string, source_type, std::less<>> columns;

  boost::json::object to_json() const;
  /// Throws mapping_error on a malformed document.
  static source_schema from_json(const boost::json::object& json);
};

/// What the target side publishes about its resource (from Campaign resourceType metadata).
struct target_schema {
  std::string resource;
  /// Field or link name → type.
  std::map<std::string, target_type, std::less<>> fields;
  /// Fields that identify a record uniquely (the resource's identification key fields). Empty
  /// when the metadata does not say; the key check is then skipped.
  std::vector<std::string> unique_fields;
};

/// Suffix of the annotation that carries a column's display label in a Dataverse record
/// ("statecode@OData.Community.Display.V1.FormattedValue"); used when picklist_labels is on.
inline constexpr std::string_view formatted_value_suffix =
    "@OData.Community.Display.V1.FormattedValue";

/// The route key-value entry under which a source publishes its source_schema as JSON, so the
/// route's sink can check types against it.
inline constexpr std::string_view source_schema_state_key = "mapping.source_schema";

/// The target payloads of one record: the full payload (create and replay) and the update
/// payload (without fields whose apply_updates is off, and without the key field).
struct target_payload {
  boost::json::object create;
  boost::json::object update;
};

/// A mapping compiled for one route: every field's conversion chosen once. Immutable once
/// compiled: passes() and build() may run on several threads at once.
class compiled_mapping {
 public:
  /// Checks the spec against the schemas (either may be null: that side is then not checked
  /// and conversions follow the JSON type of each value): unknown source columns or target
  /// fields, type pairs that cannot convert, replacement values that cannot convert, a
  /// target key that is not unique. Throws mapping_error.
  static compiled_mapping compile(mapping_spec spec, const source_schema* source,
                                  const target_schema* target);

  compiled_mapping(compiled_mapping&&) noexcept;
  compiled_mapping& operator=(compiled_mapping&&) noexcept;
  ~compiled_mapping();

  const mapping_spec& spec() const noexcept;
  /// True when the record's source fields pass the filters (always without filters).
  bool passes(const boost::json::object& source_fields) const;
  /// Builds the payloads from a record's source fields and its key, allocated from `storage`
  /// (a sink may give a per-call monotonic resource). Throws value_error.
  target_payload build(const boost::json::object& source_fields, std::string_view key,
                       boost::json::storage_ptr storage = {}) const;

 private:
  struct impl;
  explicit compiled_mapping(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// A stable hash of a payload (SHA-256 of its canonical JSON, keys sorted), hex.
std::string payload_hash(const boost::json::object& payload);

/// payload_hash() for one payload after another: keeps its SHA-256 implementation, digest
/// context and text buffer between calls (a sink hashes every record it writes). Not
/// thread-safe: one per thread.
class payload_hasher {
 public:
  payload_hasher();
  ~payload_hasher();
  payload_hasher(const payload_hasher&) = delete;
  payload_hasher& operator=(const payload_hasher&) = delete;

  /// payload_hash(payload). Throws std::runtime_error when the digest fails.
  std::string operator()(const boost::json::object& payload);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Campaign's date-time wire form: "2024-05-01 13:45:00.000Z" from Dataverse's
/// "2024-05-01T13:45:00Z"; nullopt when the text is not a date-time.
std::optional<std::string> to_campaign_datetime(std::string_view iso);

}  // namespace switchboard::mapping
