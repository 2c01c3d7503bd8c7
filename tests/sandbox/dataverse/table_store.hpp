// The rows of one emulated table, ordered by id, with their change versions, deletions and keys.
#pragma once

#include "sandbox/dataverse/table_schema.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// One row: a cell per column (by ordinal; lookups as {"id","table"}) and the version of its
/// last change (the etag and change-tracking position).
struct row {
  std::vector<boost::json::value> cells;
  std::uint64_t version = 0;
};

/// A table's rows. Not thread-safe (the emulator holds its lock around every call).
/// Rows are kept ordered by id, live rows also by version, deletions as tombstones by version,
/// so paging and change tracking are O(page) rather than O(table).
class table_store {
 public:
  explicit table_store(table_definition definition);

  const table_definition& definition() const noexcept { return definition_; }
  /// The ordinal of a column by logical name, or -1.
  int column_index(std::string_view logical_name) const noexcept;
  /// The ordinal of a column by property name ("_x_value" for lookups), or -1.
  int property_index(std::string_view property) const noexcept;
  const column_definition& column(int index) const { return definition_.columns.at(index); }
  int primary_index() const noexcept { return primary_index_; }
  int name_index() const noexcept { return name_index_; }

  const row* find(std::string_view id) const;
  /// The id of the row whose key columns hold these cells, or nullopt.
  std::optional<std::string> find_by_key(std::size_t key,
                                         const std::vector<boost::json::value>& cells) const;
  /// The alternate key that another row already holds with the key values of `candidate`.
  const alternate_key* key_conflict(std::string_view id, const row& candidate) const;

  /// Inserts or replaces a row (its version must be new) and drops a tombstone of the same id.
  void put(const std::string& id, row value);
  /// Deletes a row, leaving a tombstone at `version`. False when there is no such row.
  bool erase(std::string_view id, std::uint64_t version);

  const std::map<std::string, row, std::less<>>& rows() const noexcept { return rows_; }
  /// Live rows by the version of their last change.
  const std::map<std::uint64_t, std::string>& live_versions() const noexcept { return versions_; }
  /// Deleted ids by the version of their deletion.
  const std::map<std::uint64_t, std::string>& tombstones() const noexcept { return tombstones_; }

  /// What a row id looks like now, to undo a change (change sets).
  struct saved_state {
    std::string id;
    std::optional<row> previous;
    std::optional<std::uint64_t> tombstone;
  };
  saved_state save(std::string_view id) const;
  void restore(const saved_state& state);

 private:
  std::string key_text(std::size_t key, const std::vector<boost::json::value>& cells) const;
  void index(const std::string& id, const row& value);
  void unindex(const std::string& id, const row& value);
  void drop_tombstone(const std::string& id);

  table_definition definition_;
  int primary_index_ = 0;
  int name_index_ = -1;
  std::unordered_map<std::string, int> by_name_;
  std::unordered_map<std::string, int> by_property_;
  std::vector<std::vector<int>> key_columns_;
  std::map<std::string, row, std::less<>> rows_;
  std::map<std::uint64_t, std::string> versions_;
  std::map<std::uint64_t, std::string> tombstones_;
  std::unordered_map<std::string, std::uint64_t> tombstone_of_;
  std::vector<std::unordered_map<std::string, std::string>> key_indexes_;
};

}  // namespace switchboard::sandbox::dataverse
