// Status values: how plugins report expected failures to the host without exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace switchboard::sdk {

/// What the host should do about a failure.
enum class error_kind : std::uint8_t {
  /// Try again later (timeouts, 429, 5xx, resets); the host backs off and retries.
  retryable,
  /// Trying again will not help (bad record, 400, bad configuration).
  permanent,
  /// The source's position is no longer valid (expired delta token); the host restarts the
  /// route from the beginning and logs why.
  needs_resync,
  /// Something this depends on is not there yet (a parent record); the host retries later.
  wait_for_dependency,
};

/// Returns the lowercase name of a kind ("retryable", "permanent", ...).
constexpr const char* to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::retryable:
      return "retryable";
    case error_kind::permanent:
      return "permanent";
    case error_kind::needs_resync:
      return "needs-resync";
    case error_kind::wait_for_dependency:
      return "wait-for-dependency";
  }
  return "unknown";
}

/// Success, or a failure with a kind and a message (lowercase, says what, where and the value).
/// Cheap to copy on success. Not thread-safe to mutate; immutable use is safe.
class [[nodiscard]] status {
 public:
  /// Success.
  status() = default;

  /// A success value.
  static status ok() { return {}; }
  /// A failure of the given kind.
  static status error(error_kind kind, std::string message) {
    return status(kind, std::move(message));
  }
  /// Shorthands for the common kinds.
  static status retryable(std::string message) {
    return error(error_kind::retryable, std::move(message));
  }
  static status permanent(std::string message) {
    return error(error_kind::permanent, std::move(message));
  }
  static status needs_resync(std::string message) {
    return error(error_kind::needs_resync, std::move(message));
  }

  /// True on success.
  bool is_ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  /// The failure kind; meaningless on success.
  error_kind kind() const noexcept { return kind_; }
  /// The failure message; empty on success.
  const std::string& message() const noexcept { return message_; }

 private:
  status(error_kind kind, std::string message)
      : ok_(false), kind_(kind), message_(std::move(message)) {}

  bool ok_ = true;
  error_kind kind_ = error_kind::permanent;
  std::string message_;
};

}  // namespace switchboard::sdk
