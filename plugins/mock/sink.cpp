// mock.sink: memory, JSONL and null modes, fault injection and crash simulation.
#include "sink.hpp"

#include "key_ordinal.hpp"
#include "sink_config.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace switchboard::mock {
namespace {

class mock_sink final : public sdk::sink {
 public:
  mock_sink(sink_settings settings, sdk::context& ctx) : settings_(std::move(settings)), ctx_(ctx) {
    if (settings_.mode == sink_mode::jsonl) {
      fd_ = ::open(settings_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd_ < 0) {
        throw std::runtime_error("mock.sink: cannot open " + settings_.path + ": " +
                                 std::strerror(errno));
      }
    }
  }
  mock_sink(const mock_sink&) = delete;
  mock_sink& operator=(const mock_sink&) = delete;
  ~mock_sink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void write(std::span<const sdk::record> records, std::span<sdk::write_result> results) override {
    if (settings_.latency.count() > 0 && !ctx_.clock().wait_for(settings_.latency)) {
      for (auto& res : results) {
        res = {sdk::write_outcome::retryable, "mock.sink: write interrupted by shutdown", {}, {}};
      }
      return;
    }
    buffer_.clear();
    std::uint64_t acked = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const sdk::record& rec = records[i];
      sdk::write_result& res = results[i];
      res = {};
      if (injected_failure(rec.key, res)) continue;
      store(rec);
      if (settings_.mode != sink_mode::null && rec.op == sdk::operation::upsert) {
        res.target_key = "mock:" + rec.key;
      }
      ++acked;
      if (settings_.crash_after != 0 && acked_total_ + acked >= settings_.crash_after) {
        // The acknowledged records are in the target; the host never hears back.
        flush();
        std::raise(SIGKILL);
      }
    }
    if (std::string error = flush(); !error.empty()) {
      for (auto& res : results) {
        if (res.outcome != sdk::write_outcome::ok) continue;
        res = {sdk::write_outcome::retryable, error, {}, {}};
      }
      acked = 0;
    }
    acked_total_ += acked;
    if (acked > 0) ctx_.metrics().add("mock_sink_records_total", static_cast<double>(acked));
    if (settings_.mode == sink_mode::memory) {
      ctx_.metrics().set("mock_sink_distinct_keys", static_cast<double>(memory_.size()));
    }
  }

 private:
  /// Applies permanent_every, then retryable_every; true when `rec` fails.
  bool injected_failure(const std::string& key, sdk::write_result& res) {
    if (is_every_kth(key, settings_.permanent_every)) {
      res.outcome = sdk::write_outcome::permanent;
      res.reason = "mock.sink: injected permanent failure for " + key;
      return true;
    }
    if (is_every_kth(key, settings_.retryable_every)) {
      const std::uint64_t attempt = ++attempts_[key];
      if (attempt <= settings_.retryable_times) {
        res.outcome = sdk::write_outcome::retryable;
        res.reason = "mock.sink: injected retryable failure for " + key + " (attempt " +
                     std::to_string(attempt) + ")";
        return true;
      }
    }
    return false;
  }

  void store(const sdk::record& rec) {
    const bool upsert = rec.op == sdk::operation::upsert;
    switch (settings_.mode) {
      case sink_mode::memory:
        if (upsert) {
          memory_.insert_or_assign(rec.key, rec.fields);
        } else {
          memory_.erase(rec.key);
        }
        break;
      case sink_mode::jsonl:
        buffer_ += "{\"key\":";
        buffer_ += boost::json::serialize(boost::json::string_view(rec.key));
        buffer_ += upsert ? ",\"op\":\"upsert\",\"fields\":" : ",\"op\":\"delete\",\"fields\":";
        buffer_ += boost::json::serialize(rec.fields);
        buffer_ += "}\n";
        break;
      case sink_mode::null:
        break;
    }
  }

  /// Writes the buffered JSONL lines with write(2), so they survive a kill of this process.
  /// Returns the error, or an empty string.
  std::string flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return "mock.sink: cannot write " + settings_.path + ": " + std::strerror(errno);
      }
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
    return {};
  }

  sink_settings settings_;
  sdk::context& ctx_;
  int fd_ = -1;
  std::string buffer_;
  std::unordered_map<std::string, boost::json::object> memory_;
  std::unordered_map<std::string, std::uint64_t> attempts_;
  std::uint64_t acked_total_ = 0;
};

}  // namespace

std::unique_ptr<sdk::sink> make_sink(const sdk::options& options, sdk::context& ctx) {
  return std::make_unique<mock_sink>(parse_sink_settings(options), ctx);
}

}  // namespace switchboard::mock
