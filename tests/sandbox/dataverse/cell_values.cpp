// Column values of the Dataverse emulator: payload validation, wire form, labels, GUIDs, times.
#include "sandbox/dataverse/cell_values.hpp"

#include "sandbox/dataverse/odata_errors.hpp"

#include <fmt/format.h>
#include <openssl/sha.h>
#include <boost/json.hpp>

#include <cmath>
#include <limits>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) noexcept {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

std::string literal_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

[[noreturn]] void type_mismatch(const table_definition& table, const column_definition& column,
                                const json::value& value) {
  fail(payload_error(table.entity_set_name, "Cannot convert the literal '" + literal_text(value) +
                                                "' to the expected type '" +
                                                std::string(edm_type(column.type)) + "'."));
}

[[noreturn]] void out_of_range(const table_definition& table, const column_definition& column,
                               const json::value& value) {
  fail({400, std::string(codes::validation),
        "A validation error occurred. The value " + literal_text(value) + " of '" +
            column.logical_name + "' on record of type '" + table.logical_name +
            "' is outside the valid range. Accepted range: " +
            fmt::format("{} to {}", column.min_value.value_or(0), column.max_value.value_or(0))});
}

void check_range(const table_definition& table, const column_definition& column,
                 const json::value& value, double number) {
  if ((column.min_value && number < *column.min_value) ||
      (column.max_value && number > *column.max_value)) {
    out_of_range(table, column, value);
  }
}

std::string with_thousands(std::string_view integer_digits) {
  std::string out;
  const bool negative = !integer_digits.empty() && integer_digits.front() == '-';
  if (negative) integer_digits.remove_prefix(1);
  for (std::size_t i = 0; i < integer_digits.size(); ++i) {
    if (i > 0 && (integer_digits.size() - i) % 3 == 0) out += ',';
    out += integer_digits[i];
  }
  return negative ? "-" + out : out;
}

std::string grouped_number(double value, int precision) {
  auto text = fmt::format("{:.{}f}", value, precision < 0 ? 0 : precision);
  const auto dot = text.find('.');
  const auto integer_part = text.substr(0, dot);
  const auto fraction = dot == std::string::npos ? std::string() : text.substr(dot);
  return with_thousands(integer_part) + fraction;
}

const option_label* find_option(const column_definition& column, std::int64_t value) {
  for (const auto& o : column.options) {
    if (o.value == value) return &o;
  }
  return nullptr;
}

int sign(double d) noexcept { return d < 0 ? -1 : (d > 0 ? 1 : 0); }

}  // namespace

bool is_guid(std::string_view text) noexcept {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, 36);
  }
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !is_hex(text[i])) return false;
  }
  return true;
}

std::string normalize_guid(std::string_view text) {
  if (!is_guid(text)) return "";
  if (text.size() == 38) text = text.substr(1, 36);
  return lowercase(text);
}

std::string random_guid(std::mt19937_64& rng) {
  const std::uint64_t hi = rng();
  const std::uint64_t lo = rng();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xfff, 0x8000 | ((lo >> 48) & 0x3fff), lo & 0xffffffffffffULL);
}

std::string stable_guid(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  for (int i = 0; i < 16; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (!digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  std::int64_t seconds =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
  if (civil_from_days(floor_div(seconds, 86400)).day != static_cast<unsigned>(day)) {
    return std::nullopt;
  }
  if (text.size() == 10) return seconds;
  int hour = 0, minute = 0, second = 0;
  if ((text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text.size() < 16 ||
      text[13] != ':' || !digits(text, 14, 2, minute)) {
    return std::nullopt;
  }
  std::size_t at = 16;
  if (at < text.size() && text[at] == ':') {
    if (!digits(text, 17, 2, second)) return std::nullopt;
    at = 19;
    if (at < text.size() && text[at] == '.') {
      ++at;
      const auto start = at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
      if (at == start) return std::nullopt;
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  seconds += hour * 3600 + minute * 60 + second;
  if (at == text.size()) return seconds;
  if ((text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) return seconds;
  if ((text[at] == '+' || text[at] == '-') && at + 6 == text.size() && text[at + 3] == ':') {
    int oh = 0, om = 0;
    if (!digits(text, at + 1, 2, oh) || !digits(text, at + 4, 2, om)) return std::nullopt;
    const int offset = (oh * 3600 + om * 60) * (text[at] == '+' ? 1 : -1);
    return seconds - offset;
  }
  return std::nullopt;
}

std::string iso_date_time(std::int64_t epoch_seconds) {
  const auto days = floor_div(epoch_seconds, 86400);
  const auto rest = epoch_seconds - days * 86400;
  const auto date = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", date.year, date.month, date.day,
                     rest / 3600, (rest / 60) % 60, rest % 60);
}

std::string iso_date(std::int64_t epoch_seconds) {
  const auto date = civil_from_days(floor_div(epoch_seconds, 86400));
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

json::value cell_from_payload(const table_definition& table, const column_definition& column,
                              const json::value& value) {
  if (value.is_null()) return nullptr;
  switch (column.type) {
    case column_type::string:
    case column_type::memo: {
      if (!value.is_string()) type_mismatch(table, column, value);
      const auto max = effective_max_length(column);
      if (static_cast<int>(value.get_string().size()) > max) {
        fail({400, std::string(codes::validation),
              "A validation error occurred. The length of the '" + column.logical_name +
                  "' attribute of the '" + table.logical_name +
                  "' entity exceeded the maximum allowed length of '" + std::to_string(max) +
                  "'."});
      }
      return value;
    }
    case column_type::integer:
    case column_type::big_int: {
      if (!value.is_int64() && !value.is_uint64()) type_mismatch(table, column, value);
      if (value.is_uint64() && value.get_uint64() > std::numeric_limits<std::int64_t>::max()) {
        type_mismatch(table, column, value);
      }
      const auto number = value.to_number<std::int64_t>();
      if (column.type == column_type::integer &&
          (number < std::numeric_limits<std::int32_t>::min() ||
           number > std::numeric_limits<std::int32_t>::max())) {
        type_mismatch(table, column, value);
      }
      check_range(table, column, value, static_cast<double>(number));
      return number;
    }
    case column_type::decimal:
    case column_type::double_precision:
    case column_type::money: {
      if (!value.is_number()) type_mismatch(table, column, value);
      const auto number = value.to_number<double>();
      if (!std::isfinite(number)) type_mismatch(table, column, value);
      check_range(table, column, value, number);
      return number;
    }
    case column_type::boolean:
      if (!value.is_bool()) type_mismatch(table, column, value);
      return value;
    case column_type::date_time: {
      if (!value.is_string()) type_mismatch(table, column, value);
      const auto seconds = parse_iso_time(value.get_string());
      if (!seconds) type_mismatch(table, column, value);
      return json::string(iso_date_time(*seconds));
    }
    case column_type::date_only: {
      if (!value.is_string() || value.get_string().size() != 10) {
        type_mismatch(table, column, value);
      }
      const auto seconds = parse_iso_time(value.get_string());
      if (!seconds) type_mismatch(table, column, value);
      return json::string(iso_date(*seconds));
    }
    case column_type::picklist:
    case column_type::state:
    case column_type::status: {
      if (!value.is_int64()) type_mismatch(table, column, value);
      if (find_option(column, value.get_int64()) == nullptr) {
        std::string accepted;
        for (const auto& o : column.options) {
          accepted += (accepted.empty() ? "" : ",") + std::to_string(o.value);
        }
        fail({400, std::string(codes::picklist_range),
              "A validation error occurred. The value " + json::serialize(value) + " of '" +
                  column.logical_name + "' on record of type '" + table.logical_name +
                  "' is outside the valid range. Accepted Values: " + accepted});
      }
      return value;
    }
    case column_type::uniqueidentifier: {
      if (!value.is_string() || !is_guid(value.get_string())) type_mismatch(table, column, value);
      return json::string(normalize_guid(value.get_string()));
    }
    case column_type::lookup:
    case column_type::customer:
      break;
  }
  type_mismatch(table, column, value);
}

json::value lookup_cell(std::string_view id, std::string_view table) {
  json::object o;
  o["id"] = id;
  o["table"] = table;
  return o;
}

json::value wire_value(const column_definition& column, const json::value& cell) {
  if (cell.is_null()) return nullptr;
  if (is_lookup(column.type) && cell.is_object()) {
    if (const auto* id = cell.get_object().if_contains("id")) return *id;
    return nullptr;
  }
  return cell;
}

std::optional<std::string> formatted_value(const column_definition& column,
                                           const json::value& cell) {
  if (cell.is_null()) return std::nullopt;
  switch (column.type) {
    case column_type::boolean: {
      const auto* o = find_option(column, cell.is_bool() && cell.get_bool() ? 1 : 0);
      if (o != nullptr) return o->label;
      return cell.get_bool() ? "Yes" : "No";
    }
    case column_type::picklist:
    case column_type::state:
    case column_type::status: {
      if (!cell.is_int64()) return std::nullopt;
      const auto* o = find_option(column, cell.get_int64());
      if (o == nullptr) return std::nullopt;
      return o->label;
    }
    case column_type::date_time: {
      const auto seconds = parse_iso_time(cell.get_string());
      if (!seconds) return std::nullopt;
      const auto days = floor_div(*seconds, 86400);
      const auto rest = *seconds - days * 86400;
      const auto date = civil_from_days(days);
      const auto hour = rest / 3600;
      const auto hour12 = hour % 12 == 0 ? 12 : hour % 12;
      return fmt::format("{}/{}/{} {}:{:02} {}", date.month, date.day, date.year, hour12,
                         (rest / 60) % 60, hour < 12 ? "AM" : "PM");
    }
    case column_type::date_only: {
      const auto seconds = parse_iso_time(cell.get_string());
      if (!seconds) return std::nullopt;
      const auto date = civil_from_days(floor_div(*seconds, 86400));
      return fmt::format("{}/{}/{}", date.month, date.day, date.year);
    }
    case column_type::integer:
    case column_type::big_int:
      return with_thousands(std::to_string(cell.to_number<std::int64_t>()));
    case column_type::decimal:
    case column_type::double_precision:
      return grouped_number(cell.to_number<double>(), column.precision);
    case column_type::money: {
      const auto number = cell.to_number<double>();
      const auto text = grouped_number(std::fabs(number), column.precision);
      return number < 0 ? "-$" + text : "$" + text;
    }
    default:
      return std::nullopt;
  }
}

int compare_cells(const column_definition& column, const json::value& a, const json::value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null() ? 0 : (a.is_null() ? -1 : 1);
  switch (column.type) {
    case column_type::integer:
    case column_type::big_int:
    case column_type::picklist:
    case column_type::state:
    case column_type::status:
    case column_type::decimal:
    case column_type::double_precision:
    case column_type::money:
      return sign(a.to_number<double>() - b.to_number<double>());
    case column_type::boolean:
      return static_cast<int>(a.get_bool()) - static_cast<int>(b.get_bool());
    default:
      break;
  }
  const auto wa = wire_value(column, a);
  const auto wb = wire_value(column, b);
  const auto left = lowercase(wa.is_string() ? std::string(wa.get_string()) : json::serialize(wa));
  const auto right = lowercase(wb.is_string() ? std::string(wb.get_string()) : json::serialize(wb));
  return left < right ? -1 : (left > right ? 1 : 0);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace switchboard::sandbox::dataverse
