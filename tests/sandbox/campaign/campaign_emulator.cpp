// Campaign REST routing: gateway checks, collections and paging, records, metadata.
#include "sandbox/campaign/campaign_emulator.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>

namespace switchboard::sandbox {
namespace json = boost::json;
using campaign::campaign_error;
using campaign::engine_error;

namespace {

constexpr std::string_view apis[] = {"profileAndServices", "profileAndServicesExt",
                                     "customResources"};

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) out.push_back(percent_decode(path.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to && i < parts.size(); ++i) {
    out += (out.empty() ? "" : "/") + parts[i];
  }
  return out;
}

server_reply profile_not_valid() {
  return json_reply(403,
                    json::object{{"error_code", "403023"}, {"message", "Profile is not valid"}});
}

campaign_error unsupported_endpoint(const std::vector<std::string>& rest) {
  return engine_error(404,
                      "Unsupported endpoint. (endpoint=rest/" + join(rest, 0, rest.size()) + ")");
}

json::object parse_body(const std::string& body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec) {
    throw engine_error(
        400, "XTK-170006 Unable to parse the request body as JSON (" + ec.message() + ").");
  }
  if (!value.is_object()) throw engine_error(400, "The request body must be a JSON object.");
  return std::move(value.as_object());
}

const std::string* param(const campaign::query_params& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

struct campaign_emulator::request_context {
  const server_request& request;
  std::vector<std::string> rest;  ///< path segments after /{org}/campaign/
  campaign::query_params params;
  campaign::data_view view;
};

campaign_emulator::campaign_emulator(token_registry& ims_tokens, campaign_options options)
    : ims_tokens_(ims_tokens),
      clock_(options.clock),
      options_(std::move(options)),
      store_(options_.seed, [this] { return clock_.now(); }) {}

campaign::data_view campaign_emulator::view_for(std::string base, std::string api) const {
  return campaign::data_view{std::move(base), std::move(api), options_.opt_out_prefix};
}

std::string campaign_emulator::classify(const server_request& request) const {
  auto segments = split_path(request.path());
  if (!segments.empty() && segments.back().ends_with(".json")) {
    segments.back().resize(segments.back().size() - 5);
  }
  const auto campaign = std::find(segments.begin(), segments.end(), "campaign");
  const std::vector<std::string> rest(campaign == segments.end() ? segments.end() : campaign + 1,
                                      segments.end());
  if (rest.size() < 2) return request.method + " resources";
  if (rest[1] == "resourceType" || rest.back() == "metadata") return request.method + " metadata";
  if (rest.back() == "_count") return request.method + " count";
  return request.method + " " + rest[1];
}

server_reply campaign_emulator::handle(const server_request& request) {
  try {
    return route(request);
  } catch (const campaign_error& e) {
    return jwt::text_reply(e.status, e.body);
  } catch (const std::exception& e) {
    return jwt::text_reply(500, engine_error(500, e.what()).body);
  }
}

server_reply campaign_emulator::route(const server_request& request) {
  const auto grant = ims_tokens_.check(bearer_token(request));
  if (!grant) {
    return json_reply(
        401, json::object{{"error_code", "401013"}, {"message", "Oauth token is not valid"}});
  }
  std::lock_guard lock(mutex_);
  const auto* api_key = request.header("X-Api-Key");
  const auto& keys = options_.api_keys;
  if (api_key == nullptr || api_key->empty() ||
      (keys.empty() ? *api_key != grant->client_id
                    : std::find(keys.begin(), keys.end(), *api_key) == keys.end())) {
    return profile_not_valid();
  }
  auto segments = split_path(request.path());
  if (segments.size() < 2 || segments[0] != options_.organization || segments[1] != "campaign") {
    return json_reply(500, json::object{{"code", 500},
                                        {"message",
                                         "Oops. Something went wrong. Check your URI "
                                         "and try again."}});
  }
  if (!options_.ims_org_id.empty() && grant->audience != options_.ims_org_id) {
    return profile_not_valid();
  }
  if (segments.back().ends_with(".json")) segments.back().resize(segments.back().size() - 5);
  std::string base = options_.base_url;
  if (base.empty()) {
    const auto* host = request.header("Host");
    base = host != nullptr && !host->empty() ? "https://" + *host : "https://mc.adobe.io";
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  base += "/" + options_.organization + "/campaign";
  request_context ctx{request, std::vector<std::string>(segments.begin() + 2, segments.end()),
                      parse_query(request.query()), view_for(base, "")};
  return serve(ctx);
}

server_reply campaign_emulator::serve(request_context& ctx) {
  const auto& rest = ctx.rest;
  const auto& method = ctx.request.method;
  if (rest.empty() || std::find(std::begin(apis), std::end(apis), rest[0]) == std::end(apis)) {
    throw unsupported_endpoint(rest);
  }
  ctx.view.api = rest[0];
  const auto visible = [this, &ctx](const campaign::resource_def* def) {
    if (def == nullptr) return false;
    const auto served = store_.resources(ctx.view.api);
    return std::find(served.begin(), served.end(), def) != served.end();
  };
  if (rest.size() == 1) {
    if (method != "GET") throw unsupported_endpoint(rest);
    return resource_listing(ctx);
  }
  if (rest[1] == "resourceType") {
    const bool filters = rest.size() == 4 && rest[3] == "filters";
    const auto* def = filters ? store_.resource_by_type_pkey(rest[2])
                              : (rest.size() == 3 ? store_.resource(rest[2]) : nullptr);
    if (method != "GET" || !visible(def)) throw unsupported_endpoint(rest);
    campaign::metadata_view mv{ctx.view.base, ctx.view.api, options_.opt_out_prefix,
                               ctx.view.extended(), store_.type_pkey(def->name)};
    return json_reply(200, filters ? campaign::filters_metadata(*def, mv, store_.codec())
                                   : campaign::resource_metadata(*def, mv));
  }
  const auto* def = store_.resource(rest[1]);
  if (!visible(def)) throw unsupported_endpoint(rest);
  if (rest.size() == 2) {
    if (method == "GET") return collection(ctx, *def, {}, 2, nullptr);
    if (method != "POST") throw unsupported_endpoint(rest);
    const auto& created = store_.create(def->name, parse_body(ctx.request.body), ctx.view);
    return json_reply(201, store_.render(def->name, created, ctx.view));
  }
  std::vector<const campaign::filter_def*> filters;
  std::size_t index = 2;
  for (; index < rest.size() && rest[index].starts_with("by"); ++index) {
    const auto* filter = def->filter(rest[index]);
    if (filter == nullptr || (filter->extension && !ctx.view.extended())) {
      throw engine_error(
          404, "Unknown filter '" + rest[index] + "' for the '" + def->name + "' resource.");
    }
    filters.push_back(filter);
  }
  if (index == rest.size()) {
    if (method != "GET") throw unsupported_endpoint(rest);
    return collection(ctx, *def, filters, index, nullptr);
  }
  if (index + 1 != rest.size()) throw unsupported_endpoint(rest);
  const std::string& last = rest[index];
  if (last == "_count") {
    if (method != "GET") throw unsupported_endpoint(rest);
    const auto rows = store_.select(def->name, filters, ctx.params, ctx.view);
    return json_reply(200, json::object{{"count", rows.size()}});
  }
  if (!filters.empty()) throw unsupported_endpoint(rest);
  if (last == "metadata" && method == "GET") {
    campaign::metadata_view mv{ctx.view.base, ctx.view.api, options_.opt_out_prefix,
                               ctx.view.extended(), store_.type_pkey(def->name)};
    return json_reply(200, campaign::resource_metadata(*def, mv));
  }
  if (!last.starts_with("@")) {
    const auto* field = def->field(campaign::canonical_name(last, options_.opt_out_prefix));
    if (field != nullptr && (!field->extension || ctx.view.extended())) {
      if (method != "GET") throw unsupported_endpoint(rest);
      return collection(ctx, *def, {}, index + 1, field);
    }
    if (const auto* by_key = store_.find_by_key(def->name, last); by_key != nullptr) {
      return record_request(ctx, *def, *by_key);
    }
    if (!def->key.empty()) {
      throw engine_error(404, "Unable to find document with path '" + def->name + "' from key '" +
                                  last + "' (document with schema '" + def->schema + "')");
    }
  }
  return record_request(ctx, *def, store_.get(def->name, last));
}

server_reply campaign_emulator::record_request(request_context& ctx,
                                               const campaign::resource_def& def,
                                               const campaign::record& r) {
  const auto& method = ctx.request.method;
  if (method == "GET") return json_reply(200, store_.render(def.name, r, ctx.view));
  if (method == "PATCH") {
    const auto& updated = store_.update(def.name, r.id, parse_body(ctx.request.body), ctx.view);
    return json_reply(200, json::object{{"PKey", updated.pkey},
                                        {"href", ctx.view.base + "/" + ctx.view.api + "/" +
                                                     def.name + "/" + updated.pkey}});
  }
  if (method == "DELETE") {
    store_.remove(def.name, r.id);
    server_reply reply;
    reply.status = 200;
    return reply;
  }
  throw unsupported_endpoint(ctx.rest);
}

server_reply campaign_emulator::collection(request_context& ctx, const campaign::resource_def& def,
                                           const std::vector<const campaign::filter_def*>& filters,
                                           std::size_t path_end, const campaign::field_def* field) {
  auto rows = store_.select(def.name, filters, ctx.params, ctx.view);
  const auto* order = param(ctx.params, "_order");
  if (order != nullptr && !order->empty()) store_.sort(def.name, rows, *order, ctx.view);
  std::size_t line_count = options_.default_line_count;
  if (const auto* text = param(ctx.params, "_lineCount"); text != nullptr) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc{} || end != text->data() + text->size() || n == 0) {
      throw engine_error(400, "Invalid value '" + *text + "' for the '_lineCount' parameter.");
    }
    line_count = n;
  }
  const bool keyset = order == nullptr || order->empty();
  const std::string kind = "lineStart:" + def.name + (keyset ? ":k" : ":o");
  std::size_t start = 0;
  if (const auto* token = param(ctx.params, "_lineStart"); token != nullptr) {
    const auto value = store_.codec().decode(kind, *token);
    if (!value) {
      throw engine_error(400, "Invalid value '" + *token + "' for the '_lineStart' parameter.");
    }
    start = keyset ? static_cast<std::size_t>(
                         std::find_if(rows.begin(), rows.end(),
                                      [&](const campaign::record* r) { return r->id >= *value; }) -
                         rows.begin())
                   : std::min<std::size_t>(static_cast<std::size_t>(*value), rows.size());
  }
  const std::size_t end = std::min(rows.size(), start + std::min(line_count, rows.size()));
  json::array content;
  for (std::size_t i = start; i < end; ++i) {
    if (field != nullptr) {
      content.push_back(store_.field_value(def, *rows[i], *field));
    } else {
      content.push_back(store_.render(def.name, *rows[i], ctx.view));
    }
  }
  std::string kept;
  for (const auto& [n, v] : ctx.params) {
    if (n == "_lineCount" || n == "_lineStart") continue;
    kept += "&" + jwt::percent_encode(n) + "=" + jwt::percent_encode(v);
  }
  json::object body{{"content", std::move(content)}};
  const auto* force = param(ctx.params, "_forcePagination");
  if (end < rows.size() &&
      (rows.size() <= options_.big_table_threshold || (force != nullptr && *force == "true"))) {
    const auto token = store_.codec().encode(kind, keyset ? rows[end]->id : end);
    body["next"] = json::object{{"href", ctx.view.base + "/" + join(ctx.rest, 0, path_end) +
                                             "?_lineCount=" + std::to_string(line_count) + kept +
                                             "&_lineStart=" + token}};
  }
  std::string count_query;
  for (const auto& [n, v] : ctx.params) {
    if (n.starts_with("_")) continue;
    count_query +=
        (count_query.empty() ? "?" : "&") + jwt::percent_encode(n) + "=" + jwt::percent_encode(v);
  }
  const std::size_t count_end = field != nullptr ? path_end - 1 : path_end;
  body["count"] = json::object{
      {"href", ctx.view.base + "/" + join(ctx.rest, 0, count_end) + "/_count" + count_query}};
  body["serverSidePagination"] = true;
  return json_reply(200, body);
}

server_reply campaign_emulator::resource_listing(request_context& ctx) {
  json::object out{{"apiName", "resourceType"}};
  for (const auto* def : store_.resources(ctx.view.api)) {
    if (def->is_profile()) continue;
    campaign::metadata_view mv{ctx.view.base, ctx.view.api, options_.opt_out_prefix,
                               ctx.view.extended(), store_.type_pkey(def->name)};
    out[def->name] =
        json::object{{"content", campaign::resource_metadata(*def, mv).at("content")},
                     {"data", "/" + ctx.view.api + "/" + def->name + "/"},
                     {"help", def->label},
                     {"href", ctx.view.base + "/" + ctx.view.api + "/" + def->name + "/metadata"},
                     {"name", def->name},
                     {"type", "collection"}};
  }
  return json_reply(200, out);
}

}  // namespace switchboard::sandbox
