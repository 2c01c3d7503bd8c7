// $batch of the Dataverse emulator: multipart parsing, change sets, the multipart response.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// One request inside a batch.
struct batch_request {
  std::string content_id;
  std::string method;
  std::string target;
  std::vector<sdk::http_header> headers;
  std::string body;
};

/// A top-level batch part: one request, or a change set of several.
struct batch_part {
  bool change_set = false;
  std::vector<batch_request> requests;
};

/// The boundary parameter of a multipart/mixed Content-Type, or "".
std::string multipart_boundary(std::string_view content_type);
/// Parses a multipart/mixed batch body (CRLF or LF lines). Throws odata_exception 400.
std::vector<batch_part> parse_batch(std::string_view body, std::string_view boundary);

/// POST $batch: runs the parts in order (change sets atomically, Content-ID references,
/// Prefer: odata.continue-on-error) and answers the multipart/mixed response.
server_reply execute_batch(service_state& state, const odata_call& call);

}  // namespace switchboard::sandbox::dataverse
