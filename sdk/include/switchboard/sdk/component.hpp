// The three component interfaces a plugin implements: source, processor, sink.
#pragma once

#include "switchboard/sdk/record.hpp"
#include "switchboard/sdk/status.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace switchboard::sdk {

/// Reads records from a system. One instance serves one route and is called from one thread
/// at a time. Exceptions that escape are turned by the host into retryable failures.
class source {
 public:
  virtual ~source() = default;
  /// Positions the source at `from` (empty = the beginning). Called once before read(), and
  /// again with an empty cursor when the host resynchronises the route.
  virtual status open(const cursor& from) = 0;
  /// Appends up to `max_records` records to `out.records`, sets `out.next` to the position
  /// after them (always, also when it returns no records: the host commits `out.next`, and an
  /// empty cursor means "the beginning") and `out.caught_up` when nothing more is available now.
  /// May return fewer records than asked, or none. On failure, `out` is discarded and the host
  /// retries (retryable), resynchronises (needs_resync) or fails the route (permanent).
  virtual status read(batch& out, std::size_t max_records) = 0;
  /// How many records a full read from the beginning would produce, when the source can tell
  /// (e.g. a table's row count); nullopt when it cannot. Called after open(); the host uses it
  /// for progress and for the replay guard.
  virtual std::optional<std::uint64_t> total_records() { return std::nullopt; }
};

/// A record a processor could not handle, with the reason; the host dead-letters it.
struct rejected_record {
  record rec;
  std::string reason;
};

/// Transforms records between source and sink. Called from one thread at a time.
class processor {
 public:
  virtual ~processor() = default;
  /// Transforms `records` in place: change them, drop them (filtered out: they count as
  /// handled), or move them to `rejected` with a reason. Order should be preserved.
  virtual void process(std::vector<record>& records, std::vector<rejected_record>& rejected) = 0;
};

/// The outcome of writing one record.
enum class write_outcome : std::uint8_t {
  ok,         ///< written (or deliberately skipped as a no-op)
  retryable,  ///< try again later (the host backs off, within the route's retry budget)
  permanent,  ///< will never succeed; the host dead-letters the record with the reason
};

/// Per-record result of a sink write.
struct write_result {
  write_outcome outcome = write_outcome::ok;
  /// Why it failed (lowercase, says what and where); empty on success.
  std::string reason;
  /// The key the target gave the record (e.g. a created profile's PKey); empty if none.
  /// When set on success, the host stores it in the route's id map with `payload_hash`.
  std::string target_key;
  std::string payload_hash;
};

/// Writes records to a system. Called from one thread at a time.
class sink {
 public:
  virtual ~sink() = default;
  /// Writes `records` and fills `results` (same size, same order) before returning. A record
  /// reported ok must be durable in the target: the host may then commit the cursor past it.
  /// An exception that escapes marks every record of the call retryable.
  virtual void write(std::span<const record> records, std::span<write_result> results) = 0;
};

}  // namespace switchboard::sdk
