// Walks configuration JSON with its file and JSON pointer, producing config_errors.
#include "json_reader.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace switchboard::host::config_detail {
namespace {

constexpr std::size_t max_described_length = 60;

bool is_id_char(char c, bool first) {
  const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '-'));
}

}  // namespace

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::optional<std::int64_t> as_integer(const boost::json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() &&
      value.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    const double d = value.get_double();
    if (std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (const char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string describe(const boost::json::value& value) {
  if (value.is_double()) return fmt::format("{}", value.get_double());
  std::string text = boost::json::serialize(value);
  if (text.size() <= max_described_length) return text;
  std::size_t cut = max_described_length - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  text.resize(cut);
  return text + "...";
}

std::string quote(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

std::string type_name(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

bool is_valid_id(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_id_char(text[i], i == 0)) return false;
  }
  return true;
}

json_node::json_node(const boost::json::value& value, std::string file, std::string pointer)
    : value_(&value), file_(std::move(file)), pointer_(std::move(pointer)) {}

json_node json_node::child(std::string_view token, const boost::json::value& value) const {
  return json_node(value, file_, pointer_ + "/" + escape_pointer_token(token));
}

void json_node::fail(std::string reason) const {
  throw config_error(file_, pointer_, std::move(reason));
}

void json_node::fail_expected(std::string_view what) const {
  fail(fmt::format("expected {}, got {}", what, describe(*value_)));
}

std::string json_node::non_empty_string() const {
  if (!value_->is_string() || value_->get_string().empty()) fail_expected("a non-empty string");
  return std::string(value_->get_string());
}

std::string json_node::id() const {
  if (!value_->is_string() || !is_valid_id(value_->get_string())) {
    fail_expected("an id matching ^[a-z0-9][a-z0-9_-]{0,62}$");
  }
  return std::string(value_->get_string());
}

std::string json_node::one_of(std::initializer_list<std::string_view> choices) const {
  const auto* text = value_->if_string();
  std::vector<std::string> quoted;
  for (const auto choice : choices) {
    if (text != nullptr && *text == choice) return std::string(choice);
    quoted.push_back(quote(choice));
  }
  fail_expected("one of " + join(quoted));
}

bool json_node::boolean() const {
  if (!value_->is_bool()) fail_expected("a boolean");
  return value_->get_bool();
}

std::int64_t json_node::integer(std::int64_t minimum, std::int64_t maximum) const {
  const auto number = as_integer(*value_);
  if (!number || *number < minimum || *number > maximum) {
    fail_expected(fmt::format("an integer from {} to {}", minimum, maximum));
  }
  return *number;
}

std::chrono::milliseconds json_node::duration() const {
  std::optional<std::chrono::milliseconds> parsed;
  if (value_->is_string()) parsed = parse_duration(value_->get_string());
  if (!parsed) fail_expected(R"(a duration such as "250ms", "5s", "2m", "1h" or "14d")");
  return *parsed;
}

boost::json::object json_node::opaque_object() const {
  if (!value_->is_object()) fail("expected an object, got " + type_name(*value_));
  return value_->get_object();
}

std::vector<json_node> json_node::elements() const {
  if (!value_->is_array()) fail_expected("an array");
  std::vector<json_node> out;
  const auto& array = value_->get_array();
  out.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) out.push_back(child(std::to_string(i), array[i]));
  return out;
}

std::vector<std::pair<std::string, json_node>> json_node::members() const {
  if (!value_->is_object()) fail_expected("an object");
  std::vector<std::pair<std::string, json_node>> out;
  for (const auto& member : value_->get_object()) {
    out.emplace_back(std::string(member.key()), child(member.key(), member.value()));
  }
  return out;
}

object_reader::object_reader(const json_node& node, std::initializer_list<std::string_view> allowed)
    : node_(node) {
  for (const auto& [key, member] : node_.members()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      member.fail(fmt::format("unknown key {} (allowed: {})", quote(key),
                              join(std::vector<std::string>(allowed.begin(), allowed.end()))));
    }
  }
}

std::optional<json_node> object_reader::find(std::string_view key) const {
  const auto* member = node_.value().get_object().if_contains(key);
  if (member == nullptr) return std::nullopt;
  return node_.child(key, *member);
}

json_node object_reader::required(std::string_view key) const {
  auto member = find(key);
  if (!member) {
    throw config_error(node_.file(), node_.pointer() + "/" + escape_pointer_token(key),
                       "required key is missing");
  }
  return *member;
}

}  // namespace switchboard::host::config_detail
