// How rows, links and OData JSON replies of the Dataverse emulator look on the wire.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::sandbox::dataverse {

inline constexpr std::string_view formatted_annotation =
    "OData.Community.Display.V1.FormattedValue";
inline constexpr std::string_view lookup_annotation = "Microsoft.Dynamics.CRM.lookuplogicalname";
inline constexpr std::string_view navigation_annotation =
    "Microsoft.Dynamics.CRM.associatednavigationproperty";

/// A row as the Web API returns it: @odata.etag, the selected columns (all when `select` is
/// empty) with the annotations the caller prefers, and the primary key.
boost::json::object render_row(const service_state& state, const table_store& table,
                               std::string_view id, const row& value,
                               const std::vector<int>& select, const preferences& prefer);

/// "<root>/$metadata#<set>(<select>)<suffix>"
std::string context_url(std::string_view root, std::string_view set, std::string_view select,
                        std::string_view suffix = "");
/// "<root>/<set>(<id>)"
std::string entity_url(std::string_view root, const table_store& table, std::string_view id);
/// W/"<version>"
std::string etag(const row& value);

/// A 200-style OData JSON reply (Content-Type with odata.metadata=minimal, OData-Version);
/// `applied` becomes Preference-Applied when not empty.
server_reply odata_reply(int status, const boost::json::object& body,
                         const std::vector<std::string>& applied = {});
/// A reply without a body (204, 304) with OData-Version.
server_reply empty_reply(int status);

}  // namespace switchboard::sandbox::dataverse
