// The ordinal of a record key, which the fault injection options of the mock components use.
#pragma once

#include <cstdint>
#include <string_view>

namespace switchboard::mock {

/// The number formed by the key's trailing decimal digits (at most the last 19), or
/// std::hash of the key when it does not end in a digit. "rec-0000000041" → 41.
std::uint64_t key_ordinal(std::string_view key) noexcept;

/// True when `every` is set and the key's ordinal is the every-th: (ordinal + 1) % every == 0.
bool is_every_kth(std::string_view key, std::uint64_t every) noexcept;

}  // namespace switchboard::mock
