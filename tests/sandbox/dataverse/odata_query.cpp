// OData query options, Prefer preferences and paging cookies of the Dataverse emulator.
#include "sandbox/dataverse/odata_query.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace switchboard::sandbox::dataverse {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

/// Splits on commas outside double quotes.
std::vector<std::string> split_quoted(std::string_view text) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      parts.emplace_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  parts.emplace_back(trim(current));
  return parts;
}

bool iequals(std::string_view a, std::string_view b) { return lowercase(a) == lowercase(b); }

std::optional<std::size_t> parse_size(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

std::uint64_t parse_number(std::string_view text) { return parse_size(text).value_or(0); }

/// The value of name="value" in an XML-ish cookie, or nullopt.
std::optional<std::string> attribute(std::string_view text, std::string_view name) {
  const std::string needle = " " + std::string(name) + "=\"";
  const auto at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = at + needle.size();
  const auto end = text.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(text.substr(start, end - start));
}

}  // namespace

query_options parse_query_options(const std::vector<std::pair<std::string, std::string>>& query) {
  query_options options;
  for (const auto& [name, value] : query) {
    if (name.empty() || name.front() != '$') continue;
    if (name == "$select") {
      options.select = value;
    } else if (name == "$filter") {
      options.filter = value;
    } else if (name == "$orderby") {
      options.orderby = value;
    } else if (name == "$top") {
      options.top = parse_size(trim(value));
      if (!options.top) {
        fail(query_error("Invalid value '" + value +
                         "' for $top query option found. The $top query option requires a "
                         "non-negative integer value."));
      }
    } else if (name == "$count") {
      if (value != "true" && value != "false") {
        fail(query_error("'" + value + "' is not a valid count option."));
      }
      options.count = value == "true";
    } else if (name == "$expand") {
      options.expand = value;
    } else if (name == "$skiptoken") {
      options.skiptoken = value;
    } else if (name == "$deltatoken") {
      options.deltatoken = value;
    } else if (name == "$skip") {
      fail(query_error("Skip Clause is not supported in CRM"));
    } else {
      fail(query_error("The query parameter " + name + " is not supported"));
    }
  }
  return options;
}

bool preferences::wants(std::string_view annotation) const {
  if (annotations.empty()) return false;
  for (const auto& part : split(annotations, ',')) {
    const auto pattern = trim(part);
    if (pattern == "*") return true;
    if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*" &&
        annotation.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0) {
      return true;
    }
    if (pattern == annotation) return true;
  }
  return false;
}

preferences parse_preferences(const server_request& request) {
  preferences prefer;
  for (const auto& header : request.headers) {
    if (!iequals(header.name, "Prefer")) continue;
    for (const auto& item : split_quoted(header.value)) {
      const auto eq = item.find('=');
      const auto name = lowercase(trim(std::string_view(item).substr(0, eq)));
      const auto value = eq == std::string::npos ? std::string_view{}
                                                 : trim(std::string_view(item).substr(eq + 1));
      if (name == "odata.maxpagesize") {
        prefer.max_page_size = parse_size(value);
      } else if (name == "odata.track-changes") {
        prefer.track_changes = true;
      } else if (name == "return" && value == "representation") {
        prefer.return_representation = true;
      } else if (name == "odata.continue-on-error") {
        prefer.continue_on_error = true;
      } else if (name == "odata.include-annotations") {
        auto text = value;
        if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
          text = text.substr(1, text.size() - 2);
        }
        prefer.annotations = std::string(text);
      }
    }
  }
  return prefer;
}

std::vector<int> parse_select(std::string_view text, const table_store& table) {
  std::vector<int> columns;
  for (const auto& part : split(text, ',')) {
    const auto name = trim(part);
    const int index = table.property_index(name);
    if (index < 0) fail(unknown_property(name, table.definition().logical_name));
    columns.push_back(index);
  }
  return columns;
}

std::vector<order_key> parse_orderby(std::string_view text, const table_store& table) {
  std::vector<order_key> keys;
  for (const auto& part : split(text, ',')) {
    const auto item = trim(part);
    const auto space = item.find(' ');
    const auto name = item.substr(0, space);
    const auto direction =
        space == std::string_view::npos ? std::string_view{} : trim(item.substr(space + 1));
    order_key key;
    key.column = table.property_index(name);
    if (key.column < 0) fail(unknown_property(name, table.definition().logical_name));
    if (direction == "desc") {
      key.descending = true;
    } else if (!direction.empty() && direction != "asc") {
      fail(query_error("Syntax error at position " + std::to_string(space + 1) + " in '" +
                       std::string(text) + "'."));
    }
    keys.push_back(key);
  }
  return keys;
}

std::string skiptoken_value(const paging_cookie& cookie, std::string_view primary_id) {
  std::string upper_id;
  for (const char c : cookie.last_id) {
    upper_id += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string inner = fmt::format("<cookie page=\"{}\"", cookie.page - 1);
  if (cookie.offset > 0) inner += fmt::format(" offset=\"{}\"", cookie.offset);
  if (cookie.tracking) {
    inner += fmt::format(" since=\"{}\" upto=\"{}\" phase=\"{}\" after=\"{}\"", cookie.since,
                         cookie.upto, cookie.deletes ? "deletes" : "upserts", cookie.after);
  }
  inner += fmt::format("><{} last=\"{{{}}}\" /></cookie>", primary_id, upper_id);
  return fmt::format("<cookie pagenumber=\"{}\" pagingcookie=\"{}\" istracking=\"{}\" />",
                     cookie.page, encode_component(inner, "", true),
                     cookie.tracking ? "True" : "False");
}

std::optional<paging_cookie> parse_skiptoken(std::string_view value) {
  if (value.rfind("<cookie ", 0) != 0) return std::nullopt;
  const auto page = attribute(value, "pagenumber");
  const auto encoded_inner = attribute(value, "pagingcookie");
  const auto tracking = attribute(value, "istracking");
  if (!page || !encoded_inner || !tracking) return std::nullopt;
  const auto inner = percent_decode(*encoded_inner, false);
  if (inner.rfind("<cookie ", 0) != 0) return std::nullopt;
  paging_cookie cookie;
  cookie.page = parse_size(*page).value_or(0);
  if (cookie.page < 2) return std::nullopt;
  cookie.tracking = *tracking == "True";
  cookie.offset = parse_number(attribute(inner, "offset").value_or("0"));
  if (cookie.tracking) {
    cookie.since = parse_number(attribute(inner, "since").value_or(""));
    cookie.upto = parse_number(attribute(inner, "upto").value_or(""));
    cookie.after = parse_number(attribute(inner, "after").value_or(""));
    cookie.deletes = attribute(inner, "phase").value_or("") == "deletes";
  }
  const auto last = attribute(inner, "last");
  if (!last) return std::nullopt;
  std::string id = *last;
  if (id.size() >= 2 && id.front() == '{' && id.back() == '}') id = id.substr(1, id.size() - 2);
  cookie.last_id = id.empty() ? "" : normalize_guid(id);
  if (!id.empty() && cookie.last_id.empty()) return std::nullopt;
  return cookie;
}

std::string encode_component(std::string_view text, std::string_view keep, bool lowercase_hex) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += lowercase_hex ? fmt::format("%{:02x}", u) : fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string query_without(std::string_view raw_query,
                          std::initializer_list<std::string_view> names) {
  std::string out;
  for (const auto& part : split(raw_query, '&')) {
    if (part.empty()) continue;
    const auto name = percent_decode(part.substr(0, part.find('=')));
    bool drop = false;
    for (const auto n : names) drop = drop || name == n;
    if (drop) continue;
    if (!out.empty()) out += '&';
    out += part;
  }
  return out;
}

}  // namespace switchboard::sandbox::dataverse
