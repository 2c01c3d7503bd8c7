// Dataverse $batch bodies: building multipart/mixed requests of change sets and reading the
// multipart answer back into one status per inner request.
#pragma once

#include "switchboard/sdk/http.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::dynamics365 {

/// One write inside a change set.
struct batch_operation {
  /// Unique within the whole batch; echoed in the answer ("1", "2", …).
  std::string content_id;
  std::string method;  ///< "POST" or "PATCH"
  /// Absolute path of the target: "/api/data/v9.2/new_emailsends(new_eventid='e1')".
  std::string path;
  std::string body;  ///< JSON
};

/// Builds a $batch body of one change set per element of `change_sets` (CRLF lines,
/// `Content-Type: application/json; type=entry` on every part).
std::string build_batch_body(std::string_view boundary,
                             const std::vector<std::vector<batch_operation>>& change_sets);

/// One inner answer.
struct batch_response {
  std::string content_id;  ///< "" when the part carried none
  int status = 0;
  std::vector<sdk::http_header> headers;
  std::string body;
  /// The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const noexcept;
};

/// One top-level part of the answer: a change set's answers (change_set = true), or a single
/// answer (a request outside change sets, or the failed request of a rolled-back change set).
struct batch_response_part {
  bool change_set = false;
  std::vector<batch_response> responses;
};

/// The boundary parameter of a multipart/mixed Content-Type (quotes removed), or "".
std::string multipart_boundary(std::string_view content_type);

/// Reads a multipart/mixed $batch answer. Returns nullopt and sets `error` (what is wrong, for
/// a message) when the body is not a well-formed answer.
std::optional<std::vector<batch_response_part>> parse_batch_response(std::string_view content_type,
                                                                     std::string_view body,
                                                                     std::string& error);

}  // namespace switchboard::dynamics365
