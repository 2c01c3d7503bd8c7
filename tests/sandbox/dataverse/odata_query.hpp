// OData query options, Prefer preferences and paging cookies of the Dataverse emulator.
#pragma once

#include "sandbox/dataverse/table_store.hpp"
#include "sandbox/emulator.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// The system query options of a request (values percent-decoded).
struct query_options {
  std::optional<std::string> select;
  std::optional<std::string> filter;
  std::optional<std::string> orderby;
  std::optional<std::size_t> top;
  bool count = false;
  std::optional<std::string> expand;
  std::optional<std::string> skiptoken;
  std::optional<std::string> deltatoken;
};

/// Reads the options; throws odata_exception 400 for $skip/$search/$format, unknown $options,
/// a bad $top or $count.
query_options parse_query_options(const std::vector<std::pair<std::string, std::string>>& query);

/// What the Prefer headers ask for.
struct preferences {
  std::optional<std::size_t> max_page_size;  ///< odata.maxpagesize as sent
  bool track_changes = false;                ///< odata.track-changes
  bool return_representation = false;        ///< return=representation
  bool continue_on_error = false;            ///< odata.continue-on-error
  std::string annotations;                   ///< odata.include-annotations value, unquoted

  /// True when the annotation (e.g. "OData.Community.Display.V1.FormattedValue") was asked for.
  bool wants(std::string_view annotation) const;
};

/// Reads every Prefer header (comma-separated, quotes respected).
preferences parse_preferences(const server_request& request);

/// Column ordinals of a $select list; throws odata_exception 400 on an unknown property.
std::vector<int> parse_select(std::string_view text, const table_store& table);

struct order_key {
  int column = 0;
  bool descending = false;
};
/// The $orderby keys; throws odata_exception 400 on an unknown property or bad direction.
std::vector<order_key> parse_orderby(std::string_view text, const table_store& table);

/// Where the next page starts. Carried in $skiptoken in the shape the service uses
/// (<cookie pagenumber=… pagingcookie=…double-encoded… istracking=… />).
struct paging_cookie {
  std::size_t page = 1;     ///< the page the cookie leads to
  std::string last_id;      ///< id-ordered paging: the last id returned
  std::size_t offset = 0;   ///< $orderby paging: rows returned so far
  bool tracking = false;    ///< change tracking paging
  std::uint64_t since = 0;  ///< delta: changes after this version…
  std::uint64_t upto = 0;   ///< …up to this one (initial sync: the snapshot version)
  bool deletes = false;     ///< delta: upserts are done, deletions follow
  std::uint64_t after = 0;  ///< delta: the last version returned in the current phase
};

/// The $skiptoken value (not yet URL-encoded).
std::string skiptoken_value(const paging_cookie& cookie, std::string_view primary_id);
/// Reads a percent-decoded $skiptoken; nullopt when it is not one the emulator issued.
std::optional<paging_cookie> parse_skiptoken(std::string_view value);

/// Percent-encodes a query component; `keep` lists characters left as they are.
std::string encode_component(std::string_view text, std::string_view keep = "",
                             bool lowercase_hex = false);
/// The raw query string without the named options (names compared after decoding).
std::string query_without(std::string_view raw_query,
                          std::initializer_list<std::string_view> names);

}  // namespace switchboard::sandbox::dataverse
