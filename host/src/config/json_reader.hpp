// Private helpers that walk configuration JSON with its file and JSON pointer.
#pragma once

#include "switchboard/host/config.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::host::config_detail {

/// The items separated by ", ".
std::string join(const std::vector<std::string>& items);

/// `token` escaped for a JSON pointer (RFC 6901): "~" → "~0", "/" → "~1".
std::string escape_pointer_token(std::string_view token);

/// The value serialised as JSON and shortened to about 60 characters, for error messages.
std::string describe(const boost::json::value& value);

/// `text` as a JSON string literal, for naming keys and ids in error messages.
std::string quote(std::string_view text);

/// The value's JSON type with an article ("a string"), for errors that must hide the value.
std::string type_name(const boost::json::value& value);

/// The value as an int64 when it is an integral JSON number (int64, uint64 in range, or a double
/// without fractional part); nullopt otherwise.
std::optional<std::int64_t> as_integer(const boost::json::value& value);

/// True for tenant, route and connection ids: ^[a-z0-9][a-z0-9_-]{0,62}$.
bool is_valid_id(std::string_view text);

/// A value of a configuration file and where it is. Typed accessors throw config_error
/// naming the file, the pointer and what was expected. Borrows the value.
class json_node {
 public:
  json_node(const boost::json::value& value, std::string file, std::string pointer);

  const boost::json::value& value() const noexcept { return *value_; }
  const std::string& file() const noexcept { return file_; }
  const std::string& pointer() const noexcept { return pointer_; }
  config_location location() const { return {file_, pointer_}; }
  /// The node of a member or element `value` reached through `token`.
  json_node child(std::string_view token, const boost::json::value& value) const;

  [[noreturn]] void fail(std::string reason) const;
  /// Fails with "expected <what>, got <value>".
  [[noreturn]] void fail_expected(std::string_view what) const;

  std::string non_empty_string() const;
  std::string id() const;
  /// A string equal to one of `choices`.
  std::string one_of(std::initializer_list<std::string_view> choices) const;
  bool boolean() const;
  std::int64_t integer(std::int64_t minimum, std::int64_t maximum) const;
  std::chrono::milliseconds duration() const;
  /// An object that may hold credentials: a type mismatch names the type, not the value.
  boost::json::object opaque_object() const;
  /// The elements of an array.
  std::vector<json_node> elements() const;
  /// The members of an object, in document order.
  std::vector<std::pair<std::string, json_node>> members() const;

 private:
  const boost::json::value* value_;
  std::string file_;
  std::string pointer_;
};

/// An object whose keys are checked against an allowed set on construction.
class object_reader {
 public:
  object_reader(const json_node& node, std::initializer_list<std::string_view> allowed);

  /// The member, or nullopt when absent.
  std::optional<json_node> find(std::string_view key) const;
  /// The member; fails at the member's pointer with "required key is missing" when absent.
  json_node required(std::string_view key) const;

 private:
  json_node node_;
};

}  // namespace switchboard::host::config_detail
