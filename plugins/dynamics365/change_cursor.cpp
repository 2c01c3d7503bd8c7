// Encoding and decoding dynamics365.table cursors.
#include "change_cursor.hpp"

#include "web_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <set>

namespace switchboard::dynamics365 {
namespace {

namespace json = boost::json;

const std::set<std::string, std::less<>>& known_members() {
  static const std::set<std::string, std::less<>> members = {
      "v",         "phase", "env",   "table", "select", "next",
      "page_size", "done",  "total", "skip",  "after"};
  return members;
}

bool read_string(const json::object& o, std::string_view key, std::string& out,
                 std::string& error) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (!v->is_string()) {
    error = "\"" + std::string(key) + "\" is not a string";
    return false;
  }
  out = std::string(v->get_string());
  return true;
}

bool read_count(const json::object& o, std::string_view key, std::optional<std::uint64_t>& out,
                std::string& error) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return true;
  if (v->is_uint64()) {
    out = v->get_uint64();
    return true;
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    out = static_cast<std::uint64_t>(v->get_int64());
    return true;
  }
  error = "\"" + std::string(key) + "\" is not a non-negative integer";
  return false;
}

}  // namespace

std::string change_cursor::encode() const {
  json::object o;
  o["v"] = 1;
  o["phase"] = phase == sync_phase::initial ? "initial" : "delta";
  if (!environment.empty()) o["env"] = environment;
  if (!table.empty()) o["table"] = table;
  if (!select.empty()) o["select"] = select;
  o["next"] = link;
  if (page_size != 0) o["page_size"] = page_size;
  if (phase == sync_phase::initial) {
    o["done"] = done;
    if (total) o["total"] = *total;
  }
  if (skip != 0) {
    o["skip"] = skip;
    o["after"] = after;
  }
  return json::serialize(o);
}

std::optional<change_cursor> change_cursor::decode(std::string_view token, std::string& error) {
  change_cursor c;
  if (starts_with_https(token)) {
    // A bare delta link (what an operator may paste from another tool).
    c.phase = sync_phase::delta;
    c.link = std::string(token);
    return c;
  }
  boost::system::error_code ec;
  const auto parsed = json::parse(token, ec);
  if (ec || !parsed.is_object()) {
    error = "not a JSON object or an https delta link";
    return std::nullopt;
  }
  const auto& o = parsed.get_object();
  for (const auto& [key, value] : o) {
    if (!known_members().contains(key)) {
      error = "unknown member \"" + std::string(key) + "\"";
      return std::nullopt;
    }
  }
  std::optional<std::uint64_t> version;
  if (!read_count(o, "v", version, error)) return std::nullopt;
  if (version != 1) {
    error = "unsupported version (\"v\" must be 1)";
    return std::nullopt;
  }
  std::string phase;
  if (!read_string(o, "phase", phase, error)) return std::nullopt;
  if (phase == "initial") {
    c.phase = sync_phase::initial;
  } else if (phase == "delta") {
    c.phase = sync_phase::delta;
  } else {
    error = "\"phase\" must be \"initial\" or \"delta\"";
    return std::nullopt;
  }
  std::optional<std::uint64_t> page_size;
  std::optional<std::uint64_t> done;
  std::optional<std::uint64_t> skip;
  if (!read_string(o, "env", c.environment, error) || !read_string(o, "table", c.table, error) ||
      !read_string(o, "select", c.select, error) || !read_string(o, "next", c.link, error) ||
      !read_string(o, "after", c.after, error) || !read_count(o, "page_size", page_size, error) ||
      !read_count(o, "done", done, error) || !read_count(o, "total", c.total, error) ||
      !read_count(o, "skip", skip, error)) {
    return std::nullopt;
  }
  if (c.link.empty() || !starts_with_https(c.link)) {
    error = "\"next\" must be an https link";
    return std::nullopt;
  }
  if (page_size && (*page_size == 0 || *page_size > 5000)) {
    error = "\"page_size\" must be from 1 to 5000";
    return std::nullopt;
  }
  c.page_size = page_size ? static_cast<std::size_t>(*page_size) : 0;
  c.done = done.value_or(0);
  c.skip = skip ? static_cast<std::size_t>(*skip) : 0;
  if (c.skip > 5000) {
    error = "\"skip\" must be at most 5000";
    return std::nullopt;
  }
  return c;
}

}  // namespace switchboard::dynamics365
