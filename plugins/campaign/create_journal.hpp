// The crash journal of campaign.resource: source keys the sink may have created in Campaign
// without the host having committed them to the id map yet, kept in the route's state so that
// a restarted sink looks those keys up instead of creating duplicates.
#pragma once

#include "switchboard/sdk/context.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::campaign {

/// Not thread-safe: owned by one sink instance, which the host calls from one thread at a time.
///
/// The host stores the target keys a write() call reports once the whole batch is delivered,
/// before the next batch's first write() call. Until then a created record exists in Campaign
/// only: a kill -9 in between would make a restarted route create it again. So, per call:
///   1. begin_call(): on the first call of this instance, load the journal a previous process
///      left ("restored" keys); forget creates of earlier calls that are now in the id map.
///   2. suspect(key): a restored key, or one whose create had an unknown outcome in the previous
///      call (transport failure, 5xx, answer without PKey): look it up by key before creating.
///   3. record(keys): before any POST of the call, one state write: the keys this call may
///      create, the creates of earlier calls not yet seen committed, the restored keys not yet
///      seen. Skipped when unchanged.
///   4. end_call(): what was created, what may have been created.
class create_journal {
 public:
  /// The route state key (sdk::kv_state) holding a JSON array of source keys.
  static constexpr std::string_view state_key = "campaign.pending_creates";

  create_journal(sdk::kv_state& state, sdk::logger& log) : state_(state), log_(log) {}

  void begin_call(sdk::id_map& ids);
  /// True when a record with this key may exist in Campaign without an id map entry.
  bool suspect(std::string_view key) const;
  /// The key appears in this call: a restored key is then no longer carried.
  void seen(std::string_view key);
  /// Adds keys this call may create and persists the journal if it changed.
  void record(const std::vector<std::string>& creating);
  /// `created`: keys created (or adopted) and reported ok with their PKey. `uncertain`: keys
  /// whose create may have happened although the record is reported retryable.
  /// `any_retryable`: the host will call again with the same batch before committing it.
  void end_call(std::vector<std::string> created, std::set<std::string> uncertain,
                bool any_retryable);

  /// How many keys the journal holds now (tests, logs).
  std::size_t size() const noexcept { return written_count_; }

 private:
  void persist();

  sdk::kv_state& state_;
  sdk::logger& log_;
  bool loaded_ = false;
  std::set<std::string, std::less<>> restored_;
  std::set<std::string, std::less<>> uncertain_;
  std::vector<std::string> unconfirmed_;
  bool check_unconfirmed_ = false;
  std::set<std::string, std::less<>> call_keys_;
  /// What the state holds now (the JSON text) and how many keys.
  std::string written_ = "[]";
  std::size_t written_count_ = 0;
  /// Whether a set persist() reads changed since it last ran: when not, it would find nothing
  /// to write, and record() (called before every round of requests) skips building the sets.
  bool changed_ = true;
};

}  // namespace switchboard::campaign
