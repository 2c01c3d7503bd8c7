// What every emulated service implements, and helpers for their request handling.
#pragma once

#include "switchboard/host/http_server.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox {

using host::reply_fault;
using host::server_reply;
using host::server_request;

/// One emulated service (Dataverse, Entra ID, Campaign, IMS, I/O Events). Served on its own
/// port by the sandbox, behind the fault injector. Thread-safe: handle() and control() may be
/// called concurrently.
class emulator {
 public:
  virtual ~emulator() = default;
  /// Lowercase service name used in control URLs: "dataverse", "entra", "campaign", "ims",
  /// "events".
  virtual std::string_view name() const noexcept = 0;
  /// Answers a request exactly as the real service documents it.
  virtual server_reply handle(const server_request& request) = 0;
  /// A short label of what the request is, for request counters and fault rules, e.g.
  /// "GET contacts", "POST $batch", "PATCH contacts", "GET EntityDefinitions", "POST token".
  virtual std::string classify(const server_request& request) const = 0;
  /// A test-control action (POST /control/<name>/<action> with a JSON body, or GET for
  /// reads). Returns nullopt for an unknown action. Errors are replies with 4xx and a JSON
  /// {"error": "..."} body.
  virtual std::optional<server_reply> control(std::string_view action, std::string_view method,
                                              const boost::json::value& body) = 0;
};

/// Access tokens issued by a token endpoint emulator (Entra ID, IMS) and checked by the
/// resource emulators that trust it. Thread-safe.
class token_registry {
 public:
  struct grant {
    std::string client_id;
    std::string audience;  ///< Entra: the resource / scope base; IMS: the org or "campaign"
    std::chrono::system_clock::time_point expires;
  };
  /// Issues a new random token valid for `lifetime`.
  std::string issue(std::string client_id, std::string audience, std::chrono::seconds lifetime);
  /// The grant of a valid, unexpired token, or nullopt.
  std::optional<grant> check(std::string_view token) const;
  /// Makes every issued token expire now (fault: token expiry).
  void expire_all();
  /// How many tokens were issued.
  std::size_t issued() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, grant, std::less<>> tokens_;
  std::size_t issued_ = 0;
};

/// A JSON reply with Content-Type application/json (OData services add their own headers).
server_reply json_reply(int status, const boost::json::value& body);
/// Decodes %XX, and '+' as a space when `plus_as_space` (query components; not in paths or
/// in OData's own links, where '+' is itself).
std::string percent_decode(std::string_view text, bool plus_as_space = true);
/// The query parameters in order, names and values percent-decoded.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
/// The value of a bearer Authorization header, or "".
std::string bearer_token(const server_request& request);

}  // namespace switchboard::sandbox
