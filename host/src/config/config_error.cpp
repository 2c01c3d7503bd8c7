// config_error: a configuration problem located by file and JSON pointer.
#include "switchboard/host/config.hpp"

#include <string>
#include <utility>

namespace switchboard::host {
namespace {

std::string format_message(const std::string& file, const std::string& pointer,
                           const std::string& reason) {
  if (pointer.empty()) return file + ": " + reason;
  return file + ": " + pointer + ": " + reason;
}

}  // namespace

config_error::config_error(std::string file, std::string pointer, std::string reason)
    : std::runtime_error(format_message(file, pointer, reason)),
      file_(std::move(file)),
      pointer_(std::move(pointer)),
      reason_(std::move(reason)) {}

config_error::config_error(std::string file, std::size_t line, std::size_t column,
                           std::string reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                         reason),
      file_(std::move(file)),
      reason_(std::move(reason)),
      line_(line),
      column_(column) {}

}  // namespace switchboard::host
