// Helpers shared by the Entra, IMS, Campaign and I/O Events emulators: form bodies, clocks and
// timestamps, deterministic ids, control-body reading and plain-text replies.
#pragma once

#include "sandbox/emulator.hpp"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::jwt {

using time_point = std::chrono::system_clock::time_point;

/// Fields of an application/x-www-form-urlencoded text; the first occurrence of a name wins.
std::map<std::string, std::string, std::less<>> form_fields(std::string_view text);
/// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b) noexcept;
/// Percent-encodes a query component; keeps RFC 3986 unreserved characters and "@:,".
std::string percent_encode(std::string_view text);
/// Whether `action` is one of `actions` (control dispatch answers nullopt for the others).
bool one_of(std::string_view action, std::initializer_list<std::string_view> actions) noexcept;
/// A reply with a text/plain body.
server_reply text_reply(int status, std::string body);
/// The {"error": "..."} reply of a failed control action (400 unless told).
server_reply control_error(std::string message, int status = 400);

/// A clock tests can move forward. Starts at `base()`; thread-safe.
class adjustable_clock {
 public:
  explicit adjustable_clock(std::function<time_point()> base = {});
  time_point now() const;
  void advance(std::chrono::milliseconds by) noexcept;

 private:
  std::function<time_point()> base_;
  std::atomic<std::int64_t> offset_ms_{0};
};

/// ISO 8601 UTC with milliseconds: "2024-05-17T08:44:49.366Z".
std::string iso_millis(time_point t);
/// Campaign's payload format: "2024-05-17 08:44:49.366Z".
std::string campaign_time(time_point t);
/// Entra's error timestamp: "2024-05-17 08:44:49Z".
std::string entra_time(time_point t);
/// Parses "YYYY-MM-DD[T ]HH:MM:SS[.fff][Z]" as UTC; nullopt when malformed.
std::optional<time_point> parse_time(std::string_view text);

/// A 64-bit FNV-1a hash, the same on every platform (for deterministic ids).
std::uint64_t stable_hash(std::string_view text, std::uint64_t seed = 0) noexcept;

/// Deterministic pseudo-random numbers (SplitMix64), identical on every platform and library.
class seeded_random {
 public:
  explicit seeded_random(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept;
  /// Uniform in [0, 1).
  double unit() noexcept;
  /// A version-4-shaped UUID (lowercase, hyphenated) from the next 128 bits.
  std::string uuid();

 private:
  std::uint64_t state_;
};

/// A UUID from the OpenSSL random generator (trace ids, correlation ids).
std::string random_uuid();

/// Thrown by the control-body readers below; emulators turn it into control_error().
struct control_failure : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

/// The JSON object of a control body (an empty object for null). Throws control_failure.
const boost::json::object& control_object(const boost::json::value& body);
/// A string member; required ones throw control_failure when absent or not a string.
std::string json_string(const boost::json::object& o, std::string_view key, bool required = false);
/// A member that is a string or an array of strings (absent: empty).
std::vector<std::string> json_strings(const boost::json::object& o, std::string_view key);
/// A numeric member, or `fallback` when absent. Throws control_failure when not a number.
double json_number(const boost::json::object& o, std::string_view key, double fallback);
/// A boolean member, or `fallback` when absent. Throws control_failure when not a boolean.
bool json_bool(const boost::json::object& o, std::string_view key, bool fallback);

}  // namespace switchboard::sandbox::jwt
