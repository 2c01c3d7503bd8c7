// Reads records from a JSONL file for mock.source, with "line:byte_offset" cursors.
#pragma once

#include "switchboard/sdk/record.hpp"
#include "switchboard/sdk/status.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace switchboard::mock {

/// Reads a JSONL file of records: one object per line,
/// {"key": "...", "op": "upsert"|"delete", "fields": {...}, "source_time_ms": 123}
/// with "op", "fields" and "source_time_ms" optional. Blank lines are skipped. The file may
/// grow between reads. Not thread-safe.
class jsonl_reader {
 public:
  explicit jsonl_reader(std::string path);

  /// Opens the file at `from`: "" = the beginning, else "<line>:<byte_offset>" of the next
  /// line to read (line 1-based). A malformed cursor is permanent; one that does not point at
  /// the start of a line of the file (it shrank or changed) needs a resync.
  sdk::status open(const sdk::cursor& from);

  /// Appends up to `max_records` records to `out`. Sets `at_end` when the end of the file was
  /// reached. A malformed line is a permanent failure naming the file, line and reason; records
  /// read before it in the same call are returned first and the failure comes on the next call.
  sdk::status read(std::vector<sdk::record>& out, std::size_t max_records, bool& at_end);

  /// The position of the next line, "<line>:<byte_offset>".
  sdk::cursor position() const;

 private:
  std::string path_;
  std::ifstream in_;
  std::uint64_t line_ = 1;
  std::uint64_t offset_ = 0;
  std::string text_;
};

}  // namespace switchboard::mock
