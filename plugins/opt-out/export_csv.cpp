// RFC 4180 parsing of the opt-out export files, line by line so that one bad line never hides
// the others: every physical line is either a change or a malformed row with its reason.
#include "export_csv.hpp"

#include "services.hpp"
#include "timestamps.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace switchboard::optout {
namespace {

constexpr std::size_t max_text = 1000;
constexpr std::string_view bom = "\xEF\xBB\xBF";

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

/// At most max_text bytes of `line`, not cutting a UTF-8 sequence.
std::string clipped(std::string_view line) {
  if (line.size() <= max_text) return std::string(line);
  std::size_t n = max_text;
  while (n > 0 && (static_cast<unsigned char>(line[n]) & 0xC0) == 0x80) --n;
  return std::string(line.substr(0, n));
}

/// A field value shown in a reason: quoted, shortened.
std::string shown(std::string_view value) {
  if (value.size() > 100) return fmt::format("\"{}...\"", value.substr(0, 100));
  return fmt::format("\"{}\"", value);
}

/// Digits at text[pos, pos+n) as a number, or -1.

enum class column : std::size_t { external_id, pkey, attribute, value, changed, count };
constexpr std::array<std::string_view, static_cast<std::size_t>(column::count)> column_names{
    "externalId", "PKey", "attribute", "value", "changed"};
constexpr std::array<bool, static_cast<std::size_t>(column::count)> column_required{
    true, false, true, true, true};

/// Column indexes of the header, or the reason the header is unusable.
struct header_layout {
  std::array<std::optional<std::size_t>, static_cast<std::size_t>(column::count)> index;
  std::size_t fields = 0;
  std::string error;
  bool is_data = false;  ///< the first line names no known column: the file has no header
};

header_layout parse_header(std::string_view line, std::size_t line_number, char delimiter) {
  header_layout h;
  std::string why;
  const auto fields = split_csv_line(line, delimiter, why);
  if (!fields) {
    h.error = fmt::format("the header (line {}) is malformed: {}", line_number, why);
    return h;
  }
  h.fields = fields->size();
  bool any = false;
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const auto name = lower(trim((*fields)[i]));
    for (std::size_t c = 0; c < column_names.size(); ++c) {
      if (name != lower(column_names[c])) continue;
      any = true;
      if (h.index[c]) {
        h.error =
            fmt::format("the header (line {}) names column {} twice", line_number, column_names[c]);
        return h;
      }
      h.index[c] = i;
    }
  }
  std::string missing;
  for (std::size_t c = 0; c < column_names.size(); ++c) {
    if (column_required[c] && !h.index[c]) {
      missing += fmt::format("{}{}", missing.empty() ? "" : ", ", column_names[c]);
    }
  }
  if (!any) {
    h.is_data = true;
    h.error = fmt::format(
        "the file has no header line (line {} names none of the columns externalId, PKey, "
        "attribute, value, changed)",
        line_number);
  } else if (!missing.empty()) {
    h.error = fmt::format("the header (line {}) lacks the required column{} {}", line_number,
                          missing.find(',') == std::string::npos ? "" : "s", missing);
  }
  return h;
}

/// The change of one data line, or false with `why`.
bool parse_change(std::string_view line, const header_layout& h, char delimiter,
                  export_change& change, std::string& why) {
  auto fields = split_csv_line(line, delimiter, why);
  if (!fields) return false;
  if (fields->size() != h.fields) {
    why = fmt::format("the line has {} fields, the header has {}", fields->size(), h.fields);
    return false;
  }
  const auto field = [&](column c) -> std::string_view {
    const auto& i = h.index[static_cast<std::size_t>(c)];
    return i ? trim((*fields)[*i]) : std::string_view{};
  };
  change.external_id = std::string(field(column::external_id));
  if (change.external_id.empty()) {
    why = "column externalId is empty";
    return false;
  }
  change.pkey = std::string(field(column::pkey));
  const auto attribute = field(column::attribute);
  const auto canonical = canonical_attribute(attribute);
  if (!canonical) {
    why = fmt::format(
        "column attribute is {}, not one of blackList, blackListEmail, blackListMobile, "
        "blackListPhone, blackListPostalMail, blackListFax, blackListPushnotification, "
        "ccpaOptOut (or denyList...)",
        shown(attribute));
    return false;
  }
  change.attribute = std::string(*canonical);
  const auto value = lower(field(column::value));
  if (value == "true" || value == "1") {
    change.value = true;
  } else if (value == "false" || value == "0") {
    change.value = false;
  } else {
    why = fmt::format("column value is {}, not true, false, 1 or 0", shown(field(column::value)));
    return false;
  }
  const auto changed = parse_timestamp(field(column::changed));
  if (!changed) {
    why = fmt::format("column changed is {}, not a UTC timestamp such as 2026-11-29T10:00:00.000Z",
                      shown(field(column::changed)));
    return false;
  }
  change.changed = *changed;
  change.changed_text = iso_millis(*changed);
  return true;
}

}  // namespace

std::optional<std::vector<std::string>> split_csv_line(std::string_view line, char delimiter,
                                                       std::string& why) {
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    // Leading blanks before an opening quote are tolerated.
    std::size_t start = i;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t') &&
           line[start] != delimiter) {
      ++start;
    }
    if (start < line.size() && line[start] == '"') {
      i = start + 1;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field += line[i++];
      }
      if (!closed) {
        why = fmt::format("the quoted field {} is not closed on this line", fields.size() + 1);
        return std::nullopt;
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != delimiter) ++i;
      if (i < line.size() && line[i] != delimiter) {
        why = fmt::format("text after the closing quote of field {}", fields.size() + 1);
        return std::nullopt;
      }
    } else {
      while (i < line.size() && line[i] != delimiter) {
        if (line[i] == '"') {
          why = fmt::format("a quote inside the unquoted field {}", fields.size() + 1);
          return std::nullopt;
        }
        field += line[i++];
      }
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the delimiter
  }
  return fields;
}

std::vector<export_row> parse_export_csv(std::string_view content, char delimiter) {
  if (content.starts_with(bom)) content.remove_prefix(bom.size());
  std::vector<export_row> rows;
  std::optional<header_layout> header;
  std::size_t line_number = 0;
  while (!content.empty()) {
    const auto end = content.find('\n');
    auto line = content.substr(0, end);
    content.remove_prefix(end == std::string_view::npos ? content.size() : end + 1);
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (is_blank(line)) continue;
    if (!header) {
      header = parse_header(line, line_number, delimiter);
      if (!header->is_data) continue;
    }
    export_row row;
    row.line = line_number;
    row.text = clipped(line);
    if (!header->error.empty()) {
      row.error = header->error;
      rows.push_back(std::move(row));
      continue;
    }
    export_change change;
    if (parse_change(line, *header, delimiter, change, row.error)) row.change = std::move(change);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace switchboard::optout
