// Timestamp reading and writing for both services.
#include "timestamps.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <charconv>

namespace switchboard::optout {
namespace {

/// Reads exactly `digits` decimal digits at `pos`; nullopt otherwise.
std::optional<int> number(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  const auto* begin = text.data() + pos;
  const auto [end, ec] = std::from_chars(begin, begin + digits, value);
  if (ec != std::errc{} || end != begin + digits) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text) {
  using namespace std::chrono;
  // 0123456789012345678
  // YYYY-MM-DDTHH:MM:SS
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto y = number(text, 0, 4), mo = number(text, 5, 2), d = number(text, 8, 2);
  const auto h = number(text, 11, 2), mi = number(text, 14, 2), s = number(text, 17, 2);
  if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)},
                            day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  std::size_t pos = 19;
  milliseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int scale = 100;
    const std::size_t first = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += milliseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  minutes offset{0};
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    const auto oh = number(text, pos + 1, 2), om = number(text, pos + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    offset = hours(*oh) + minutes(*om);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return sys_days(date) + hours(*h) + minutes(*mi) + seconds(*s) + fraction - offset;
}

std::string iso_millis(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

}  // namespace switchboard::optout
