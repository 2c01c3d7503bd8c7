// Parsing of one Campaign opt-out export file (CSV) into change rows and per-line errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::optout {

/// One valid line: an opt-out attribute of a contact changed to `value` at `changed`.
struct export_change {
  std::string external_id;  ///< the Dynamics contactid
  std::string pkey;         ///< the Campaign profile PKey; empty when absent
  std::string attribute;    ///< canonical name: blackList, blackListEmail, ..., ccpaOptOut
  bool value = false;
  std::chrono::system_clock::time_point changed{};  ///< UTC, millisecond precision
  std::string changed_text;                         ///< `changed` as ISO 8601 UTC with millis
};

/// One data line of the file: a change, or the reason it is malformed.
struct export_row {
  std::size_t line = 0;  ///< 1-based physical line number in the file (the header is line 1)
  std::string text;      ///< the raw line (no line end), at most 1000 characters
  std::optional<export_change> change;
  std::string error;  ///< why the line is malformed, naming the column and value; empty if valid
};

/// Splits one line into RFC 4180 fields; nullopt with `why` when a quote is malformed or not
/// closed by the end of the line (a field spanning lines is not supported).
std::optional<std::vector<std::string>> split_csv_line(std::string_view line, char delimiter,
                                                       std::string& why);

/// Every data line of `content` (blank lines skipped; a UTF-8 BOM and CRLF tolerated). The first
/// non-blank line is the header (column names case-insensitive, any order, extra columns
/// ignored). Without a usable header every data line is malformed with that reason; a first
/// line naming none of the known columns is taken as a data line of a file without header.
std::vector<export_row> parse_export_csv(std::string_view content, char delimiter);

}  // namespace switchboard::optout
