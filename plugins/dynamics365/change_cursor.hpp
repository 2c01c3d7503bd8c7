// The cursor of dynamics365.table: which phase of a change-tracked sync it is in and which
// Dataverse link to read next, as a JSON token (README.md, "Cursor").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::dynamics365 {

enum class sync_phase : std::uint8_t {
  initial,  ///< the tracked initial load: following @odata.nextLink to the @odata.deltaLink
  delta,    ///< reading changes: the delta link, or a nextLink inside one delta
};

/// A position. An empty `link` means "not started": the initial load begins at its first page.
struct change_cursor {
  sync_phase phase = sync_phase::initial;
  /// The environment URL, table and $select the links were made for; empty in a cursor that
  /// is a bare delta link (then not checked).
  std::string environment;
  std::string table;
  std::string select;
  /// The page to GET next, verbatim as Dataverse gave it (the first page: built by the source).
  std::string link;
  /// The odata.maxpagesize every page of this chain is asked with (a changed page size
  /// changes what a nextLink means).
  std::size_t page_size = 0;
  /// Initial load: rows handed out so far, and the row count when it started.
  std::uint64_t done = 0;
  std::optional<std::uint64_t> total;
  /// Rows of `link`'s page already handed out (the host asked for fewer than a page), and the
  /// key of the last of them; 0 and "" at a page boundary.
  std::size_t skip = 0;
  std::string after;

  bool started() const noexcept { return !link.empty(); }

  /// {"v":1,"phase":"initial"|"delta","env":…,"table":…,"select":…,"next":…,"page_size":N,
  ///  "done":N,"total":N,"skip":N,"after":"…"} (zero and empty members left out).
  std::string encode() const;
  /// Parses encode()'s form, or a bare https delta link. On failure returns nullopt and says
  /// why in `error`.
  static std::optional<change_cursor> decode(std::string_view token, std::string& error);
};

}  // namespace switchboard::dynamics365
