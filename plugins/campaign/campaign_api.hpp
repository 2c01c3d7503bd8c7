// The Campaign Standard REST conventions the sink relies on: request headers, what an answer
// means (success, gone, duplicate key, retry, permanent), error texts, and the resourceType and
// filters metadata documents.
#pragma once

#include "mapping/mapping.hpp"
#include "resource_config.hpp"

#include "switchboard/sdk/http.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::campaign {

/// Builds requests carrying the headers every Campaign call needs: the IMS token (through the
/// host client, which adds "Bearer" and retries once with a fresh token on 401), X-Api-Key,
/// Cache-Control: no-cache, Accept and Content-Type application/json. Immutable; thread-safe.
class request_builder {
 public:
  request_builder(const resource_settings& settings, sdk::token_provider* tokens);
  sdk::http_request make(std::string method, std::string url, std::string body = {}) const;

 private:
  std::string api_key_;
  sdk::token_provider* tokens_;
  std::chrono::milliseconds timeout_;
};

/// What an exchange means to the writer.
enum class answer : std::uint8_t {
  ok,             ///< 2xx
  not_found,      ///< 404: the addressed record does not exist (any more)
  duplicate_key,  ///< the engine refused a write because the identification key exists
  retryable,      ///< transport failure, 401 after the refresh, 408, 429, 5xx
  permanent,      ///< other 4xx, and engine validation errors Campaign answers with 500
};
answer classify(const sdk::http_exchange& exchange) noexcept;

/// The path of a URL without scheme, host and query: what messages name (never the token).
std::string_view url_path(std::string_view url) noexcept;

/// An answer body for an error text: at most 200 bytes, "(empty body)" when empty.
std::string snippet(std::string_view body);

/// Campaign's error text of a response: "<error_code|code> <message>" from a JSON body, or the
/// non-empty lines of an RST-… text joined with " / ", shortened to a few hundred characters.
std::string campaign_message(const sdk::http_response& response);

/// "POST /org/campaign/profileAndServicesExt/profile returned 400: <campaign message>", or the
/// transport failure; lowercase where the text is ours.
std::string describe_failure(const sdk::http_request& request, const sdk::http_exchange& exchange);

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters are kept).
std::string percent_encode(std::string_view text);

/// The "PKey" of a JSON object document (the last one when the key repeats), as
/// boost::json::parse would read it; nullopt when the text is not a JSON object, has no
/// top-level PKey, or its PKey is not a string. Reads without building the document: a create
/// answers with the whole record, of which the sink keeps only the PKey.
std::optional<std::string> top_level_pkey(std::string_view body);

/// What the resourceType document says about a resource.
struct resource_metadata {
  mapping::target_schema schema;
  /// Fields the metadata marks readOnly: the sink cannot write them.
  std::set<std::string, std::less<>> read_only;
  /// GET it for the resource's filter definitions.
  std::string filters_href;
};

/// Reads GET <api>/resourceType/<resource>. Fields get their type from "type" (for "number",
/// from "resType": long → integer, double → double); links are typed link. Throws
/// std::runtime_error on a document without "content".
resource_metadata parse_resource_metadata(const boost::json::object& document,
                                          std::string_view resource);

/// A filter that looks records up by one field: GET <resource>/<name>?<parameter>=<value>.
struct lookup_filter {
  std::string name;
  std::string parameter;
};

/// The single-parameter filters of a filters document whose condition is
/// "@<field> = $(<parameter>)", by field: the documented way to address a record by an
/// identification key (campaign-standard-api.md §5).
std::map<std::string, lookup_filter, std::less<>> lookup_filters(
    const boost::json::object& filters_document);

}  // namespace switchboard::campaign
