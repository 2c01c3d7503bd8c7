// The crash journal: loading, carrying and persisting the keys of creates not yet committed.
#include "create_journal.hpp"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace switchboard::campaign {
namespace json = boost::json;

void create_journal::begin_call(sdk::id_map& ids) {
  call_keys_.clear();
  changed_ = true;
  if (!loaded_) {
    loaded_ = true;
    const auto text = state_.get(state_key);
    if (text && !text->empty()) {
      boost::system::error_code ec;
      const auto value = json::parse(*text, ec);
      if (ec || !value.is_array()) {
        log_.warn(
            fmt::format("ignoring a malformed {} state entry: every record is created "
                        "as usual; a duplicate key error still adopts existing records",
                        state_key));
      } else {
        for (const auto& k : value.as_array()) {
          if (k.is_string()) restored_.emplace(k.as_string());
        }
      }
      written_ = restored_;
      // Keys the host did store need no lookup.
      std::erase_if(restored_, [&ids](const std::string& k) { return ids.find(k).has_value(); });
      if (!restored_.empty()) {
        log_.info(
            fmt::format("{} record(s) may have been created in Campaign by a run that "
                        "ended before the host stored them: they are looked up by key "
                        "before they are created",
                        restored_.size()));
      }
    }
  }
  if (!check_unconfirmed_) {
    unconfirmed_.clear();
    return;
  }
  std::erase_if(unconfirmed_, [&ids](const std::string& k) { return ids.find(k).has_value(); });
}

bool create_journal::suspect(std::string_view key) const {
  return restored_.contains(key) || uncertain_.contains(key);
}

void create_journal::seen(std::string_view key) {
  if (const auto it = restored_.find(key); it != restored_.end()) {
    restored_.erase(it);
    changed_ = true;
  }
}

void create_journal::record(const std::vector<std::string>& creating) {
  for (const auto& key : creating) {
    if (call_keys_.insert(key).second) changed_ = true;
  }
  if (changed_) persist();
}

void create_journal::end_call(std::vector<std::string> created, std::set<std::string> uncertain,
                              bool any_retryable) {
  for (auto& k : created) unconfirmed_.push_back(std::move(k));
  changed_ = true;
  check_unconfirmed_ = any_retryable;
  uncertain_.clear();
  uncertain_.insert(std::make_move_iterator(uncertain.begin()),
                    std::make_move_iterator(uncertain.end()));
}

void create_journal::persist() {
  std::set<std::string, std::less<>> wanted = call_keys_;
  wanted.insert(unconfirmed_.begin(), unconfirmed_.end());
  wanted.insert(restored_.begin(), restored_.end());
  if (wanted == written_) {
    changed_ = false;
    return;
  }
  if (wanted.empty()) {
    state_.erase(state_key);
  } else {
    json::array keys;
    keys.reserve(wanted.size());
    for (const auto& k : wanted) keys.emplace_back(k);
    state_.put(state_key, json::serialize(keys));
  }
  written_ = std::move(wanted);
  changed_ = false;
}

}  // namespace switchboard::campaign
