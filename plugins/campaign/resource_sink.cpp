// campaign.resource: the start-up checks (the resource's metadata and filters read from
// Campaign, the mapping compiled against both sides), then the writer of resource_writer.cpp.
#include "resource_sink.hpp"

#include "campaign_api.hpp"
#include "mapping/mapping.hpp"
#include "resource_config.hpp"
#include "resource_writer.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace switchboard::campaign {
namespace json = boost::json;

namespace {

/// GETs a JSON object during start-up. Throws std::runtime_error (unreachable, unexpected
/// status, not JSON) or std::invalid_argument (404, via `on_not_found`).
json::object fetch_json(sdk::http_client& http, const request_builder& requests,
                        const std::string& url, std::string_view what,
                        const std::function<std::string(const std::string&)>& on_not_found) {
  const auto request = requests.make("GET", url);
  const auto exchange = http.send(request);
  if (!exchange.result) {
    throw std::runtime_error(
        fmt::format("campaign.resource: {} failed: {}", what, exchange.result.message()));
  }
  const int code = exchange.response.status_code;
  if (code == 404 && on_not_found) {
    throw std::invalid_argument(on_not_found(describe_failure(request, exchange)));
  }
  if (code < 200 || code > 299) {
    throw std::runtime_error(
        fmt::format("campaign.resource: {} failed: {}", what, describe_failure(request, exchange)));
  }
  boost::system::error_code ec;
  auto doc = json::parse(exchange.response.body, ec);
  if (ec || !doc.is_object()) {
    throw std::runtime_error(
        fmt::format("campaign.resource: {} failed: GET {} answered {} "
                    "with a body that is not a JSON object: {}",
                    what, url_path(url), code, snippet(exchange.response.body)));
  }
  return std::move(doc.as_object());
}

std::optional<mapping::source_schema> published_source_schema(sdk::context& ctx) {
  const auto text = ctx.state().get(mapping::source_schema_state_key);
  if (!text || text->empty()) return std::nullopt;
  boost::system::error_code ec;
  const auto doc = json::parse(*text, ec);
  if (ec || !doc.is_object()) {
    throw std::invalid_argument(
        fmt::format("campaign.resource: the source schema the route's source published under "
                    "\"{}\" is not a JSON object",
                    mapping::source_schema_state_key));
  }
  return mapping::source_schema::from_json(doc.as_object());
}

}  // namespace

std::unique_ptr<sdk::sink> make_resource_sink(const sdk::options& options, sdk::context& ctx) {
  auto settings = parse_resource_settings(options);
  mapping::mapping_spec spec;
  try {
    spec = mapping::parse_mapping(settings.mapping, ctx.route());
  } catch (const mapping::mapping_error& e) {
    throw std::invalid_argument(e.what());
  }
  const std::string& resource = spec.target_resource;
  const std::string& key = spec.target_key;
  const auto named = [&spec](std::string_view where, std::string_view message) {
    return fmt::format("mapping \"{}\": {}: {}", spec.name, where, message);
  };
  if (resource.empty() || key.empty()) {
    throw std::invalid_argument(
        named("/target", "the Campaign resource and its key field (resource, key) are required"));
  }
  auto* http = ctx.http();
  if (http == nullptr) {
    throw std::runtime_error("campaign.resource: this host offers no HTTP client");
  }
  auto* tokens = ctx.tokens(settings.connection);
  if (tokens == nullptr) {
    throw std::invalid_argument(fmt::format(
        "campaign.resource: the tenant has no connection \"{}\" with auth to get IMS tokens "
        "from (option \"connection\")",
        settings.connection));
  }
  const request_builder requests(settings, tokens);
  const std::string api_url = settings.url + "/campaign/" + settings.api;

  const auto metadata_doc =
      fetch_json(*http, requests, api_url + "/resourceType/" + resource,
                 fmt::format("reading the metadata of Campaign resource {}", resource),
                 [&](const std::string& failure) {
                   return named("/target/resource",
                                fmt::format("Campaign has no resource \"{}\" under /{} ({})",
                                            resource, settings.api, failure));
                 });
  auto metadata = parse_resource_metadata(metadata_doc, resource);
  if (metadata.filters_href.empty()) {
    throw std::runtime_error(fmt::format(
        "campaign.resource: the metadata of Campaign resource {} has no filters.href", resource));
  }
  const auto filters_doc =
      fetch_json(*http, requests, metadata.filters_href,
                 fmt::format("reading the filters of Campaign resource {}", resource), {});
  ctx.metrics().add("campaign_requests_total", 2);
  const auto filters = lookup_filters(filters_doc);
  for (const auto& [field, filter] : filters) metadata.schema.unique_fields.push_back(field);

  if (!metadata.schema.fields.contains(key)) {
    throw std::invalid_argument(named(
        "/target/key", fmt::format("no field \"{}\" in Campaign resource {}", key, resource)));
  }
  const auto key_filter = filters.find(key);
  if (key_filter == filters.end()) {
    throw std::invalid_argument(
        named("/target/key", fmt::format("Campaign key {} of resource {} is not unique: define an "
                                         "identification key and a filter on it",
                                         key, resource)));
  }
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    const auto& f = spec.fields[i];
    if (metadata.read_only.contains(f.target)) {
      throw std::invalid_argument(named(
          fmt::format("/fields/{}/target", i),
          fmt::format("Campaign field \"{}\" of resource {} is read-only", f.target, resource)));
    }
  }
  std::optional<mapping::source_schema> source;
  try {
    source = published_source_schema(ctx);
  } catch (const mapping::mapping_error& e) {
    throw std::invalid_argument(e.what());
  }
  const auto compiled = [&]() {
    try {
      return mapping::compiled_mapping::compile(spec, source ? &*source : nullptr,
                                                &metadata.schema);
    } catch (const mapping::mapping_error& e) {
      throw std::invalid_argument(e.what());
    }
  };
  resource_target target{std::move(settings), compiled(), api_url + "/" + resource, key,
                         key_filter->second};
  return make_resource_writer(std::move(target), ctx, *http, *tokens);
}

}  // namespace switchboard::campaign
