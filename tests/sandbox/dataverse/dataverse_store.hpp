// The emulated environment's data: its tables, the change version counter and every mutation.
#pragma once

#include "sandbox/dataverse/table_store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// All tables and their mutations. Keeps createdon/modifiedon, fullname, the change versions,
/// the activitypointer rows of activities and the undo journal of a change set. Not
/// thread-safe: the emulator holds its lock around every call.
class dataverse_store {
 public:
  using clock_function = std::function<std::chrono::system_clock::time_point()>;

  explicit dataverse_store(clock_function clock);

  /// Adds a table, or replaces a table's definition keeping its rows (cells matched by column
  /// name) and change history. Throws std::invalid_argument.
  void define(const table_definition& definition);
  table_store* by_logical(std::string_view logical_name);
  const table_store* by_logical(std::string_view logical_name) const;
  table_store* by_set(std::string_view entity_set_name);
  /// Every table, ordered by logical name.
  std::vector<const table_store*> tables() const;

  /// The last version handed out.
  std::uint64_t version() const noexcept { return version_; }
  /// Hands out the next version.
  std::uint64_t bump() noexcept { return ++version_; }
  std::chrono::system_clock::time_point now() const { return clock_(); }
  std::string new_id();
  std::mt19937_64& rng() noexcept { return rng_; }

  /// Starts recording undo information (a $batch change set, an UpsertMultiple); may nest.
  void begin_change_set();
  /// Keeps the changes made since the matching begin_change_set().
  void commit_change_set();
  /// Undoes the changes made since the matching begin_change_set().
  void rollback_change_set();

  /// Creates a row from cells by ordinal (nulls take the column default). Throws
  /// odata_exception 412 on a duplicate id or alternate key.
  void insert(table_store& table, const std::string& id, std::vector<boost::json::value> cells);
  /// Changes some cells of an existing row. Throws odata_exception 412 on a duplicate key.
  void update(table_store& table, const std::string& id,
              const std::vector<std::pair<int, boost::json::value>>& changes);
  /// Deletes a row (and an activity's parties and activitypointer row). False if absent.
  bool remove(table_store& table, std::string_view id);
  /// Replaces the activity parties of an activity: each item is a partyid lookup cell and a
  /// participation type mask.
  void replace_parties(const table_store& activity_table, const std::string& activity_id,
                       const std::vector<std::pair<boost::json::value, int>>& parties);
  /// The primary name of a row (lookup FormattedValue), or nullopt.
  std::optional<std::string> display_name(std::string_view logical_name, std::string_view id) const;

 private:
  void record(table_store& table, std::string_view id);
  void derive(const table_store& table, row& value) const;
  void check_keys(const table_store& table, const std::string& id, const row& value) const;
  void mirror_activity(const table_store& table, const std::string& id, const row& value);

  clock_function clock_;
  std::mt19937_64 rng_;
  std::uint64_t version_ = 1000;
  std::map<std::string, std::unique_ptr<table_store>, std::less<>> tables_;
  std::map<std::string, std::string, std::less<>> set_to_logical_;
  std::vector<std::pair<table_store*, table_store::saved_state>> journal_;
  std::vector<std::size_t> change_sets_;  ///< journal sizes where open change sets began
};

}  // namespace switchboard::sandbox::dataverse
