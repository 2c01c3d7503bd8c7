// Deterministic record generation for mock.source, shared with the host benchmark's baseline.
#pragma once

#include "switchboard/sdk/record.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::mock {

/// The most fields a generated record has ("id" plus f1..f63).
inline constexpr std::uint32_t max_generated_fields = 64;

/// What generated records look like. Depends only on these values and the record index.
struct generator_options {
  std::uint64_t seed = 1;
  /// Number of fields: "id", then f1..f(fields-1); clamped to max_generated_fields.
  std::uint32_t fields = 4;
  /// Prepended to the zero-padded index to form the key.
  std::string key_prefix = "rec-";
};

/// The SplitMix64 mixing function: a well-distributed 64-bit hash of `x`.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  std::uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The source time of record `index`: 2026-01-01T00:00:00Z plus `index` seconds.
std::chrono::system_clock::time_point generated_source_time(std::uint64_t index) noexcept;

/// Replaces `out` with `prefix` followed by `index` zero-padded to 10 digits ("rec-0000000042").
void generate_key(std::uint64_t index, std::string_view prefix, std::string& out);

/// Replaces `out` with record `index`: the key, an upsert, the fields and the source time.
/// Field "id" is the index; field fj (j >= 1) derives from splitmix64(seed ^ index ^ j) and
/// cycles through the types int64, string (8 to 16 characters), bool and double.
/// Reuses the storage `out` already owns.
void generate_record(std::uint64_t index, const generator_options& options, sdk::record& out);

}  // namespace switchboard::mock
