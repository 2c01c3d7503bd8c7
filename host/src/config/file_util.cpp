// Reads whole files with the OS reason on failure and resolves configuration paths.
#include "file_util.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace switchboard::host::config_detail {
namespace {

struct file_closer {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};

std::string os_reason(int error) {
  std::string reason = std::generic_category().message(error);
  if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') {
    reason[0] = static_cast<char>(reason[0] - 'A' + 'a');
  }
  return reason;
}

}  // namespace

std::optional<std::string> read_text_file(const std::filesystem::path& file, std::string& reason) {
  errno = 0;
  const std::unique_ptr<std::FILE, file_closer> stream(std::fopen(file.c_str(), "rb"));
  if (!stream) {
    reason = os_reason(errno);
    return std::nullopt;
  }
  std::string content;
  std::array<char, 8192> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), stream.get())) {
    content.append(buffer.data(), n);
  }
  if (std::ferror(stream.get()) != 0) {
    reason = os_reason(errno != 0 ? errno : EIO);
    return std::nullopt;
  }
  return content;
}

std::filesystem::path resolve_path(const std::filesystem::path& base,
                                   const std::filesystem::path& path) {
  auto resolved = (base / path).lexically_normal();
  if (!resolved.has_filename() && resolved.has_relative_path()) resolved = resolved.parent_path();
  return resolved;
}

std::filesystem::path absolute_path(const std::filesystem::path& path) {
  return resolve_path(std::filesystem::current_path(), path);
}

}  // namespace switchboard::host::config_detail
