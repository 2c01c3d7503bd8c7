// Dataverse Web API calls through the host's HTTP client: the standard headers, and the one
// place where an exchange becomes a status (retryable, permanent or needs-resync).
#pragma once

#include "switchboard/sdk/http.hpp"
#include "switchboard/sdk/status.hpp"

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::dynamics365 {

/// The documented error code of an expired delta token (reference §6; the emulator's choice).
inline constexpr std::string_view expired_version_stamp_code = "0x80044352";

/// True when `url` starts with "https://" (any case).
bool starts_with_https(std::string_view url) noexcept;
/// "https://host:port" of an absolute URL, host lowercased; "" when it is not https.
std::string origin_of(std::string_view url);
/// True when two URLs reach the same Dataverse environment: the same origin, or both under
/// dynamics.com with the same organization label and port ("org.crm.dynamics.com" and its
/// alternate form "org.api.crm.dynamics.com").
bool same_environment(std::string_view a, std::string_view b);
/// The path of an absolute URL, without query or fragment ("/api/data/v9.2/contacts").
std::string_view path_of(std::string_view url) noexcept;

/// What a GET produced: ok with the parsed JSON object, or a failure.
struct api_result {
  sdk::status status;
  boost::json::object body;
  /// The answer's HTTP status; 0 when none arrived.
  int http_status = 0;
};

/// How to read one answer.
struct get_options {
  /// Prefer header values, joined with ",".
  std::vector<std::string> prefer;
  /// The URL is (part of) a delta link: an error mentioning expiry asks for a resync.
  bool delta = false;
  /// Where the parsed answer lives (default: the heap). A page's rows become records that
  /// keep it: a shared monotonic resource makes parsing a page one allocation per block and
  /// freeing it one per block, once its last record is gone.
  boost::json::storage_ptr storage;
};

/// One Dataverse environment's Web API, borrowed services. Thread-compatible (one route
/// thread uses it at a time); the HTTP client and token provider are thread-safe.
class web_api {
 public:
  /// `url` is the environment URL without a trailing slash.
  web_api(std::string url, const std::string& api_version, sdk::http_client& http,
          sdk::token_provider& tokens, std::chrono::milliseconds timeout);

  /// "https://org.crm.dynamics.com/api/data/v9.2".
  const std::string& root() const noexcept { return root_; }
  /// "https://org.crm.dynamics.com".
  const std::string& environment() const noexcept { return url_; }

  /// GETs an absolute URL and parses the answer. Failures name the method and the URL path
  /// (never the query or a token): transport errors, 429 and 5xx that outlived the host's
  /// retries and malformed bodies are retryable; other 4xx are permanent with Dataverse's
  /// error code and message; an expired delta token asks for a resync.
  api_result get(const std::string& url, const get_options& options = {});

  /// The request get() sends (for send_many).
  sdk::http_request request(const std::string& url, const get_options& options) const;
  /// Turns an exchange of request(url) into a result.
  api_result interpret(const std::string& url, const get_options& options,
                       sdk::http_exchange exchange);

  sdk::http_client& http() noexcept { return http_; }

 private:
  std::string url_;
  std::string root_;
  sdk::http_client& http_;
  sdk::token_provider& tokens_;
  std::chrono::milliseconds timeout_;
};

}  // namespace switchboard::dynamics365
