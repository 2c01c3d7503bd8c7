// parse_duration: "250ms", "5s", "2m", "1h", "14d" or a bare number of milliseconds.
#include "switchboard/host/config.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace switchboard::host {
namespace {

struct duration_unit {
  std::string_view suffix;
  std::int64_t milliseconds;
};

constexpr std::array<duration_unit, 6> duration_units{{
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
    {"", 1},
}};

std::optional<std::int64_t> unit_factor(std::string_view suffix) {
  for (const auto& unit : duration_units) {
    if (unit.suffix == suffix) return unit.milliseconds;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  const auto factor = unit_factor(text.substr(digits));
  if (!factor) return std::nullopt;
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + digits, count);
  if (error != std::errc() || end != text.data() + digits) return std::nullopt;
  if (count > std::numeric_limits<std::int64_t>::max() / *factor) return std::nullopt;
  return std::chrono::milliseconds(count * *factor);
}

}  // namespace switchboard::host
