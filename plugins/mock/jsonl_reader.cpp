// JSONL record reading: line parsing, validation and cursor positioning.
#include "jsonl_reader.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace switchboard::mock {
namespace {

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

/// Parses one line into `out`; on failure returns false with the reason in `error`.
bool parse_record(std::string_view line, sdk::record& out, std::string& error) {
  boost::json::error_code ec;
  boost::json::value doc = boost::json::parse(line, ec);
  if (ec) {
    error = "invalid json: " + ec.message();
    return false;
  }
  boost::json::object* obj = doc.if_object();
  if (obj == nullptr) {
    error = "expected an object, got " + boost::json::serialize(doc);
    return false;
  }
  for (const auto& member : *obj) {
    const std::string_view name = member.key();
    if (name != "key" && name != "op" && name != "fields" && name != "source_time_ms") {
      error = "unknown key \"" + std::string(name) + "\"";
      return false;
    }
  }
  const boost::json::value* key = obj->if_contains("key");
  if (key == nullptr || !key->is_string() || key->get_string().empty()) {
    error = "\"key\" must be a non-empty string";
    return false;
  }
  out.key = std::string(key->get_string());
  out.op = sdk::operation::upsert;
  if (const boost::json::value* op = obj->if_contains("op")) {
    if (op->is_string() && op->get_string() == "delete") {
      out.op = sdk::operation::remove;
    } else if (!op->is_string() || op->get_string() != "upsert") {
      error = "\"op\" must be \"upsert\" or \"delete\", got " + boost::json::serialize(*op);
      return false;
    }
  }
  if (boost::json::value* fields = obj->if_contains("fields")) {
    if (!fields->is_object()) {
      error = "\"fields\" must be an object, got " + boost::json::serialize(*fields);
      return false;
    }
    out.fields = std::move(fields->get_object());
  }
  out.source_time = {};
  if (const boost::json::value* ms = obj->if_contains("source_time_ms")) {
    if (!ms->is_int64() && !(ms->is_uint64() && ms->get_uint64() <= INT64_MAX)) {
      error = "\"source_time_ms\" must be an integer, got " + boost::json::serialize(*ms);
      return false;
    }
    out.source_time += std::chrono::milliseconds{ms->to_number<std::int64_t>()};
  }
  return true;
}

}  // namespace

jsonl_reader::jsonl_reader(std::string path) : path_(std::move(path)) {}

sdk::status jsonl_reader::open(const sdk::cursor& from) {
  std::uint64_t line = 1;
  std::uint64_t offset = 0;
  if (!from.empty()) {
    const std::string_view token = from.token;
    const std::size_t colon = token.find(':');
    if (colon == std::string_view::npos || !parse_u64(token.substr(0, colon), line) || line == 0 ||
        !parse_u64(token.substr(colon + 1), offset)) {
      return sdk::status::permanent("mock.source: malformed cursor \"" + from.token + "\" for " +
                                    path_ + " (expected \"<line>:<byte_offset>\")");
    }
  }
  in_.close();
  in_.clear();
  in_.open(path_, std::ios::binary);
  if (!in_) {
    return sdk::status::permanent("mock.source: cannot open " + path_ + ": " +
                                  std::strerror(errno));
  }
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path_, ec);
  if (ec) {
    return sdk::status::permanent("mock.source: cannot stat " + path_ + ": " + ec.message());
  }
  bool at_line_start = offset <= size;
  if (at_line_start && offset > 0 && offset < size) {
    char before = 0;
    in_.seekg(static_cast<std::streamoff>(offset - 1));
    at_line_start = in_.get(before) && before == '\n';
  }
  if (!at_line_start) {
    return sdk::status::needs_resync("mock.source: cursor \"" + from.token +
                                     "\" is not at the start of a line of " + path_ + " (size " +
                                     std::to_string(size) + ")");
  }
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(offset));
  line_ = line;
  offset_ = offset;
  return sdk::status::ok();
}

sdk::status jsonl_reader::read(std::vector<sdk::record>& out, std::size_t max_records,
                               bool& at_end) {
  at_end = false;
  const std::size_t first = out.size();
  while (out.size() - first < max_records) {
    if (!std::getline(in_, text_)) {
      // Nothing more now; clear the state so a later read sees lines appended meanwhile.
      in_.clear();
      in_.seekg(static_cast<std::streamoff>(offset_));
      at_end = true;
      break;
    }
    const bool terminated = !in_.eof();
    if (!terminated) in_.clear();
    const std::uint64_t consumed = text_.size() + (terminated ? 1 : 0);
    std::string_view line = text_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      offset_ += consumed;
      ++line_;
      continue;
    }
    sdk::record rec;
    std::string error;
    if (!parse_record(line, rec, error)) {
      // Stay at this line: the failure is reported now, or on the next call if records of
      // this call come first.
      in_.clear();
      in_.seekg(static_cast<std::streamoff>(offset_));
      if (out.size() > first) return sdk::status::ok();
      return sdk::status::permanent("mock.source: malformed record at " + path_ + ":" +
                                    std::to_string(line_) + ": " + error);
    }
    out.push_back(std::move(rec));
    offset_ += consumed;
    ++line_;
  }
  if (!at_end && in_.peek() == std::ifstream::traits_type::eof()) {
    in_.clear();
    at_end = true;
  }
  return sdk::status::ok();
}

sdk::cursor jsonl_reader::position() const {
  return {std::to_string(line_) + ":" + std::to_string(offset_)};
}

}  // namespace switchboard::mock
