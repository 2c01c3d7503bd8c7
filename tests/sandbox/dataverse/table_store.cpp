// The rows of one emulated table, ordered by id, with their change versions, deletions and keys.
#include "sandbox/dataverse/table_store.hpp"

#include "sandbox/dataverse/cell_values.hpp"

#include <boost/json.hpp>

namespace switchboard::sandbox::dataverse {

table_store::table_store(table_definition definition) : definition_(std::move(definition)) {
  for (std::size_t i = 0; i < definition_.columns.size(); ++i) {
    const auto& c = definition_.columns[i];
    by_name_[c.logical_name] = static_cast<int>(i);
    by_property_[property_name(c)] = static_cast<int>(i);
  }
  primary_index_ = column_index(definition_.primary_id);
  name_index_ = column_index(definition_.primary_name);
  for (const auto& key : definition_.keys) {
    std::vector<int> columns;
    for (const auto& name : key.columns) columns.push_back(column_index(name));
    key_columns_.push_back(std::move(columns));
  }
  key_indexes_.resize(definition_.keys.size());
}

int table_store::column_index(std::string_view logical_name) const noexcept {
  const auto it = by_name_.find(std::string(logical_name));
  return it == by_name_.end() ? -1 : it->second;
}

int table_store::property_index(std::string_view property) const noexcept {
  const auto it = by_property_.find(std::string(property));
  return it == by_property_.end() ? -1 : it->second;
}

const row* table_store::find(std::string_view id) const {
  const auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second;
}

std::string table_store::key_text(std::size_t key,
                                  const std::vector<boost::json::value>& cells) const {
  std::string text;
  for (const int index : key_columns_[key]) {
    const auto wire = wire_value(column(index), cells[static_cast<std::size_t>(index)]);
    if (wire.is_null()) return "";
    text +=
        lowercase(wire.is_string() ? std::string(wire.get_string()) : boost::json::serialize(wire));
    text += '\x1f';
  }
  return text;
}

std::optional<std::string> table_store::find_by_key(
    std::size_t key, const std::vector<boost::json::value>& cells) const {
  if (key >= key_indexes_.size()) return std::nullopt;
  const auto text = key_text(key, cells);
  if (text.empty()) return std::nullopt;
  const auto it = key_indexes_[key].find(text);
  if (it == key_indexes_[key].end()) return std::nullopt;
  return it->second;
}

const alternate_key* table_store::key_conflict(std::string_view id, const row& candidate) const {
  for (std::size_t k = 0; k < key_indexes_.size(); ++k) {
    const auto text = key_text(k, candidate.cells);
    if (text.empty()) continue;
    const auto it = key_indexes_[k].find(text);
    if (it != key_indexes_[k].end() && it->second != id) return &definition_.keys[k];
  }
  return nullptr;
}

void table_store::index(const std::string& id, const row& value) {
  versions_[value.version] = id;
  for (std::size_t k = 0; k < key_indexes_.size(); ++k) {
    const auto text = key_text(k, value.cells);
    if (!text.empty()) key_indexes_[k][text] = id;
  }
}

void table_store::unindex(const std::string& id, const row& value) {
  versions_.erase(value.version);
  for (std::size_t k = 0; k < key_indexes_.size(); ++k) {
    const auto text = key_text(k, value.cells);
    if (text.empty()) continue;
    const auto it = key_indexes_[k].find(text);
    if (it != key_indexes_[k].end() && it->second == id) key_indexes_[k].erase(it);
  }
}

void table_store::drop_tombstone(const std::string& id) {
  const auto it = tombstone_of_.find(id);
  if (it == tombstone_of_.end()) return;
  tombstones_.erase(it->second);
  tombstone_of_.erase(it);
}

void table_store::put(const std::string& id, row value) {
  const auto it = rows_.find(id);
  if (it != rows_.end()) {
    unindex(id, it->second);
    it->second = std::move(value);
    index(id, it->second);
    return;
  }
  drop_tombstone(id);
  const auto inserted = rows_.emplace(id, std::move(value)).first;
  index(id, inserted->second);
}

bool table_store::erase(std::string_view id, std::uint64_t version) {
  const auto it = rows_.find(id);
  if (it == rows_.end()) return false;
  const std::string key = it->first;
  unindex(key, it->second);
  rows_.erase(it);
  tombstones_[version] = key;
  tombstone_of_[key] = version;
  return true;
}

table_store::saved_state table_store::save(std::string_view id) const {
  saved_state state;
  state.id = std::string(id);
  if (const auto* r = find(id)) state.previous = *r;
  if (const auto it = tombstone_of_.find(state.id); it != tombstone_of_.end()) {
    state.tombstone = it->second;
  }
  return state;
}

void table_store::restore(const saved_state& state) {
  if (const auto it = rows_.find(state.id); it != rows_.end()) {
    unindex(state.id, it->second);
    rows_.erase(it);
  }
  drop_tombstone(state.id);
  if (state.previous) {
    const auto inserted = rows_.emplace(state.id, *state.previous).first;
    index(state.id, inserted->second);
  }
  if (state.tombstone) {
    tombstones_[*state.tombstone] = state.id;
    tombstone_of_[state.id] = *state.tombstone;
  }
}

}  // namespace switchboard::sandbox::dataverse
