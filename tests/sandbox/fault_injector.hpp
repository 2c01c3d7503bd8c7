// Fault injection and request counting in front of an emulator.
#pragma once

#include "sandbox/emulator.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::sandbox {

/// One fault rule: which requests it hits and what happens to them.
struct fault_rule {
  /// Requests whose kind (emulator::classify) starts with this; "" hits every request.
  std::string match;
  /// Answer with this status instead of the emulator (0: let the emulator answer).
  int status = 0;
  /// Fraction of matching requests hit, spread evenly (0.1: the 10th, 20th, ...).
  double rate = 1.0;
  /// Hit only the next `count` matching requests (0: no limit).
  std::uint64_t count = 0;
  /// Retry-After seconds sent with an injected 429 or 503 (negative: none).
  int retry_after = -1;
  /// Delay before answering.
  std::chrono::milliseconds latency{0};
  /// Close the connection without answering.
  bool reset = false;
  /// Send half of the emulator's body, then close.
  bool truncate = false;
  /// Replace the emulator's body with malformed JSON.
  bool malformed = false;

  /// Parses {"match","status","rate","count","retry_after","latency_ms","reset","truncate",
  /// "malformed"}; throws std::invalid_argument naming the bad field.
  static fault_rule from_json(const boost::json::value& v);
  /// Parses the command-line form "match|key=value,key=value" (e.g. "GET contacts|status=503,
  /// rate=0.1,retry_after=1"); throws std::invalid_argument.
  static fault_rule from_text(std::string_view text);
};

/// Applies fault rules to requests and counts requests by kind and status. Thread-safe.
class fault_injector {
 public:
  void add(fault_rule rule);
  void clear();
  /// Handles a request through `service`, applying the first rule that hits it.
  server_reply handle(emulator& service, const server_request& request);
  /// {"total": n, "by_kind": {"GET contacts": n, ...}, "by_status": {"200": n, ...}}
  boost::json::value counts() const;
  std::uint64_t count(std::string_view kind) const;
  void reset_counts();

 private:
  struct active_rule {
    fault_rule rule;
    std::uint64_t seen = 0;
    std::uint64_t hit = 0;
  };
  std::optional<fault_rule> select(const std::string& kind);

  mutable std::mutex mutex_;
  std::vector<active_rule> rules_;
  std::map<std::string, std::uint64_t, std::less<>> by_kind_;
  std::map<int, std::uint64_t> by_status_;
  std::uint64_t total_ = 0;
};

}  // namespace switchboard::sandbox
