// The emulated environment's data: its tables, the change version counter and every mutation.
#include "sandbox/dataverse/dataverse_store.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <stdexcept>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void set_cell(const table_store& table, row& value, std::string_view column, json::value cell) {
  const int index = table.column_index(column);
  if (index >= 0) value.cells[static_cast<std::size_t>(index)] = std::move(cell);
}

const json::value* cell_of(const table_store& table, const row& value, std::string_view column) {
  const int index = table.column_index(column);
  return index < 0 ? nullptr : &value.cells[static_cast<std::size_t>(index)];
}

}  // namespace

dataverse_store::dataverse_store(clock_function clock)
    : clock_(clock ? std::move(clock) : clock_function(&std::chrono::system_clock::now)),
      rng_(std::random_device{}()) {}

void dataverse_store::define(const table_definition& definition) {
  auto completed = complete_definition(definition);
  for (const auto& [name, table] : tables_) {
    if (name != completed.logical_name &&
        table->definition().entity_set_name == completed.entity_set_name) {
      throw std::invalid_argument("entity set name " + completed.entity_set_name +
                                  " is already used by table " + name);
    }
  }
  auto fresh = std::make_unique<table_store>(completed);
  const auto existing = tables_.find(completed.logical_name);
  if (existing != tables_.end()) {
    const auto& old = *existing->second;
    for (const auto& [id, old_row] : old.rows()) {
      row moved;
      moved.version = old_row.version;
      moved.cells.resize(completed.columns.size());
      for (std::size_t i = 0; i < completed.columns.size(); ++i) {
        const int from = old.column_index(completed.columns[i].logical_name);
        if (from >= 0) moved.cells[i] = old_row.cells[static_cast<std::size_t>(from)];
      }
      if (const auto* key = fresh->key_conflict(id, moved)) {
        throw std::invalid_argument("table " + completed.logical_name +
                                    ": existing rows break key " + key->name);
      }
      fresh->put(id, std::move(moved));
    }
    for (const auto& [version, id] : old.tombstones()) {
      fresh->restore({id, std::nullopt, version});
    }
    set_to_logical_.erase(old.definition().entity_set_name);
  }
  set_to_logical_[completed.entity_set_name] = completed.logical_name;
  tables_[completed.logical_name] = std::move(fresh);
}

table_store* dataverse_store::by_logical(std::string_view logical_name) {
  const auto it = tables_.find(logical_name);
  return it == tables_.end() ? nullptr : it->second.get();
}

const table_store* dataverse_store::by_logical(std::string_view logical_name) const {
  const auto it = tables_.find(logical_name);
  return it == tables_.end() ? nullptr : it->second.get();
}

table_store* dataverse_store::by_set(std::string_view entity_set_name) {
  const auto it = set_to_logical_.find(entity_set_name);
  return it == set_to_logical_.end() ? nullptr : by_logical(it->second);
}

std::vector<const table_store*> dataverse_store::tables() const {
  std::vector<const table_store*> out;
  for (const auto& [name, table] : tables_) out.push_back(table.get());
  return out;
}

std::string dataverse_store::new_id() { return random_guid(rng_); }

void dataverse_store::begin_change_set() { change_sets_.push_back(journal_.size()); }

void dataverse_store::commit_change_set() {
  if (change_sets_.empty()) return;
  change_sets_.pop_back();
  if (change_sets_.empty()) journal_.clear();
}

void dataverse_store::rollback_change_set() {
  if (change_sets_.empty()) return;
  const auto mark = change_sets_.back();
  change_sets_.pop_back();
  while (journal_.size() > mark) {
    journal_.back().first->restore(journal_.back().second);
    journal_.pop_back();
  }
}

void dataverse_store::record(table_store& table, std::string_view id) {
  if (!change_sets_.empty()) journal_.emplace_back(&table, table.save(id));
}

void dataverse_store::derive(const table_store& table, row& value) const {
  const int full = table.column_index("fullname");
  const auto* first = cell_of(table, value, "firstname");
  const auto* last = cell_of(table, value, "lastname");
  if (full < 0 || first == nullptr || last == nullptr) return;
  std::string name;
  if (first->is_string()) name = std::string(first->get_string());
  if (last->is_string() && !last->get_string().empty()) {
    name += (name.empty() ? "" : " ") + std::string(last->get_string());
  }
  value.cells[static_cast<std::size_t>(full)] =
      name.empty() ? json::value(nullptr) : json::value(json::string(name));
}

void dataverse_store::check_keys(const table_store& table, const std::string& id,
                                 const row& value) const {
  const auto* key = table.key_conflict(id, value);
  if (key == nullptr) return;
  std::string names;
  for (const auto& column : key->columns) {
    const int index = table.column_index(column);
    names += (names.empty() ? "" : ", ") + table.column(index).display_name;
  }
  fail({412, std::string(codes::duplicate_record),
        "A record that has the attribute values " + names + " already exists. The entity key " +
            key->name +
            " requires that this set of attributes contains unique values. Select unique values "
            "and try again."});
}

void dataverse_store::insert(table_store& table, const std::string& id,
                             std::vector<json::value> cells) {
  if (table.find(id) != nullptr) {
    fail({412, std::string(codes::duplicate_record),
          "A record with matching key values already exists."});
  }
  const auto& definition = table.definition();
  row value;
  value.cells = std::move(cells);
  value.cells.resize(definition.columns.size());
  for (std::size_t i = 0; i < definition.columns.size(); ++i) {
    const auto& column = definition.columns[i];
    if (!value.cells[i].is_null()) continue;
    if (!column.default_value.is_null()) {
      value.cells[i] = column.default_value;
    } else if (column.type == column_type::boolean) {
      value.cells[i] = false;
    }
  }
  value.cells[static_cast<std::size_t>(table.primary_index())] = json::string(id);
  const auto now = iso_date_time(epoch_seconds(clock_()));
  set_cell(table, value, "createdon", json::string(now));
  set_cell(table, value, "modifiedon", json::string(now));
  if (definition.is_activity || definition.logical_name == "activitypointer") {
    if (const auto* code = cell_of(table, value, "activitytypecode"); code && code->is_null()) {
      set_cell(table, value, "activitytypecode", json::string(definition.logical_name));
    }
  }
  derive(table, value);
  check_keys(table, id, value);
  record(table, id);
  value.version = bump();
  table.put(id, value);
  mirror_activity(table, id, value);
}

void dataverse_store::update(table_store& table, const std::string& id,
                             const std::vector<std::pair<int, json::value>>& changes) {
  const row* current = table.find(id);
  if (current == nullptr) fail(record_not_found(table.definition().logical_name, id));
  row next = *current;
  for (const auto& [index, cell] : changes) next.cells[static_cast<std::size_t>(index)] = cell;
  set_cell(table, next, "modifiedon", json::string(iso_date_time(epoch_seconds(clock_()))));
  derive(table, next);
  check_keys(table, id, next);
  record(table, id);
  next.version = bump();
  table.put(id, next);
  mirror_activity(table, id, next);
}

bool dataverse_store::remove(table_store& table, std::string_view id) {
  if (table.find(id) == nullptr) return false;
  const std::string key(id);
  record(table, key);
  table.erase(key, bump());
  if (!table.definition().is_activity) return true;
  if (auto* pointer = by_logical("activitypointer"); pointer && pointer->find(key)) {
    record(*pointer, key);
    pointer->erase(key, bump());
  }
  replace_parties(table, key, {});
  return true;
}

void dataverse_store::replace_parties(const table_store& activity_table,
                                      const std::string& activity_id,
                                      const std::vector<std::pair<json::value, int>>& parties) {
  auto* party_table = by_logical("activityparty");
  if (party_table == nullptr) return;
  const int activity_column = party_table->column_index("activityid");
  std::vector<std::string> stale;
  for (const auto& [id, value] : party_table->rows()) {
    const auto wire = wire_value(party_table->column(activity_column),
                                 value.cells[static_cast<std::size_t>(activity_column)]);
    if (wire.is_string() && wire.get_string() == activity_id) stale.push_back(id);
  }
  for (const auto& id : stale) {
    record(*party_table, id);
    party_table->erase(id, bump());
  }
  for (const auto& [party, mask] : parties) {
    std::vector<json::value> cells(party_table->definition().columns.size());
    cells[static_cast<std::size_t>(activity_column)] =
        lookup_cell(activity_id, activity_table.definition().logical_name);
    cells[static_cast<std::size_t>(party_table->column_index("partyid"))] = party;
    cells[static_cast<std::size_t>(party_table->column_index("participationtypemask"))] = mask;
    insert(*party_table, new_id(), std::move(cells));
  }
}

void dataverse_store::mirror_activity(const table_store& table, const std::string& id,
                                      const row& value) {
  if (!table.definition().is_activity) return;
  auto* pointer = by_logical("activitypointer");
  if (pointer == nullptr) return;
  row mirrored;
  mirrored.cells.resize(pointer->definition().columns.size());
  for (std::size_t i = 0; i < mirrored.cells.size(); ++i) {
    const int from = table.column_index(pointer->definition().columns[i].logical_name);
    if (from >= 0) mirrored.cells[i] = value.cells[static_cast<std::size_t>(from)];
  }
  set_cell(*pointer, mirrored, "activitytypecode", json::string(table.definition().logical_name));
  record(*pointer, id);
  mirrored.version = bump();
  pointer->put(id, std::move(mirrored));
}

std::optional<std::string> dataverse_store::display_name(std::string_view logical_name,
                                                         std::string_view id) const {
  const auto* table = by_logical(logical_name);
  if (table == nullptr || table->name_index() < 0) return std::nullopt;
  const auto* value = table->find(id);
  if (value == nullptr) return std::nullopt;
  const auto& cell = value->cells[static_cast<std::size_t>(table->name_index())];
  if (!cell.is_string()) return std::nullopt;
  return std::string(cell.get_string());
}

}  // namespace switchboard::sandbox::dataverse
