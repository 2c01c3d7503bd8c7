// Id map look-ups of many keys at once: what a state store may offer besides state_store, for
// the engine to read a batch's entries before its sink asks for them one by one.
#pragma once

#include "switchboard/host/state_store.hpp"

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace switchboard::host {

/// Implemented by state stores whose single look-ups carry a fixed cost worth sharing (the
/// SQLite store: a read transaction, with its file locks, per statement). The engine finds it
/// with dynamic_cast and does without when a store does not offer it.
class batch_id_reader {
 public:
  virtual ~batch_id_reader() = default;
  /// The entries of `keys` in the order given (nullopt: no entry), as find_id() would return
  /// them, read in one transaction. Throws std::runtime_error like find_id().
  virtual std::vector<std::optional<id_entry>> find_ids(const route_key& route,
                                                        std::span<const std::string_view> keys) = 0;
};

}  // namespace switchboard::host
