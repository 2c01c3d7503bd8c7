// Typed configuration definitions: what options a component takes, and read access to them.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sdk {

/// The JSON type an option's value must have.
enum class option_type : std::uint8_t {
  string,
  integer,
  number,   ///< integer or floating point
  boolean,
  string_list,  ///< array of strings
  object,   ///< any JSON object, validated by the component itself
  array,    ///< any JSON array, validated by the component itself
};

/// One option of a component's configuration. The host validates configs against these
/// definitions before a factory is called (unknown keys, types, required, allowed values,
/// bounds) and renders them as JSON Schema for the admin UI.
struct option_def {
  /// The key in the component's "config" object.
  std::string name;
  /// The type the value must have.
  option_type type = option_type::string;
  /// What the option does, for docs and the UI.
  std::string description;
  /// Used when the option is absent; null means "no default".
  boost::json::value default_value = nullptr;
  /// The option must be present (a default does not satisfy this: required options have none).
  bool required = false;
  /// The value is a secret: never logged, never shown in errors, write-only in the API.
  bool secret = false;
  /// When non-empty, the value must equal one of these.
  std::vector<boost::json::value> allowed_values = {};
  /// Inclusive bounds for integer and number options.
  std::optional<double> minimum = std::nullopt;
  std::optional<double> maximum = std::nullopt;
};

/// A component's configuration definition.
using config_schema = std::vector<option_def>;

/// Read access to a validated component configuration. The host has already checked types,
/// filled defaults and resolved secret references, so accessors only fail on a plugin bug (an
/// option the schema does not declare), by throwing std::out_of_range, which the host turns
/// into a failure of the factory that asked.
/// Borrows the object: valid while the object lives. Thread-safe for concurrent reads.
class options {
 public:
  explicit options(const boost::json::object& values) : values_(&values) {}

  /// The whole object.
  const boost::json::object& json() const noexcept { return *values_; }
  /// The value, or nullptr when absent (an optional option without default).
  const boost::json::value* find(std::string_view name) const noexcept {
    return values_->if_contains(name);
  }
  /// True when the option has a non-null value.
  bool has(std::string_view name) const noexcept {
    const auto* v = find(name);
    return v != nullptr && !v->is_null();
  }
  std::string_view string(std::string_view name) const { return at(name).as_string(); }
  std::int64_t integer(std::string_view name) const { return at(name).to_number<std::int64_t>(); }
  double number(std::string_view name) const { return at(name).to_number<double>(); }
  bool boolean(std::string_view name) const { return at(name).as_bool(); }
  /// The string list option as a vector (copies).
  std::vector<std::string> string_list(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& v : at(name).as_array()) out.emplace_back(v.as_string());
    return out;
  }

 private:
  const boost::json::value& at(std::string_view name) const {
    const auto* v = find(name);
    if (v == nullptr || v->is_null()) {
      throw std::out_of_range("option \"" + std::string(name) + "\" is not set");
    }
    return *v;
  }

  const boost::json::object* values_;
};

}  // namespace switchboard::sdk
