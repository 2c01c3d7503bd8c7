// Schema and parsing of the opt-out.export_files options.
#include "export_files_config.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace switchboard::optout {
namespace {

namespace json = boost::json;
constexpr std::string_view component_id = "opt-out.export_files";

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument(fmt::format("{}: {}", component_id, what));
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::string trimmed_folder(std::string folder) {
  while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
  return folder;
}

}  // namespace

sdk::config_schema export_files_schema() {
  using sdk::option_type;
  return {
      {.name = "location",
       .type = option_type::string,
       .description = "Where the Campaign workflow drops the export files: \"sftp\" (a folder on "
                      "an SFTP server) or \"local\" (a folder of this machine)",
       .required = true,
       .allowed_values = {"sftp", "local"}},
      {.name = "folder",
       .type = option_type::string,
       .description = "The folder holding the export files; for sftp relative to the login "
                      "directory unless it starts with /, for local relative to the working "
                      "directory of the process",
       .default_value = "d365_loads/exports"},
      {.name = "processed_folder",
       .type = option_type::string,
       .description = "Where finished files are moved (created when missing); default "
                      "<folder>/processed"},
      {.name = "suffix",
       .type = option_type::string,
       .description = "File name suffix of the files to read (case-insensitive); other files "
                      "are left alone",
       .default_value = ".csv"},
      {.name = "host",
       .type = option_type::string,
       .description = "SFTP server host name or address (sftp only, required there)"},
      {.name = "port",
       .type = option_type::integer,
       .description = "SFTP server port (sftp only)",
       .default_value = 22,
       .minimum = 1,
       .maximum = 65535},
      {.name = "user",
       .type = option_type::string,
       .description = "SFTP login name (sftp only, required there)"},
      {.name = "private_key",
       .type = option_type::string,
       .description = "The SSH private key text (OpenSSH or PEM) the user logs in with, usually "
                      "\"${file:/path/to/key}\" (sftp only, required there)",
       .secret = true},
      {.name = "private_key_passphrase",
       .type = option_type::string,
       .description = "Passphrase of an encrypted private_key (sftp only)",
       .secret = true},
      {.name = "host_key_sha256",
       .type = option_type::string,
       .description = "Fingerprint of the SFTP server's host key as `ssh-keygen -lf` prints it, "
                      "\"SHA256:<base64>\"; the connection is refused when the server shows "
                      "another key (sftp only, required there)"},
      {.name = "delimiter",
       .type = option_type::string,
       .description = "The CSV field delimiter, one character",
       .default_value = ","},
      {.name = "timeout_ms",
       .type = option_type::integer,
       .description = "Deadline in milliseconds of one SFTP operation (connect, handshake, "
                      "each request)",
       .default_value = 30000,
       .minimum = 100,
       .maximum = 600000},
  };
}

export_files_settings parse_export_files_settings(const sdk::options& options) {
  export_files_settings s;
  const auto location = options.string("location");
  if (location == "sftp") {
    s.location = export_location::sftp;
  } else if (location == "local") {
    s.location = export_location::local;
  } else {
    fail(fmt::format("\"location\" is \"{}\", not sftp or local", location));
  }
  s.folder = trimmed_folder(std::string(options.string("folder")));
  if (s.folder.empty()) fail("\"folder\" is empty");
  s.processed_folder = options.has("processed_folder")
                           ? trimmed_folder(std::string(options.string("processed_folder")))
                           : s.folder + "/processed";
  if (s.processed_folder.empty()) fail("\"processed_folder\" is empty");
  if (s.processed_folder == s.folder) {
    fail(fmt::format("\"processed_folder\" \"{}\" is the folder read from", s.processed_folder));
  }
  s.suffix = std::string(options.string("suffix"));
  if (s.suffix.find('/') != std::string::npos) {
    fail(fmt::format("\"suffix\" \"{}\" contains a /", s.suffix));
  }
  const auto delimiter = options.string("delimiter");
  if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\r" || delimiter == "\n") {
    fail(
        fmt::format("\"delimiter\" must be one character other than a quote or a line end, got "
                    "\"{}\"",
                    delimiter));
  }
  s.delimiter = delimiter.front();
  s.timeout = std::chrono::milliseconds(options.integer("timeout_ms"));
  s.port = static_cast<int>(options.integer("port"));

  static constexpr std::string_view sftp_only[] = {"host", "user", "private_key",
                                                   "private_key_passphrase", "host_key_sha256"};
  if (s.location == export_location::local) {
    std::string set;
    for (const auto name : sftp_only) {
      if (options.has(name)) set += fmt::format("{}\"{}\"", set.empty() ? "" : ", ", name);
    }
    if (!set.empty()) fail(fmt::format("{} only apply to location sftp, not local", set));
    return s;
  }
  std::string missing;
  for (const auto name : {"host", "user", "private_key", "host_key_sha256"}) {
    if (!options.has(name) || options.string(name).empty()) {
      missing += fmt::format("{}\"{}\"", missing.empty() ? "" : ", ", name);
    }
  }
  if (!missing.empty()) fail(fmt::format("location sftp needs {}", missing));
  s.host = std::string(options.string("host"));
  s.user = std::string(options.string("user"));
  s.private_key = std::string(options.string("private_key"));
  if (options.has("private_key_passphrase")) {
    s.private_key_passphrase = std::string(options.string("private_key_passphrase"));
  }
  std::string fingerprint(options.string("host_key_sha256"));
  const auto bad_fingerprint = [&] {
    fail(
        fmt::format("\"host_key_sha256\" \"{}\" is not a fingerprint as `ssh-keygen -lf` prints it "
                    "(\"SHA256:\" and 43 base64 characters)",
                    fingerprint));
  };
  if (!fingerprint.starts_with("SHA256:")) bad_fingerprint();
  std::string digest = fingerprint.substr(7);
  while (!digest.empty() && digest.back() == '=') digest.pop_back();
  if (digest.size() != 43) bad_fingerprint();
  for (const char c : digest) {
    if (!is_base64_char(c)) bad_fingerprint();
  }
  s.host_key_sha256 = "SHA256:" + digest;
  return s;
}

}  // namespace switchboard::optout
