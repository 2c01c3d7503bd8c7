// The Dataverse Web API error replies: status, hex code and message as the service documents them.
#include "sandbox/dataverse/odata_errors.hpp"

#include "sandbox/dataverse/odata_query.hpp"

#include <boost/json.hpp>

namespace switchboard::sandbox::dataverse {

void fail(odata_error error) { throw odata_exception(std::move(error)); }

server_reply error_reply(const odata_error& error, const preferences* prefer) {
  boost::json::object inner;
  inner["code"] = error.code;
  inner["message"] = error.message;
  if (prefer != nullptr) {
    const auto annotate = [&](std::string_view name, const std::string& value) {
      if (prefer->wants(name)) inner["@" + std::string(name)] = value;
    };
    annotate("Microsoft.PowerApps.CDS.ErrorDetails.HttpStatusCode", std::to_string(error.status));
    annotate("Microsoft.PowerApps.CDS.HelpLink",
             "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a" +
                 (error.code.size() > 2 ? error.code.substr(2) : error.code) + "&client=platform");
    annotate("Microsoft.PowerApps.CDS.TraceText", "");
    annotate("Microsoft.PowerApps.CDS.InnerError.Message", error.message);
  }
  boost::json::object body;
  body["error"] = std::move(inner);
  server_reply reply;
  reply.status = error.status;
  reply.headers.push_back({"Content-Type", "application/json; odata.metadata=minimal"});
  reply.headers.push_back({"OData-Version", "4.0"});
  reply.body = boost::json::serialize(body);
  return reply;
}

odata_error segment_not_found(std::string_view segment) {
  return {404, std::string(codes::query_error),
          "Resource not found for the segment '" + std::string(segment) + "'."};
}

odata_error unknown_property(std::string_view property, std::string_view logical_name) {
  return {400, std::string(codes::query_error),
          "Could not find a property named '" + std::string(property) +
              "' on type 'Microsoft.Dynamics.CRM." + std::string(logical_name) + "'."};
}

odata_error query_error(std::string message) {
  return {400, std::string(codes::query_error), std::move(message)};
}

odata_error payload_error(std::string_view entity_set, std::string_view inner_message) {
  return {400, std::string(codes::payload_error),
          "Error identified in Payload provided by the user for Entity :'" +
              std::string(entity_set) +
              "', For more information on this error please follow this help link "
              "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : "
              "Microsoft.OData.ODataException: " +
              std::string(inner_message)};
}

odata_error record_not_found(std::string_view logical_name, std::string_view id) {
  return {404, std::string(codes::object_does_not_exist),
          std::string(logical_name) + " With Id = " + std::string(id) + " Does Not Exist"};
}

}  // namespace switchboard::sandbox::dataverse
