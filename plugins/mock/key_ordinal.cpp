// Key ordinals: trailing decimal digits of a key, or its hash.
#include "key_ordinal.hpp"

#include <functional>

namespace switchboard::mock {

std::uint64_t key_ordinal(std::string_view key) noexcept {
  std::size_t begin = key.size();
  while (begin > 0 && key[begin - 1] >= '0' && key[begin - 1] <= '9') --begin;
  if (begin == key.size()) return std::hash<std::string_view>{}(key);
  // 19 digits always fit in 64 bits.
  if (key.size() - begin > 19) begin = key.size() - 19;
  std::uint64_t ordinal = 0;
  for (std::size_t i = begin; i < key.size(); ++i) {
    ordinal = ordinal * 10 + static_cast<std::uint64_t>(key[i] - '0');
  }
  return ordinal;
}

bool is_every_kth(std::string_view key, std::uint64_t every) noexcept {
  return every != 0 && (key_ordinal(key) + 1) % every == 0;
}

}  // namespace switchboard::mock
