// Shared emulator helpers: form decoding, clocks, timestamps, deterministic ids, control bodies.
#include "sandbox/jwt/support.hpp"

#include <openssl/rand.h>
#include <boost/json/value.hpp>

#include <cstdio>
#include <ctime>

namespace switchboard::sandbox::jwt {
namespace {

std::tm utc_tm(time_point t) {
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

int millis_of(time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  return static_cast<int>(((ms.count() % 1000) + 1000) % 1000);
}

std::string format(time_point t, char separator, bool millis) {
  const std::tm tm = utc_tm(t);
  char text[96];
  if (millis) {
    std::snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, separator, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  millis_of(t));
  } else {
    std::snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, separator, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return text;
}

std::string uuid_from(std::uint64_t high, std::uint64_t low) {
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                static_cast<unsigned long long>(high & 0xFFFF),
                static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

}  // namespace

std::map<std::string, std::string, std::less<>> form_fields(std::string_view text) {
  std::map<std::string, std::string, std::less<>> out;
  for (auto& [name, value] : parse_query(text)) out.emplace(std::move(name), std::move(value));
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (sdk::http_response::ascii_lower(a[i]) != sdk::http_response::ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '@' || c == ':' || c == ',') {
      out += c;
    } else {
      out += '%';
      out += digits[u >> 4];
      out += digits[u & 15];
    }
  }
  return out;
}

bool one_of(std::string_view action, std::initializer_list<std::string_view> actions) noexcept {
  for (const auto a : actions) {
    if (a == action) return true;
  }
  return false;
}

server_reply text_reply(int status, std::string body) {
  server_reply reply;
  reply.status = status;
  reply.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  reply.body = std::move(body);
  return reply;
}

server_reply control_error(std::string message, int status) {
  return json_reply(status, boost::json::object{{"error", std::move(message)}});
}

adjustable_clock::adjustable_clock(std::function<time_point()> base) : base_(std::move(base)) {
  if (!base_) base_ = [] { return std::chrono::system_clock::now(); };
}

time_point adjustable_clock::now() const {
  return base_() + std::chrono::milliseconds(offset_ms_.load());
}

void adjustable_clock::advance(std::chrono::milliseconds by) noexcept {
  offset_ms_.fetch_add(by.count());
}

std::string iso_millis(time_point t) { return format(t, 'T', true); }

std::string campaign_time(time_point t) { return format(t, ' ', true); }

std::string entra_time(time_point t) { return format(t, ' ', false); }

std::optional<time_point> parse_time(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  char separator = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &year, &month, &day, &separator,
                  &hour, &minute, &second, &consumed) != 7 ||
      (separator != 'T' && separator != ' ') || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
  int millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) millis = millis * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 3; ++d) millis *= 10;
  }
  if (rest == "Z") rest.remove_prefix(1);
  if (!rest.empty()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
}

std::uint64_t stable_hash(std::string_view text, std::uint64_t seed) noexcept {
  std::uint64_t h = 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t seeded_random::next() noexcept {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double seeded_random::unit() noexcept {
  return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
}

std::string seeded_random::uuid() {
  const auto high = next();
  return uuid_from(high, next());
}

std::string random_uuid() {
  std::uint64_t parts[2];
  if (RAND_bytes(reinterpret_cast<unsigned char*>(parts), sizeof parts) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return uuid_from(parts[0], parts[1]);
}

const boost::json::object& control_object(const boost::json::value& body) {
  static const boost::json::object empty;
  if (body.is_null()) return empty;
  if (!body.is_object()) throw control_failure("the body must be a JSON object");
  return body.as_object();
}

std::string json_string(const boost::json::object& o, std::string_view key, bool required) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) throw control_failure("missing \"" + std::string(key) + "\"");
    return {};
  }
  if (!v->is_string()) throw control_failure("\"" + std::string(key) + "\" must be a string");
  return std::string(v->as_string());
}

std::vector<std::string> json_strings(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return {std::string(v->as_string())};
  if (!v->is_array()) {
    throw control_failure("\"" + std::string(key) + "\" must be a string or an array of strings");
  }
  std::vector<std::string> out;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) {
      throw control_failure("\"" + std::string(key) + "\" must hold strings only");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

double json_number(const boost::json::object& o, std::string_view key, double fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  throw control_failure("\"" + std::string(key) + "\" must be a number");
}

bool json_bool(const boost::json::object& o, std::string_view key, bool fallback) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_bool()) throw control_failure("\"" + std::string(key) + "\" must be a boolean");
  return v->as_bool();
}

}  // namespace switchboard::sandbox::jwt
