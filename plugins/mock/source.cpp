// mock.source: generation or JSONL reading, pacing and fault injection.
#include "source.hpp"

#include "jsonl_reader.hpp"
#include "record_generator.hpp"
#include "source_config.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <optional>
#include <string>
#include <system_error>

namespace switchboard::mock {
namespace {

class mock_source final : public sdk::source {
 public:
  mock_source(source_settings settings, sdk::context& ctx)
      : settings_(std::move(settings)), ctx_(ctx) {
    if (!settings_.jsonl.empty()) jsonl_.emplace(settings_.jsonl);
  }

  sdk::status open(const sdk::cursor& from) override {
    pacing_started_ = false;
    if (jsonl_) return jsonl_->open(from);
    std::uint64_t index = 0;
    if (!from.empty()) {
      const char* end = from.token.data() + from.token.size();
      const auto [ptr, ec] = std::from_chars(from.token.data(), end, index);
      if (ec != std::errc{} || ptr != end) {
        return sdk::status::permanent("mock.source: malformed cursor \"" + from.token +
                                      "\" (expected a record index)");
      }
    }
    next_index_ = index;
    return sdk::status::ok();
  }

  sdk::status read(sdk::batch& out, std::size_t max_records) override {
    if (settings_.crash_after != 0 && handed_out_ >= settings_.crash_after) std::raise(SIGKILL);
    ++read_calls_;
    out.next = position();
    if (settings_.fail_read_every != 0 && read_calls_ % settings_.fail_read_every == 0) {
      return sdk::status::retryable("mock.source: injected read failure (call " +
                                    std::to_string(read_calls_) + ")");
    }
    if (settings_.read_latency.count() > 0 && !ctx_.clock().wait_for(settings_.read_latency)) {
      return sdk::status::ok();
    }
    std::size_t wanted = max_records;
    if (settings_.crash_after != 0) {
      wanted = static_cast<std::size_t>(
          std::min<std::uint64_t>(wanted, settings_.crash_after - handed_out_));
    }
    const std::size_t before = out.records.size();
    sdk::status result = jsonl_ ? read_jsonl(out, wanted) : read_generated(out, wanted);
    const std::size_t produced = out.records.size() - before;
    handed_out_ += produced;
    paced_ += produced;
    out.next = position();
    return result;
  }

  /// Generator mode: `count`; JSONL files grow, so they cannot tell.
  std::optional<std::uint64_t> total_records() override {
    if (jsonl_) return std::nullopt;
    return settings_.count;
  }

 private:
  sdk::status read_generated(sdk::batch& out, std::size_t wanted) {
    const std::uint64_t remaining =
        settings_.count > next_index_ ? settings_.count - next_index_ : 0;
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(wanted, remaining));
    if (n > 0) n = pace(n);
    out.records.reserve(out.records.size() + n);
    for (std::size_t i = 0; i < n; ++i) {
      generate_record(next_index_++, settings_.generator, out.records.emplace_back());
    }
    out.caught_up = next_index_ >= settings_.count;
    return sdk::status::ok();
  }

  sdk::status read_jsonl(sdk::batch& out, std::size_t wanted) {
    const std::size_t n = wanted > 0 ? pace(wanted) : 0;
    if (wanted > 0 && n == 0) return sdk::status::ok();
    bool at_end = false;
    sdk::status result = jsonl_->read(out.records, n, at_end);
    out.caught_up = at_end;
    return result;
  }

  /// How many of `wanted` records may go now under rate_limit. Record k since open() is due
  /// at k / rate_limit seconds; waits until a group of up to a tenth of a second's worth is due,
  /// so batches do not shrink to single records. Returns 0 only when shutdown cut the wait short.
  std::size_t pace(std::size_t wanted) {
    if (settings_.rate_limit <= 0) return wanted;
    sdk::clock_service& clock = ctx_.clock();
    if (!pacing_started_) {
      pacing_started_ = true;
      pacing_start_ = clock.steady_now();
      paced_ = 0;
    }
    const double rate = settings_.rate_limit;
    const auto due_count = [&] {
      const std::chrono::duration<double> elapsed = clock.steady_now() - pacing_start_;
      return std::floor(elapsed.count() * rate) + 1 - static_cast<double>(paced_);
    };
    const double group = std::clamp(std::floor(rate / 10), 1.0, static_cast<double>(wanted));
    if (due_count() < group) {
      const std::chrono::duration<double> group_due{(static_cast<double>(paced_) + group - 1) /
                                                    rate};
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(
          pacing_start_ +
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(group_due) -
          clock.steady_now());
      if (!clock.wait_for(std::max(wait, std::chrono::milliseconds{1}))) return 0;
    }
    // A clock that did not advance (as in tests) still lets one record through.
    return static_cast<std::size_t>(std::clamp(due_count(), 1.0, static_cast<double>(wanted)));
  }

  sdk::cursor position() const {
    return jsonl_ ? jsonl_->position() : sdk::cursor{std::to_string(next_index_)};
  }

  source_settings settings_;
  sdk::context& ctx_;
  std::optional<jsonl_reader> jsonl_;
  std::uint64_t next_index_ = 0;
  std::uint64_t read_calls_ = 0;
  std::uint64_t handed_out_ = 0;
  bool pacing_started_ = false;
  std::chrono::steady_clock::time_point pacing_start_{};
  std::uint64_t paced_ = 0;
};

}  // namespace

std::unique_ptr<sdk::source> make_source(const sdk::options& options, sdk::context& ctx) {
  return std::make_unique<mock_source>(parse_source_settings(options), ctx);
}

}  // namespace switchboard::mock
