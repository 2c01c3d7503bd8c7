// Helpers shared by tests: temporary directories, waiting on conditions, files.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace switchboard::test {

/// A fresh directory under the system temp dir, removed with its content on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  /// path() / name
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Polls `condition` until it is true or `deadline` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(30));

/// Writes `content` to `file` (creating directories), replacing it.
void write_file(const std::filesystem::path& file, const std::string& content);

/// The whole content of a file ("" when missing).
std::string read_file(const std::filesystem::path& file);

/// The lines of a file, without line ends.
std::vector<std::string> read_lines(const std::filesystem::path& file);

}  // namespace switchboard::test
