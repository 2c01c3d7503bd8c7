// Type conversion: which source → target type pairs are allowed (checked at compile time) and
// how one value is converted (by its JSON kind, at build time).
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>

namespace switchboard::mapping::detail {

namespace json = boost::json;

converter converter_for(target_type t) noexcept {
  switch (t) {
    case target_type::boolean:
      return converter::to_boolean;
    case target_type::integer:
      return converter::to_integer;
    case target_type::float_single:
    case target_type::double_precision:
      return converter::to_double;
    case target_type::string:
      return converter::to_string;
    case target_type::date_time:
      return converter::to_date_time;
    case target_type::date:
      return converter::to_date;
    case target_type::enumeration:
      return converter::to_enumeration;
    case target_type::link:
      return converter::to_link;
    case target_type::other:
      break;
  }
  return converter::pass;
}

bool convertible(source_type from, bool labels, target_type to) noexcept {
  using t = target_type;
  if (to == t::other) return true;
  const auto any_of = [to](std::initializer_list<target_type> allowed) {
    return std::find(allowed.begin(), allowed.end(), to) != allowed.end();
  };
  switch (from) {
    case source_type::boolean:
      return any_of({t::boolean, t::integer, t::string});
    case source_type::integer:
      return any_of({t::integer, t::float_single, t::double_precision, t::string, t::boolean,
                     t::enumeration});
    case source_type::decimal:
    case source_type::double_precision:
      return any_of({t::float_single, t::double_precision, t::string, t::integer});
    case source_type::string:
      return any_of({t::string, t::integer, t::float_single, t::double_precision, t::boolean,
                     t::date, t::date_time, t::enumeration});
    case source_type::date_time:
    case source_type::date_only:
      return any_of({t::date_time, t::date, t::string});
    case source_type::picklist:
      if (labels) return any_of({t::string, t::enumeration});
      return any_of({t::integer, t::string, t::enumeration});
    case source_type::lookup:
      return any_of({t::string, t::link});
    case source_type::uniqueidentifier:
    case source_type::other:
      break;
  }
  return to == t::string;
}

namespace {

bool integral(double d) noexcept {
  // 2^63 is exactly representable; [-2^63, 2^63) is the int64 range.
  constexpr double limit = 9223372036854775808.0;
  return std::isfinite(d) && std::trunc(d) == d && d >= -limit && d < limit;
}

std::optional<double> parse_double(std::string_view text) noexcept {
  double d = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

std::optional<json::value> parse_integer(std::string_view text) noexcept {
  std::int64_t i = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && end == text.data() + text.size()) return json::value(i);
  // "12.0" and "1e3" are integers written as decimals; "12.5" is not.
  if (const auto d = parse_double(text); d && integral(*d)) {
    return json::value(static_cast<std::int64_t>(*d));
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Numbers as people write them: integral doubles without ".0" or exponent (up to 10^15),
// others in the shortest form that reads back as the same double.
std::string number_text(const json::value& v) {
  if (v.is_int64()) return fmt::format("{}", v.get_int64());
  if (v.is_uint64()) return fmt::format("{}", v.get_uint64());
  const double d = v.get_double();
  if (integral(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(d));
  return fmt::format("{}", d);
}

std::optional<json::value> to_boolean(const json::value& v) {
  if (v.is_bool()) return v;
  if (v.is_int64()) return json::value(v.get_int64() != 0);
  if (v.is_uint64()) return json::value(v.get_uint64() != 0);
  if (!v.is_string()) return std::nullopt;
  const std::string_view s = v.get_string();
  if (iequals(s, "true") || s == "1") return json::value(true);
  if (iequals(s, "false") || s == "0") return json::value(false);
  return std::nullopt;
}

std::optional<json::value> to_integer(const json::value& v) {
  if (v.is_bool()) return json::value(std::int64_t{v.get_bool() ? 1 : 0});
  if (v.is_int64() || v.is_uint64()) return v;
  if (v.is_double()) {
    if (!integral(v.get_double())) return std::nullopt;
    return json::value(static_cast<std::int64_t>(v.get_double()));
  }
  if (v.is_string()) return parse_integer(v.get_string());
  return std::nullopt;
}

std::optional<json::value> to_double(const json::value& v) {
  if (v.is_int64()) return json::value(static_cast<double>(v.get_int64()));
  if (v.is_uint64()) return json::value(static_cast<double>(v.get_uint64()));
  if (v.is_double()) return v;
  if (v.is_string()) {
    if (const auto d = parse_double(v.get_string())) return json::value(*d);
  }
  return std::nullopt;
}

std::optional<json::value> to_string_value(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return v;
    case json::kind::bool_:
      return json::value(v.get_bool() ? "true" : "false");
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return json::value(number_text(v));
    case json::kind::object:
    case json::kind::array:
      return json::value(json::serialize(v));
    case json::kind::null:
      break;
  }
  return std::nullopt;
}

std::optional<json::value> to_date(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string_view s = v.get_string();
  if (parse_date(s)) return v;
  if (const auto t = parse_date_time(s)) return json::value(format_date(*t));
  return std::nullopt;
}

std::optional<json::value> to_date_time(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  const std::string_view s = v.get_string();
  if (const auto t = parse_date_time(s)) return json::value(format_campaign_date_time(*t));
  if (const auto t = parse_date(s)) return json::value(format_campaign_date_time(*t));
  return std::nullopt;
}

std::optional<json::value> to_enumeration(const json::value& v) {
  if (v.is_string()) return v;
  if (v.is_int64() || v.is_uint64() || (v.is_double() && integral(v.get_double()))) {
    return json::value(number_text(v));
  }
  return std::nullopt;
}

}  // namespace

std::optional<json::value> convert(converter c, const json::value& v) {
  switch (c) {
    case converter::pass:
      return v;
    case converter::to_boolean:
      return to_boolean(v);
    case converter::to_integer:
      return to_integer(v);
    case converter::to_double:
      return to_double(v);
    case converter::to_string:
      return to_string_value(v);
    case converter::to_date:
      return to_date(v);
    case converter::to_date_time:
      return to_date_time(v);
    case converter::to_enumeration:
      return to_enumeration(v);
    case converter::to_link:
      if (v.is_object()) return v;
      break;
  }
  return std::nullopt;
}

value_family family_of(source_type t, bool labels) noexcept {
  switch (t) {
    case source_type::boolean:
      return value_family::boolean;
    case source_type::integer:
    case source_type::decimal:
    case source_type::double_precision:
      return value_family::number;
    case source_type::picklist:
      return labels ? value_family::string : value_family::number;
    case source_type::string:
    case source_type::date_time:
    case source_type::date_only:
    case source_type::lookup:
    case source_type::uniqueidentifier:
      return value_family::string;
    case source_type::other:
      break;
  }
  return value_family::any;
}

bool fits_family(const json::value& v, value_family f) noexcept {
  if (v.is_null()) return true;
  switch (f) {
    case value_family::boolean:
      return v.is_bool();
    case value_family::number:
      return is_number(v);
    case value_family::string:
      return v.is_string();
    case value_family::any:
      break;
  }
  return true;
}

std::string_view plural_name(value_family f) noexcept {
  switch (f) {
    case value_family::boolean:
      return "booleans";
    case value_family::number:
      return "numbers";
    case value_family::string:
      return "strings";
    case value_family::any:
      break;
  }
  return "any values";
}

}  // namespace switchboard::mapping::detail
