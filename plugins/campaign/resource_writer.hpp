// The writing half of campaign.resource, given what the start-up checks established: the
// compiled mapping, the resource's URL, its key field and the filter that looks records up by it.
#pragma once

#include "campaign_api.hpp"
#include "mapping/mapping.hpp"
#include "resource_config.hpp"

#include "switchboard/sdk/component.hpp"
#include "switchboard/sdk/context.hpp"
#include "switchboard/sdk/http.hpp"

#include <memory>
#include <string>

namespace switchboard::campaign {

/// The immutable part of a sink, prepared by make_resource_sink().
struct resource_target {
  resource_settings settings;
  mapping::compiled_mapping mapping;
  std::string collection_url;  ///< {url}/campaign/{api}/{resource}
  std::string key_field;
  lookup_filter key_filter;
};

/// The sink writing records into `target`'s resource.
std::unique_ptr<sdk::sink> make_resource_writer(resource_target target, sdk::context& ctx,
                                                sdk::http_client& http,
                                                sdk::token_provider& tokens);

}  // namespace switchboard::campaign
