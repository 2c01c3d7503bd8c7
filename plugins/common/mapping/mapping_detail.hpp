// Internal to the mapping engine: value helpers, date-time parsing, converters and the compiled
// filter shared by its implementation files. Not included by plugins.
#pragma once

#include "mapping.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::mapping::detail {

/// "mapping \"<name>\": <pointer>: <reason>" (the pointer is left out when empty).
std::string error_text(std::string_view mapping_name, std::string_view pointer,
                       std::string_view reason);
[[noreturn]] void fail(std::string_view mapping_name, std::string_view pointer,
                       std::string_view reason);

/// Escapes a JSON object key for use in a JSON pointer ("~" → "~0", "/" → "~1").
std::string pointer_token(std::string_view key);

/// "string", "number", "boolean", "null", "object", "array".
std::string_view kind_name(const boost::json::value& v) noexcept;
/// The value as JSON for messages, shortened when long.
std::string describe(const boost::json::value& v);
/// "null", or the kind and the value: `string "abc"`, `number 5`, for "got …" in messages.
std::string kind_and_value(const boost::json::value& v);
/// String, number, boolean or null.
bool is_scalar(const boost::json::value& v) noexcept;
bool is_number(const boost::json::value& v) noexcept;

/// Typed exact equality: numbers by value (1 == 1.0), strings byte-wise, booleans, null.
/// Values of different kinds are never equal; objects and arrays compare structurally.
bool same_value(const boost::json::value& a, const boost::json::value& b) noexcept;
/// Orders two numbers or two strings (-1, 0, 1); nullopt for any other pair.
std::optional<int> compare_values(const boost::json::value& a,
                                  const boost::json::value& b) noexcept;

/// A calendar date-time in UTC with milliseconds.
struct utc_time {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millisecond = 0;
};
/// "YYYY-MM-DD" with a valid calendar date.
std::optional<utc_time> parse_date(std::string_view text) noexcept;
/// RFC 3339-like date-time ("T" or space, optional fraction, "Z", "±HH:MM" or no zone = UTC),
/// normalised to UTC.
std::optional<utc_time> parse_date_time(std::string_view text) noexcept;
std::string format_date(const utc_time& t);
std::string format_campaign_date_time(const utc_time& t);

/// How one field's value becomes a target value, chosen at compile time.
enum class converter : std::uint8_t {
  pass,  ///< unchanged (no target type known, or target type other)
  to_boolean,
  to_integer,
  to_double,
  to_string,
  to_date,
  to_date_time,
  to_enumeration,
  to_link,  ///< an object from the link resolver; a string GUID is an unresolved link
};

/// The converter writing a target_type.
converter converter_for(target_type t) noexcept;
/// True when a column of type `from` (its label when `labels`) may be written to `to`.
bool convertible(source_type from, bool labels, target_type to) noexcept;
/// Converts a non-null value; nullopt when the value cannot be written.
std::optional<boost::json::value> convert(converter c, const boost::json::value& v);

/// The kind of JSON values a column of this type carries, for checking configured values
/// against the schema.
enum class value_family : std::uint8_t { boolean, number, string, any };
value_family family_of(source_type t, bool labels) noexcept;
bool fits_family(const boost::json::value& v, value_family f) noexcept;
/// "numbers", "strings", … for "whose values are …".
std::string_view plural_name(value_family f) noexcept;

/// Checks the rules of a spec that do not depend on JSON syntax: non-empty names, one-to-one
/// fields, the key not mapped, replacements on mapped fields and unique, filter values.
/// Shared by parse_mapping and compile (a spec may also be built in code).
void check_spec(const mapping_spec& spec);

/// A filter row with its operand prepared once.
struct compiled_rule {
  std::string field;
  filter_op op = filter_op::eq;
  boost::json::value operand;           ///< eq, ne, gt, ge, lt, le
  std::string text;                     ///< contains, startswith, endswith
  std::vector<boost::json::value> set;  ///< in
};

class compiled_filter {
 public:
  compiled_filter() = default;
  explicit compiled_filter(const mapping_spec& spec);
  bool passes(const boost::json::object& fields) const;

 private:
  std::vector<compiled_rule> rules_;
  filter_combine combine_ = filter_combine::all;
};

}  // namespace switchboard::mapping::detail
