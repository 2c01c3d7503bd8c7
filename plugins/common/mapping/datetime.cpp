// Dates and date-times: Dataverse's ISO 8601 forms in, Campaign's wire forms out.
#include "mapping.hpp"
#include "mapping_detail.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace switchboard::mapping {

namespace detail {

namespace {

// Reads exactly `count` ASCII digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) noexcept {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool leap_year(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) noexcept {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && leap_year(y)) return 29;
  return days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) noexcept {
  const std::int64_t year = m <= 2 ? y - 1 : y;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t yoe = year - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(std::int64_t z, int& y, int& m, int& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

// "YYYY-MM-DD" at the start of text.
std::optional<utc_time> date_prefix(std::string_view text) noexcept {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto y = digits(text, 0, 4);
  const auto m = digits(text, 5, 2);
  const auto d = digits(text, 8, 2);
  if (!y || !m || !d || *y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) {
    return std::nullopt;
  }
  utc_time t;
  t.year = *y;
  t.month = *m;
  t.day = *d;
  return t;
}

}  // namespace

std::optional<utc_time> parse_date(std::string_view text) noexcept {
  if (text.size() != 10) return std::nullopt;
  return date_prefix(text);
}

std::optional<utc_time> parse_date_time(std::string_view text) noexcept {
  auto t = date_prefix(text);
  if (!t || text.size() < 19) return std::nullopt;
  const char separator = text[10];
  if (separator != 'T' && separator != 't' && separator != ' ') return std::nullopt;
  if (text[13] != ':' || text[16] != ':') return std::nullopt;
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  t->hour = *hour;
  t->minute = *minute;
  t->second = *second;

  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    int millis = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Milliseconds are truncated, not rounded, so a value never moves to the next second.
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    const std::size_t count = pos - start;
    if (count == 0 || count > 9) return std::nullopt;
    for (std::size_t i = count; i < 3; ++i) millis *= 10;
    t->millisecond = millis;
  }

  int offset_minutes = 0;
  if (pos < text.size()) {
    const char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      if (pos + 1 != text.size()) return std::nullopt;
    } else if (zone == '+' || zone == '-') {
      if (text.size() != pos + 6 || text[pos + 3] != ':') return std::nullopt;
      const auto oh = digits(text, pos + 1, 2);
      const auto om = digits(text, pos + 4, 2);
      if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
      offset_minutes = (*oh * 60 + *om) * (zone == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  if (offset_minutes == 0) return t;

  // Local time minus its offset is UTC.
  const std::int64_t minutes =
      days_from_civil(t->year, t->month, t->day) * 1440 + t->hour * 60 + t->minute - offset_minutes;
  std::int64_t days = minutes / 1440;
  std::int64_t minute_of_day = minutes % 1440;
  if (minute_of_day < 0) {
    minute_of_day += 1440;
    --days;
  }
  civil_from_days(days, t->year, t->month, t->day);
  t->hour = static_cast<int>(minute_of_day / 60);
  t->minute = static_cast<int>(minute_of_day % 60);
  if (t->year < 1 || t->year > 9999) return std::nullopt;
  return t;
}

std::string format_date(const utc_time& t) {
  return fmt::format("{:04}-{:02}-{:02}", t.year, t.month, t.day);
}

std::string format_campaign_date_time(const utc_time& t) {
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}Z", t.year, t.month, t.day, t.hour,
                     t.minute, t.second, t.millisecond);
}

}  // namespace detail

std::optional<std::string> to_campaign_datetime(std::string_view iso) {
  const auto t = detail::parse_date_time(iso);
  if (!t) return std::nullopt;
  return detail::format_campaign_date_time(*t);
}

}  // namespace switchboard::mapping
