// spdlog-backed log service: formats tags as JSON fields or a human prefix, redacts secrets.
#include "switchboard/host/logging.hpp"

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace switchboard::host {
namespace {

spdlog::level::level_enum to_spdlog(sdk::log_level level) {
  switch (level) {
    case sdk::log_level::trace:
      return spdlog::level::trace;
    case sdk::log_level::debug:
      return spdlog::level::debug;
    case sdk::log_level::info:
      return spdlog::level::info;
    case sdk::log_level::warn:
      return spdlog::level::warn;
    case sdk::log_level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string json_string(std::string_view s) {
  return boost::json::serialize(boost::json::string(s));
}

class tagged_logger final : public sdk::logger {
 public:
  tagged_logger(log_service& service, log_tags tags) : service_(service), tags_(std::move(tags)) {}
  bool enabled(sdk::log_level level) const noexcept override { return service_.enabled(level); }
  void write(sdk::log_level level, std::string_view message) override {
    service_.write(level, tags_, message);
  }

 private:
  log_service& service_;
  log_tags tags_;
};

}  // namespace

std::optional<sdk::log_level> parse_log_level(std::string_view text) {
  if (text == "trace") return sdk::log_level::trace;
  if (text == "debug") return sdk::log_level::debug;
  if (text == "info") return sdk::log_level::info;
  if (text == "warn") return sdk::log_level::warn;
  if (text == "error") return sdk::log_level::error;
  return std::nullopt;
}

log_service::log_service(const log_config& config, std::shared_ptr<const secret_registry> secrets)
    : format_(config.format),
      level_(parse_log_level(config.level).value_or(sdk::log_level::info)),
      secrets_(std::move(secrets)) {
  spdlog::sink_ptr sink;
  if (config.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file.string());
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("log file " + config.file.string() + ": " + e.what());
    }
  }
  logger_ = std::make_shared<spdlog::logger>("switchboard", std::move(sink));
  logger_->set_level(to_spdlog(level_));
  logger_->flush_on(spdlog::level::warn);
  if (format_ == log_format::json) {
    logger_->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                         spdlog::pattern_time_type::utc);
  } else {
    logger_->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
  }
}

log_service::~log_service() { flush(); }

bool log_service::enabled(sdk::log_level level) const noexcept { return level >= level_; }

void log_service::write(sdk::log_level level, const log_tags& tags, std::string_view message) {
  if (!enabled(level)) return;
  const std::string text =
      secrets_ && !secrets_->empty() ? secrets_->redact(message) : std::string(message);
  std::string line;
  if (format_ == log_format::json) {
    if (!tags.tenant.empty()) line += fmt::format("\"tenant\":{},", json_string(tags.tenant));
    if (!tags.route.empty()) line += fmt::format("\"route\":{},", json_string(tags.route));
    if (!tags.component.empty()) {
      line += fmt::format("\"component\":{},", json_string(tags.component));
    }
    if (tags.run_id != 0) line += fmt::format("\"run\":{},", tags.run_id);
    line += fmt::format("\"msg\":{}", json_string(text));
  } else {
    if (!tags.tenant.empty() || !tags.route.empty()) {
      line += fmt::format("[{}/{}", tags.tenant, tags.route);
      if (tags.run_id != 0) line += fmt::format(" run {}", tags.run_id);
      if (!tags.component.empty()) line += fmt::format(" {}", tags.component);
      line += "] ";
    }
    line += text;
  }
  logger_->log(to_spdlog(level), std::string_view(line));
}

std::unique_ptr<sdk::logger> log_service::make_logger(log_tags tags) {
  return std::make_unique<tagged_logger>(*this, std::move(tags));
}

void log_service::flush() { logger_->flush(); }

}  // namespace switchboard::host
