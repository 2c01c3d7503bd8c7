// Deterministic record generation: keys, fields and source times from an index and a seed.
#include "record_generator.hpp"

#include <boost/json/string_view.hpp>

#include <algorithm>
#include <array>

namespace switchboard::mock {
namespace {

/// Field names f1..f63 as constant text, so generation formats no names at run time.
struct field_name_table {
  std::array<std::array<char, 3>, max_generated_fields> text{};
  std::array<std::uint8_t, max_generated_fields> size{};
};

constexpr field_name_table make_field_names() {
  field_name_table t;
  for (std::uint32_t j = 1; j < max_generated_fields; ++j) {
    t.text[j][0] = 'f';
    if (j < 10) {
      t.text[j][1] = static_cast<char>('0' + j);
      t.size[j] = 2;
    } else {
      t.text[j][1] = static_cast<char>('0' + j / 10);
      t.text[j][2] = static_cast<char>('0' + j % 10);
      t.size[j] = 3;
    }
  }
  return t;
}

constexpr field_name_table field_names = make_field_names();

/// 32 characters: each is picked by 5 bits of a hash.
constexpr std::string_view string_alphabet = "abcdefghijklmnopqrstuvwxyz234567";

constexpr std::chrono::sys_seconds generation_epoch{
    std::chrono::sys_days{std::chrono::year{2026} / std::chrono::January / 1}};

/// Writes a string of 8 to 16 characters derived from `h` into `buf`; returns its length.
std::size_t generated_string(std::uint64_t h, char* buf) noexcept {
  const std::uint64_t more = splitmix64(h);
  const std::size_t length = 8 + static_cast<std::size_t>(more >> 56) % 9;
  // 12 characters from the 60 low bits of h, the rest from the low bits of `more`.
  for (std::size_t k = 0; k < length; ++k) {
    const std::uint64_t bits = k < 12 ? h >> (5 * k) : more >> (5 * (k - 12));
    buf[k] = string_alphabet[bits & 31U];
  }
  return length;
}

}  // namespace

std::chrono::system_clock::time_point generated_source_time(std::uint64_t index) noexcept {
  return std::chrono::system_clock::time_point{generation_epoch} +
         std::chrono::seconds{static_cast<std::int64_t>(index)};
}

void generate_key(std::uint64_t index, std::string_view prefix, std::string& out) {
  char digits[20];
  std::size_t n = 0;
  do {
    digits[sizeof(digits) - 1 - n] = static_cast<char>('0' + index % 10);
    index /= 10;
    ++n;
  } while (index != 0);
  const std::size_t padding = n < 10 ? 10 - n : 0;
  out.clear();
  out.reserve(prefix.size() + padding + n);
  out.append(prefix);
  out.append(padding, '0');
  out.append(digits + sizeof(digits) - n, n);
}

void generate_record(std::uint64_t index, const generator_options& options, sdk::record& out) {
  generate_key(index, options.key_prefix, out.key);
  out.op = sdk::operation::upsert;
  out.source_time = generated_source_time(index);

  const std::uint32_t count = std::min(options.fields, max_generated_fields);
  boost::json::object& fields = out.fields;
  fields.clear();
  if (count == 0) return;
  fields.reserve(count);
  fields.emplace("id", static_cast<std::int64_t>(index));
  for (std::uint32_t j = 1; j < count; ++j) {
    const boost::json::string_view name(field_names.text[j].data(), field_names.size[j]);
    const std::uint64_t h = splitmix64(options.seed ^ index ^ j);
    switch ((j - 1) % 4) {
      case 0:
        fields.emplace(name, static_cast<std::int64_t>(h));
        break;
      case 1: {
        char buf[16];
        fields.emplace(name, boost::json::string_view(buf, generated_string(h, buf)));
        break;
      }
      case 2:
        fields.emplace(name, (h & 1U) != 0);
        break;
      default:
        // A double in [0, 1e6): the top 53 bits scaled.
        fields.emplace(name, static_cast<double>(h >> 11) * 0x1.0p-53 * 1e6);
        break;
    }
  }
}

}  // namespace switchboard::mock
