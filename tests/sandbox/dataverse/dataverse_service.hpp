// The emulator's state and the per-request context its handlers share (internal).
#pragma once

#include "sandbox/dataverse/dataverse_emulator.hpp"
#include "sandbox/dataverse/dataverse_store.hpp"
#include "sandbox/dataverse/odata_query.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace switchboard::sandbox::dataverse {

/// Everything behind the emulator's lock.
struct service_state {
  explicit service_state(dataverse_options opts) : options(std::move(opts)), store(options.clock) {}

  dataverse_options options;
  dataverse_store store;
  /// Delta tokens with a smaller version are expired (expire_delta_tokens).
  std::uint64_t expired_before = 0;
  /// Requests served by label, $batch inner requests included.
  std::map<std::string, std::size_t> operations;
};

/// Content-ID references of a $batch change set: "$1" → the created entity's URL.
using content_id_map = std::map<std::string, std::string, std::less<>>;

/// What a request inside $batch shares with the batch.
struct batch_context {
  content_id_map content_ids;  ///< filled in a change set
  std::string entity_url;      ///< set by a write to the URL of the row it wrote
};

/// One request as the handlers see it.
struct odata_call {
  const server_request& request;
  std::string root;      ///< "https://<host>/api/data/v9.2" (links are built on it)
  std::string resource;  ///< the path after root + "/", percent-decoded
  std::string raw_query;
  std::vector<std::pair<std::string, std::string>> query;
  preferences prefer;
  batch_context* batch = nullptr;  ///< set inside $batch

  const content_id_map* content_ids() const { return batch ? &batch->content_ids : nullptr; }
};

/// Answers an authorized request (no auth or throttling here): routes it to the reads,
/// writes, metadata or $batch handlers and turns odata_exception into the error reply.
server_reply serve(service_state& state, const server_request& request, batch_context* batch);

/// The classify() label of a method and target.
std::string classify_target(std::string_view method, std::string_view target);

}  // namespace switchboard::sandbox::dataverse
