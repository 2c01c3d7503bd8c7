// Metadata queries of the Dataverse emulator: EntityDefinitions, Attributes, casts, OptionSet.
#pragma once

#include "sandbox/dataverse/dataverse_service.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace switchboard::sandbox::dataverse {

/// GET EntityDefinitions…: the collection (with $select/$filter/$expand=Attributes(…),Keys,
/// ManyToOneRelationships), one entity by LogicalName or MetadataId, its Attributes (also
/// cast to Microsoft.Dynamics.CRM.<Type>AttributeMetadata, with $expand=OptionSet), one
/// attribute, and OptionSet. `path` is the resource after "EntityDefinitions".
server_reply read_metadata(const service_state& state, const odata_call& call,
                           std::string_view path);

/// The EntityMetadata object of a table (without navigation properties).
boost::json::object entity_metadata(const table_store& table);
/// The AttributeMetadata object of a column (with "@odata.type"; OptionSet not expanded).
boost::json::object attribute_metadata(const table_store& table, int column);

}  // namespace switchboard::sandbox::dataverse
