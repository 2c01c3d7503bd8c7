// A key-value state in memory, for driving opt-out components without a host.
#pragma once

#include "switchboard/sdk/context.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::test {

class memory_kv final : public sdk::kv_state {
 public:
  std::optional<std::string> get(std::string_view key) override {
    const auto it = values.find(std::string(key));
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  void put(std::string_view key, std::string_view value) override {
    values[std::string(key)] = std::string(value);
    ++puts;
  }
  void erase(std::string_view key) override { values.erase(std::string(key)); }

  std::map<std::string, std::string> values;
  int puts = 0;  ///< put() calls so far
};

}  // namespace switchboard::test
