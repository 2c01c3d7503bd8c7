// secret_resolver::system() and secret_registry: looking up and redacting secret values.
#include "file_util.hpp"
#include "switchboard/host/config.hpp"

#include <algorithm>
#include <cstdlib>

namespace switchboard::host {
namespace {

std::optional<std::string> read_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> read_secret_file(const std::string& path) {
  std::string reason;
  auto content = config_detail::read_text_file(path, reason);
  if (!content) return std::nullopt;
  if (content->ends_with("\r\n")) {
    content->resize(content->size() - 2);
  } else if (content->ends_with('\n')) {
    content->pop_back();
  }
  return content;
}

}  // namespace

secret_resolver secret_resolver::system() { return {read_environment, read_secret_file}; }

void secret_registry::add(std::string value) {
  if (value.empty()) return;
  const std::lock_guard lock(mutex_);
  if (std::find(values_.begin(), values_.end(), value) != values_.end()) return;
  const auto position = std::find_if(values_.begin(), values_.end(),
                                     [&](const std::string& v) { return v.size() < value.size(); });
  values_.insert(position, std::move(value));
}

std::string secret_registry::redact(std::string_view text) const {
  const std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto match = std::find_if(values_.begin(), values_.end(), [&](const std::string& v) {
      return text.substr(i, v.size()) == v;
    });
    if (match != values_.end()) {
      out += "***";
      i += match->size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

bool secret_registry::empty() const {
  const std::lock_guard lock(mutex_);
  return values_.empty();
}

}  // namespace switchboard::host
