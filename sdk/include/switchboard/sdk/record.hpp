// Records, batches and cursors: the data that flows through a route.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace switchboard::sdk {

/// What a record asks the target to do.
enum class operation : std::uint8_t {
  /// Create the record or update it if the key exists.
  upsert,
  /// Delete the record with this key (fields may be empty).
  remove,
};

/// One record, as read by a source and transformed by processors. Moved, not copied, through
/// the pipeline: a stage owns the record while it holds it.
struct record {
  /// The record's key in the source system (e.g. a Dataverse contactid). Never empty.
  std::string key;
  /// Upsert or delete.
  operation op = operation::upsert;
  /// The record's fields. Crosses stages as a parsed value: no stage re-parses text.
  boost::json::object fields;
  /// When the source says the record last changed; the epoch when the source does not know.
  std::chrono::system_clock::time_point source_time{};
};

/// An opaque position in a source. The host stores it and hands it back to the same source
/// after a restart; only the source interprets `token`. An empty token means "the beginning".
struct cursor {
  std::string token;

  bool empty() const noexcept { return token.empty(); }
  friend bool operator==(const cursor&, const cursor&) = default;
};

/// What one read of a source produced.
struct batch {
  /// The records, in source order.
  std::vector<record> records;
  /// The position just after the last record of this batch. The host persists it only once
  /// every record of this batch and of all earlier batches is acknowledged or dead-lettered.
  cursor next;
  /// True when the source had nothing more to give right now (the host then waits for the
  /// route's poll interval, or, in a one-shot run, ends the route).
  bool caught_up = false;
};

}  // namespace switchboard::sdk
