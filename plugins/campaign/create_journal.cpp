// The crash journal: loading, carrying and persisting the keys of creates not yet committed.
#include "create_journal.hpp"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

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
      written_ = *text;
      written_count_ = restored_.size();
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
  // The union of the three sets, each key once, without copying them into a fourth: a call
  // of thousands of creates persists before each of its parts.
  std::string text = "[";
  std::size_t count = 0;
  json::serializer serializer;
  const auto add = [&](const std::string& key) {
    if (count++ > 0) text += ',';
    serializer.reset(json::string_view(key));
    char buffer[256];
    while (!serializer.done()) {
      const auto part = serializer.read(buffer, sizeof buffer);
      text.append(part.data(), part.size());
    }
  };
  for (const auto& k : call_keys_) add(k);
  for (const auto& k : restored_) {
    if (!call_keys_.contains(k)) add(k);
  }
  std::set<std::string_view> unconfirmed_extra;
  for (const auto& k : unconfirmed_) {
    if (!call_keys_.contains(k) && !restored_.contains(k)) unconfirmed_extra.insert(k);
  }
  for (const auto k : unconfirmed_extra) add(std::string(k));
  text += ']';
  changed_ = false;
  if (count == written_count_ && text == written_) return;
  if (count == 0) {
    state_.erase(state_key);
  } else {
    state_.put(state_key, text);
  }
  written_count_ = count;
  written_ = std::move(text);
}

}  // namespace switchboard::campaign
