// URL checks, Retry-After parsing, backoff and rate-limit arithmetic of the HTTP client.
#include "client_policy.hpp"

#include <fmt/format.h>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <locale>
#include <random>
#include <sstream>

namespace switchboard::host::http_detail {
namespace {

namespace urls = boost::urls;

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (sdk::http_response::ascii_lower(a[i]) != sdk::http_response::ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool is_token_char(char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

std::optional<request_target> parse_request_url(std::string_view url, std::string& error) {
  auto parsed = urls::parse_absolute_uri(url);
  if (!parsed) {
    error = fmt::format("invalid url '{}': {}", url, parsed.error().message());
    return std::nullopt;
  }
  const urls::url_view& u = *parsed;
  if (u.scheme_id() != urls::scheme::https) {
    error =
        fmt::format("unsupported url scheme '{}' in '{}': only https is allowed", u.scheme(), url);
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    error = "url carries user credentials in its authority, which is not allowed";
    return std::nullopt;
  }
  request_target t;
  switch (u.host_type()) {
    case urls::host_type::ipv4:
      t.host = u.host_address();
      t.host_is_address = true;
      break;
    case urls::host_type::ipv6:
      t.host = u.host_address();
      t.host_is_address = true;
      break;
    case urls::host_type::name:
      t.host = u.host_address();
      std::transform(t.host.begin(), t.host.end(), t.host.begin(), sdk::http_response::ascii_lower);
      break;
    default:
      error = fmt::format("url '{}' has no usable host", url);
      return std::nullopt;
  }
  if (t.host.empty()) {
    error = fmt::format("url '{}' has no host", url);
    return std::nullopt;
  }
  std::uint16_t port = 443;
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) {
      error = fmt::format("url '{}' has an invalid port '{}'", url, u.port());
      return std::nullopt;
    }
    port = u.port_number();
  }
  t.port = std::to_string(port);
  std::string bracketed = u.host_type() == urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.origin = fmt::format("https://{}:{}", bracketed, port);
  t.host_header = port == 443 ? bracketed : fmt::format("{}:{}", bracketed, port);
  t.target = std::string(u.encoded_path());
  if (t.target.empty()) t.target = "/";
  if (u.has_query()) {
    t.target += '?';
    t.target += u.encoded_query();
  }
  return t;
}

std::string check_header(const sdk::http_header& header) {
  if (header.name.empty()) return "empty header name";
  for (char c : header.name) {
    if (!is_token_char(c)) return fmt::format("invalid character in header name '{}'", header.name);
  }
  for (char c : header.value) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n' || c == '\0' || (u < 0x20 && c != '\t') || u == 0x7f) {
      return fmt::format("invalid character in the value of header '{}'", header.name);
    }
  }
  return {};
}

bool is_managed_header(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 7> managed{
      "host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "te"};
  return std::any_of(managed.begin(), managed.end(),
                     [&](std::string_view m) { return iequals(m, name); });
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::uint64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size()) {
      return std::chrono::milliseconds::max();  // too many digits: longer than any limit
    }
    constexpr std::uint64_t cap = 10u * 365 * 24 * 3600;
    return std::chrono::milliseconds(std::min(seconds, cap) * 1000);
  }
  std::tm tm{};
  std::istringstream in{std::string(value)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  std::time_t at = timegm(&tm);
  if (at == static_cast<std::time_t>(-1)) return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(at);
  if (when <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(when - now);
}

std::chrono::milliseconds backoff_delay(const http_retry_policy& policy, unsigned retry,
                                        double jitter) noexcept {
  double base = static_cast<double>(policy.initial_backoff.count());
  double cap = static_cast<double>(policy.max_backoff.count());
  double exponent = retry == 0 ? 0.0 : static_cast<double>(std::min(retry - 1, 40u));
  double full = std::min(cap, base * std::pow(2.0, exponent));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(full * (0.5 + 0.5 * jitter)));
}

double random_unit() noexcept {
  thread_local std::minstd_rand engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool is_retryable_status(int status_code) noexcept {
  return status_code == 429 || (status_code >= 500 && status_code <= 599);
}

bool is_idempotent(std::string_view method) noexcept {
  static constexpr std::array<std::string_view, 6> safe{"GET",   "HEAD", "OPTIONS",
                                                        "TRACE", "PUT",  "DELETE"};
  return std::find(safe.begin(), safe.end(), method) != safe.end();
}

std::string_view status_class(int status_code) noexcept {
  switch (status_code / 100) {
    case 1:
      return "1xx";
    case 2:
      return "2xx";
    case 3:
      return "3xx";
    case 4:
      return "4xx";
    case 5:
      return "5xx";
    default:
      return "error";
  }
}

token_bucket::token_bucket(const http_rate_limit& limit) noexcept
    : rate_(std::max(0.0, limit.requests_per_second)),
      burst_(std::max(1.0, static_cast<double>(limit.burst))),
      tokens_(burst_) {}

std::chrono::steady_clock::duration token_bucket::reserve(
    std::chrono::steady_clock::time_point now) noexcept {
  if (rate_ <= 0) return {};
  if (updated_ != std::chrono::steady_clock::time_point{} && now > updated_) {
    tokens_ =
        std::min(burst_, tokens_ + std::chrono::duration<double>(now - updated_).count() * rate_);
  }
  if (now > updated_) updated_ = now;
  tokens_ -= 1;
  if (tokens_ >= 0) return {};
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(-tokens_ / rate_));
}

void token_bucket::give_back() noexcept {
  if (rate_ > 0) tokens_ = std::min(burst_, tokens_ + 1);
}

}  // namespace switchboard::host::http_detail
