// The Dataverse Web API error replies: status, hex code and message as the service documents them.
#pragma once

#include "sandbox/emulator.hpp"

#include <exception>
#include <string>
#include <string_view>

namespace switchboard::sandbox::dataverse {

/// One error as the Web API reports it: {"error":{"code":"0x…","message":"…"}}.
struct odata_error {
  int status = 400;
  std::string code;
  std::string message;
};

/// Carries an odata_error from deep inside request handling to the one place that turns it
/// into a reply (the request router).
class odata_exception : public std::exception {
 public:
  explicit odata_exception(odata_error error) : error_(std::move(error)) {}
  const odata_error& error() const noexcept { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  odata_error error_;
};

/// Throws odata_exception.
[[noreturn]] void fail(odata_error error);

struct preferences;

/// The error reply: JSON body, OData-Version header; with Prefer:
/// odata.include-annotations="*" (or the names) the error gains the
/// @Microsoft.PowerApps.CDS.* detail annotations.
server_reply error_reply(const odata_error& error, const preferences* prefer = nullptr);

/// Error codes the emulator uses (names from the Dataverse web service error code list).
namespace codes {
inline constexpr std::string_view query_error = "0x80060888";    // OData URI / query errors
inline constexpr std::string_view payload_error = "0x80048d19";  // payload not understood
inline constexpr std::string_view object_does_not_exist = "0x80040217";
inline constexpr std::string_view duplicate_record = "0x80040237";
inline constexpr std::string_view version_mismatch = "0x80060882";
inline constexpr std::string_view validation = "0x80044331";
inline constexpr std::string_view picklist_range = "0x8004431a";
inline constexpr std::string_view invalid_argument = "0x80040203";
inline constexpr std::string_view expired_version_stamp = "0x80044352";
inline constexpr std::string_view change_tracking_not_enabled = "0x80072491";
inline constexpr std::string_view request_limit = "0x80072322";
inline constexpr std::string_view concurrency_limit = "0x80072326";
}  // namespace codes

/// 404 "Resource not found for the segment 'x'."
odata_error segment_not_found(std::string_view segment);
/// 400 "Could not find a property named 'x' on type 'Microsoft.Dynamics.CRM.t'."
odata_error unknown_property(std::string_view property, std::string_view logical_name);
/// 400 query error with a free message.
odata_error query_error(std::string message);
/// 400 "Error identified in Payload provided by the user for Entity :'set' … InnerException : …"
odata_error payload_error(std::string_view entity_set, std::string_view inner_message);
/// 404 "<logical> With Id = <id> Does Not Exist" (code 0x80040217).
odata_error record_not_found(std::string_view logical_name, std::string_view id);

}  // namespace switchboard::sandbox::dataverse
