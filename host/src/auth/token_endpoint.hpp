// Talking to an OAuth token endpoint: form bodies, the POST, and reading the token or the error.
#pragma once

#include "token_cache.hpp"

#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::host::auth_detail {

/// application/x-www-form-urlencoded encoding of name=value pairs.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

/// "<base>" without trailing slashes.
std::string without_trailing_slash(std::string_view base);

/// One token endpoint and how its answers are read.
struct token_endpoint {
  std::string service;  ///< "entra", "ims": starts messages
  std::string url;
  std::chrono::milliseconds timeout{30000};
  /// expires_in above 10^6 is taken as milliseconds (IMS JWT exchange).
  bool large_expires_in_is_ms = false;
  /// Secrets to blank out of anything quoted from the answer.
  std::vector<std::string> secrets;
};

/// POSTs `form` and reads {"access_token", "expires_in"} from a 200 answer. A refusal (4xx)
/// is permanent and quotes the endpoint's error and error_description; a transport failure or
/// a 5xx/429 that outlived the client's retries is retryable.
sdk::status request_token(sdk::http_client& http, const token_endpoint& endpoint,
                          const std::string& form, issued_token& token);

/// Throws std::invalid_argument("<what>: <field> is empty") when `value` is empty.
void require(std::string_view what, std::string_view field, std::string_view value);

}  // namespace switchboard::host::auth_detail
