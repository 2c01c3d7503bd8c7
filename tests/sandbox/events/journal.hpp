// The Adobe I/O Events journal of one registration (ordered entries with opaque positions) and
// the generator of deterministic Campaign email events (send, open, click, bounce).
#pragma once

#include "sandbox/jwt/support.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::events {

using jwt::time_point;

struct journal_entry {
  std::string position;
  boost::json::object event;
  time_point written{};
  bool redelivery = false;   ///< a duplicate of an earlier entry (at-least-once delivery)
  bool redelivered = false;  ///< a duplicate of this entry has been appended
};

/// Append-only; entries expire from the front (retention, or expire_first()).
/// Not thread-safe: the emulator serialises access.
class journal {
 public:
  explicit journal(std::uint64_t seed);

  /// The position before the first entry ("since" it returns the whole journal).
  const std::string& head() const noexcept { return head_; }
  /// The position of the last entry, or head() when empty.
  const std::string& last_position() const noexcept;
  void append(boost::json::object event, time_point written, bool redelivery = false);
  std::size_t size() const noexcept { return entries_.size(); }
  const journal_entry& at(std::size_t i) const { return entries_.at(i); }
  journal_entry& at(std::size_t i) { return entries_.at(i); }
  /// The index of the first entry after `position`, or nullopt for an unknown position.
  std::optional<std::size_t> after(std::string_view position) const;
  /// How many entries at the front have expired.
  std::size_t expired(time_point now, std::chrono::seconds retention) const;
  /// Expires the oldest `count` more entries now.
  void expire_first(std::size_t count) noexcept { manually_expired_ += count; }

 private:
  std::string next_position();

  jwt::seeded_random random_;
  std::string head_;
  std::vector<journal_entry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::size_t manually_expired_ = 0;
};

/// What "send_delivery" generates: events in journal order and counts per type.
struct delivery_events {
  std::vector<boost::json::object> events;
  std::size_t sends = 0;
  std::size_t opens = 0;
  std::size_t clicks = 0;
  std::size_t bounces = 0;
};

/// Builds the events of one delivery from a control body:
/// {"campaign": id | {"id","name"}, "delivery": id | {"id","name"},
///  "profiles": [{"pkey","externalId","email"}], "opens": f, "clicks": f, "bounces": f,
///  "seed": S, "url": click URL, "at": first send time, "shuffle": bool}.
/// Each profile gets a send; a `bounces` fraction then a hard bounce; the others an open with
/// probability `opens` and a click with overall probability `clicks` (clicks only after opens).
/// Same body and seed, same events (ids included). Throws jwt::control_failure.
delivery_events generate_delivery(const boost::json::object& spec, time_point now,
                                  std::string_view mirror_page_base);

}  // namespace switchboard::sandbox::events
