// Dataverse $batch bodies: multipart/mixed building and parsing (reference §8).
#include "batch_request.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace switchboard::dynamics365 {
namespace {

char lower(char c) noexcept { return sdk::http_response::ascii_lower(c); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

/// One line without its CR LF or LF; advances `text`.
std::string_view next_line(std::string_view& text) noexcept {
  const auto end = text.find('\n');
  auto line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

/// Header lines up to the blank line; false on a line without ':'.
bool read_headers(std::string_view& text, std::vector<sdk::http_header>& out) {
  while (!text.empty()) {
    const auto line = next_line(text);
    if (line.empty()) return true;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    out.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return true;
}

const std::string* find_header(const std::vector<sdk::http_header>& headers,
                               std::string_view name) noexcept {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

/// The bodies between "--boundary" lines; false when the closing delimiter is missing.
bool split_parts(std::string_view body, std::string_view boundary,
                 std::vector<std::string_view>& parts) {
  const std::string delimiter = "--" + std::string(boundary);
  auto at = body.find(delimiter);
  if (at == std::string_view::npos) return false;
  while (true) {
    const auto after = at + delimiter.size();
    if (body.substr(after, 2) == "--") return true;
    const auto line_end = body.find('\n', after);
    if (line_end == std::string_view::npos) return false;
    const auto start = line_end + 1;
    const auto next = body.find("\n" + delimiter, start);
    if (next == std::string_view::npos) return false;
    auto end = next;
    if (end > start && body[end - 1] == '\r') --end;
    parts.push_back(body.substr(start, end - start));
    at = next + 1;
  }
}

/// An application/http part: MIME headers were read; `part` starts at the status line.
bool read_response(std::string_view part, const std::vector<sdk::http_header>& mime,
                   batch_response& out, std::string& error) {
  if (const auto* id = find_header(mime, "Content-ID")) out.content_id = *id;
  const auto line = next_line(part);
  if (!line.starts_with("HTTP/")) {
    error = fmt::format("a part does not start with a status line: \"{:.80}\"", line);
    return false;
  }
  const auto space = line.find(' ');
  const auto code = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  const auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), out.status);
  if (ec != std::errc{} || out.status < 100 || out.status > 599) {
    error = fmt::format("a part has no valid status code: \"{:.80}\"", line);
    return false;
  }
  if (!read_headers(part, out.headers)) {
    error = "a part has a header line without ':'";
    return false;
  }
  out.body = std::string(trim(part));
  return true;
}

}  // namespace

const std::string* batch_response::header(std::string_view name) const noexcept {
  return find_header(headers, name);
}

std::string build_batch_body(std::string_view boundary,
                             const std::vector<std::vector<batch_operation>>& change_sets) {
  std::string out;
  std::size_t set_number = 0;
  for (const auto& set : change_sets) {
    const auto change_boundary = fmt::format("changeset_{}_{}", boundary, ++set_number);
    out += fmt::format("--{}\r\nContent-Type: multipart/mixed; boundary=\"{}\"\r\n\r\n", boundary,
                       change_boundary);
    for (const auto& op : set) {
      out += fmt::format(
          "--{}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
          "Content-ID: {}\r\n\r\n{} {} HTTP/1.1\r\nContent-Type: application/json; "
          "type=entry\r\n\r\n{}\r\n",
          change_boundary, op.content_id, op.method, op.path, op.body);
    }
    out += fmt::format("--{}--\r\n", change_boundary);
  }
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

std::string multipart_boundary(std::string_view content_type) {
  std::string lowered(content_type);
  for (auto& c : lowered) c = lower(c);
  if (!lowered.starts_with("multipart/mixed")) return {};
  const auto at = lowered.find("boundary=");
  if (at == std::string::npos) return {};
  auto value = content_type.substr(at + 9);
  value = trim(value.substr(0, value.find(';')));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

std::optional<std::vector<batch_response_part>> parse_batch_response(std::string_view content_type,
                                                                     std::string_view body,
                                                                     std::string& error) {
  const auto boundary = multipart_boundary(content_type);
  if (boundary.empty()) {
    error = fmt::format("the answer is not multipart/mixed with a boundary (Content-Type \"{}\")",
                        content_type);
    return std::nullopt;
  }
  std::vector<std::string_view> parts;
  if (!split_parts(body, boundary, parts)) {
    error = fmt::format("the answer's parts are not delimited by --{} up to its closing line",
                        boundary);
    return std::nullopt;
  }
  std::vector<batch_response_part> out;
  for (auto part : parts) {
    std::vector<sdk::http_header> mime;
    if (!read_headers(part, mime)) {
      error = "a part has a header line without ':'";
      return std::nullopt;
    }
    const auto* type = find_header(mime, "Content-Type");
    const auto nested = type == nullptr ? std::string() : multipart_boundary(*type);
    batch_response_part item;
    if (nested.empty()) {
      batch_response response;
      if (!read_response(part, mime, response, error)) return std::nullopt;
      item.responses.push_back(std::move(response));
      out.push_back(std::move(item));
      continue;
    }
    item.change_set = true;
    std::vector<std::string_view> inner_parts;
    if (!split_parts(part, nested, inner_parts)) {
      error = fmt::format("a change set's parts are not delimited by --{} up to its closing line",
                          nested);
      return std::nullopt;
    }
    for (auto inner : inner_parts) {
      std::vector<sdk::http_header> inner_mime;
      if (!read_headers(inner, inner_mime)) {
        error = "a part has a header line without ':'";
        return std::nullopt;
      }
      batch_response response;
      if (!read_response(inner, inner_mime, response, error)) return std::nullopt;
      item.responses.push_back(std::move(response));
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace switchboard::dynamics365
