// Private helpers for reading configuration and secret files and resolving their paths.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace switchboard::host::config_detail {

/// The whole content of a file; nullopt when unreadable, with `reason` set to the OS reason.
std::optional<std::string> read_text_file(const std::filesystem::path& file, std::string& reason);

/// `path` made absolute (relative to `base` when relative) and lexically normalised, without a
/// trailing separator.
std::filesystem::path resolve_path(const std::filesystem::path& base,
                                   const std::filesystem::path& path);

/// `path` made absolute against the current directory and lexically normalised.
std::filesystem::path absolute_path(const std::filesystem::path& path);

}  // namespace switchboard::host::config_detail
