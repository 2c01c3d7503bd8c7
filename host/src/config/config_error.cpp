// config_error: a configuration problem located by file and JSON pointer.
#include "switchboard/host/config.hpp"

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

}  // namespace switchboard::host
