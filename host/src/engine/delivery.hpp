// Writing records to a sink under a route's error policy: retries, backoff, dead letters.
#pragma once

#include "switchboard/host/config.hpp"
#include "switchboard/host/state_store.hpp"
#include "switchboard/host/stop_control.hpp"
#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/context.hpp"

#include <optional>
#include <random>
#include <string>
#include <vector>

namespace switchboard::host {

/// A record that will not be written, with why and how often it was tried.
struct failed_record {
  sdk::record record;
  std::string reason;
  int attempts = 0;
};

struct delivery_result {
  std::size_t written = 0;
  std::size_t retries = 0;  ///< write attempts beyond the first, summed over records
  std::vector<failed_record> failed;
  std::vector<id_update> ids;  ///< id map changes for written records
  /// Abort was requested while records were still unwritten; the batch must not be committed.
  bool abandoned = false;
  /// A permanent failure under the fail_route policy; the batch must not be committed.
  std::optional<std::string> route_failure;
};

/// The delay before retry number `attempt` (1-based): initial × 2^(attempt-1), capped, with
/// "equal jitter" (half fixed, half random) so that retrying routes do not synchronise.
std::chrono::milliseconds backoff_delay(const error_policy& policy, int attempt,
                                        std::mt19937_64& rng);

/// Writes `batch` to `sink`, retrying retryable ones with backoff until they succeed, reach
/// max_attempts, or the batch's retry budget runs out; those and permanent failures are
/// returned as failed (or, under fail_route, end the delivery). Exceptions from the sink mark
/// every record of that call retryable. Waits are interrupted by an abort. Records that failed
/// are moved out of `batch` into the result; the rest stay (the caller may reuse the vector).
delivery_result deliver(sdk::sink& sink, std::vector<sdk::record>& batch,
                        const error_policy& policy, stop_control& stop, sdk::logger& log,
                        std::mt19937_64& rng);

}  // namespace switchboard::host
