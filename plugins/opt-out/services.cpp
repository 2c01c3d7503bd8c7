// Campaign profile and Dataverse contact access for the opt-out components.
#include "services.hpp"

#include "campaign_api.hpp"
#include "timestamps.hpp"
#include "web_api.hpp"

#include "switchboard/sdk/config.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace switchboard::optout {
namespace json = boost::json;

namespace {

/// A lookup filter's parameter values and a Dataverse id: both are used in URLs.
bool is_guid(std::string_view id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string https_base(std::string_view component, std::string_view option, std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.starts_with("https://") || url.find_first_of("?#") != std::string::npos ||
      url.size() <= 8) {
    throw std::invalid_argument(fmt::format(
        "{}: option \"{}\": \"{}\" is not an https URL without a query", component, option, url));
  }
  return url;
}

sdk::http_client& require_http(sdk::context& ctx, std::string_view component) {
  if (ctx.http() == nullptr) {
    throw std::runtime_error(fmt::format("{}: this host offers no HTTP client", component));
  }
  return *ctx.http();
}

sdk::token_provider& require_tokens(sdk::context& ctx, std::string_view component,
                                    const std::string& connection, std::string_view option,
                                    std::string_view issuer) {
  auto* t = ctx.tokens(connection);
  if (t == nullptr) {
    throw std::invalid_argument(
        fmt::format("{}: the tenant has no connection \"{}\" with auth to get {} tokens from "
                    "(option \"{}\")",
                    component, connection, issuer, option));
  }
  return *t;
}

json::object parse_object(const std::string& body, bool& ok) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  ok = !ec && doc.is_object();
  return ok ? std::move(doc.as_object()) : json::object{};
}

}  // namespace

std::optional<std::string> canonical_attribute(std::string_view name) {
  std::string key;
  for (const char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key.starts_with("denylist")) key.replace(0, 8, "blacklist");
  for (const auto a : campaign_attributes) {
    std::string candidate(a);
    for (auto& c : candidate) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (candidate == key) return std::string(a);
  }
  return std::nullopt;
}

// --- Campaign ---------------------------------------------------------------------------------

void add_campaign_options(sdk::config_schema& schema) {
  using sdk::option_type;
  schema.push_back({.name = "campaign_url",
                    .type = option_type::string,
                    .description = "Campaign API base, \"https://mc.adobe.io/<organization>\"",
                    .required = true});
  schema.push_back({.name = "campaign_api_key",
                    .type = option_type::string,
                    .description = "X-Api-Key: the IMS client id of the Adobe I/O project",
                    .required = true});
  schema.push_back({.name = "campaign_connection",
                    .type = option_type::string,
                    .description = "The tenant connection whose IMS auth gives the access token",
                    .default_value = "acs"});
  schema.push_back({.name = "campaign_api",
                    .type = option_type::string,
                    .description = "The API holding profiles with their externalId",
                    .default_value = "profileAndServicesExt",
                    .allowed_values = {"profileAndServicesExt", "profileAndServices"}});
}

campaign_settings parse_campaign_settings(std::string_view component, const sdk::options& options) {
  campaign_settings s;
  s.url = https_base(component, "campaign_url", std::string(options.string("campaign_url")));
  s.api_key = std::string(options.string("campaign_api_key"));
  s.connection = std::string(options.string("campaign_connection"));
  s.api = std::string(options.string("campaign_api"));
  return s;
}

campaign_profiles::campaign_profiles(campaign_settings settings, sdk::context& ctx,
                                     std::string_view component, bool need_lookup)
    : settings_(std::move(settings)),
      ctx_(ctx),
      http_(require_http(ctx, component)),
      tokens_(require_tokens(ctx, component, settings_.connection, "campaign_connection", "IMS")),
      component_(component),
      profile_url_(settings_.url + "/campaign/" + settings_.api + "/profile") {
  const auto fetch = [&](const std::string& url, std::string_view what) {
    const auto r = request("GET", url);
    const auto exchange = http_.send(r);
    if (!exchange.result || exchange.response.status_code / 100 != 2) {
      throw std::runtime_error(fmt::format("{}: reading {} failed: {}", component_, what,
                                           campaign::describe_failure(r, exchange)));
    }
    bool ok = false;
    auto doc = parse_object(exchange.response.body, ok);
    if (!ok) {
      throw std::runtime_error(fmt::format("{}: {} is not a JSON object: {}", component_, what,
                                           campaign::snippet(exchange.response.body)));
    }
    return doc;
  };
  const auto metadata =
      fetch(settings_.url + "/campaign/" + settings_.api + "/resourceType/profile",
            "the profile metadata");
  const auto* content = metadata.if_contains("content");
  if (content == nullptr || !content->is_object()) {
    throw std::runtime_error(
        fmt::format("{}: the profile metadata has no \"content\" object", component_));
  }
  for (const auto& [wire, def] : content->as_object()) {
    if (auto name = canonical_attribute(wire)) wire_names_[*name] = std::string(wire);
  }
  for (const auto a : campaign_attributes) {
    if (!wire_names_.contains(a)) {
      throw std::runtime_error(fmt::format(
          "{}: the Campaign profile has no opt-out attribute {} (nor its denyList name)",
          component_, a));
    }
  }
  if (!need_lookup) return;
  const auto* filters = metadata.if_contains("filters");
  const auto* href = filters != nullptr && filters->is_object()
                         ? filters->as_object().if_contains("href")
                         : nullptr;
  if (href == nullptr || !href->is_string()) {
    throw std::runtime_error(
        fmt::format("{}: the profile metadata has no filters.href", component_));
  }
  const auto lookups =
      campaign::lookup_filters(fetch(std::string(href->as_string()), "the profile filters"));
  const auto it = lookups.find("externalId");
  if (it == lookups.end()) {
    throw std::invalid_argument(fmt::format(
        "{}: Campaign has no filter looking profiles up by externalId: define an identification "
        "key on externalId and a filter on it (e.g. byExternalId)",
        component_));
  }
  lookup_ = it->second.name + "?" + it->second.parameter + "=";
  ctx_.metrics().add("campaign_requests_total", 2);
}

sdk::http_request campaign_profiles::request(std::string method, std::string url,
                                             std::string body) const {
  campaign::resource_settings s;
  s.api_key = settings_.api_key;
  s.timeout = settings_.timeout;
  return campaign::request_builder(s, &tokens_)
      .make(std::move(method), std::move(url), std::move(body));
}

std::optional<profile_state> campaign_profiles::read_profile(const json::object& doc) const {
  const auto* pkey = doc.if_contains("PKey");
  if (pkey == nullptr || !pkey->is_string()) return std::nullopt;
  profile_state p;
  p.pkey = pkey->as_string();
  if (const auto* e = doc.if_contains("externalId"); e != nullptr && e->is_string()) {
    p.external_id = e->as_string();
  }
  for (const auto& [name, wire] : wire_names_) {
    const auto* v = doc.if_contains(wire);
    p.values[name] = v != nullptr && v->is_bool() && v->as_bool();
  }
  if (const auto* m = doc.if_contains("lastModified"); m != nullptr && m->is_string()) {
    if (auto t = parse_timestamp(m->as_string())) p.last_modified = *t;
  }
  return p;
}

std::vector<found<profile_state>> campaign_profiles::find(std::span<const std::string> ids) {
  std::vector<sdk::http_request> requests;
  requests.reserve(ids.size());
  for (const auto& id : ids) {
    requests.push_back(request("GET", profile_url_ + "/" + lookup_ + campaign::percent_encode(id)));
  }
  auto exchanges = http_.send_many(requests, settings_.concurrency);
  ctx_.metrics().add("campaign_requests_total", static_cast<double>(requests.size()));
  std::vector<found<profile_state>> out(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& exchange = exchanges[i];
    const auto answer = campaign::classify(exchange);
    if (answer == campaign::answer::not_found) continue;
    if (answer != campaign::answer::ok) {
      const auto text = fmt::format("looking up the Campaign profile with externalId {}: {}",
                                    ids[i], campaign::describe_failure(requests[i], exchange));
      out[i].status = answer == campaign::answer::retryable ? sdk::status::retryable(text)
                                                            : sdk::status::permanent(text);
      continue;
    }
    bool ok = false;
    const auto doc = parse_object(exchange.response.body, ok);
    const auto* content = doc.if_contains("content");
    if (!ok || content == nullptr || !content->is_array()) {
      out[i].status = sdk::status::retryable(
          fmt::format("looking up the Campaign profile with externalId {}: the answer has no "
                      "\"content\" array: {}",
                      ids[i], campaign::snippet(exchange.response.body)));
      continue;
    }
    for (const auto& row : content->as_array()) {
      if (!row.is_object()) continue;
      if (auto p = read_profile(row.as_object()); p && p->external_id == ids[i]) {
        out[i].state = std::move(*p);
        break;
      }
    }
  }
  return out;
}

written campaign_profiles::write(const std::string& pkey, const value_map& values) {
  json::object body;
  for (const auto& [name, value] : values) body[wire_names_.at(name)] = value;
  const auto url = profile_url_ + "/" + pkey;
  const auto patch = request("PATCH", url, json::serialize(body));
  const auto exchange = http_.send(patch);
  ctx_.metrics().add("campaign_requests_total", 1);
  const auto answer = campaign::classify(exchange);
  if (answer == campaign::answer::not_found) return {sdk::status::ok(), {}, true};
  if (answer != campaign::answer::ok) {
    const auto text = fmt::format("writing the opt-out of Campaign profile {}: {}", pkey,
                                  campaign::describe_failure(patch, exchange));
    return {answer == campaign::answer::retryable ? sdk::status::retryable(text)
                                                  : sdk::status::permanent(text)};
  }
  // GET → PATCH → GET: confirm the values and read the change time the write produced.
  const auto get = request("GET", url);
  const auto confirm = http_.send(get);
  ctx_.metrics().add("campaign_requests_total", 1);
  if (campaign::classify(confirm) != campaign::answer::ok) {
    return {sdk::status::retryable(fmt::format("confirming the opt-out of Campaign profile {}: {}",
                                               pkey, campaign::describe_failure(get, confirm)))};
  }
  bool ok = false;
  const auto doc = parse_object(confirm.response.body, ok);
  const auto profile = ok ? read_profile(doc) : std::nullopt;
  if (!profile) {
    return {sdk::status::retryable(fmt::format(
        "confirming the opt-out of Campaign profile {}: the answer is not a profile: {}", pkey,
        campaign::snippet(confirm.response.body)))};
  }
  for (const auto& [name, value] : values) {
    if (profile->values.at(name) != value) {
      return {sdk::status::permanent(fmt::format(
          "Campaign profile {} still shows {} = {} after it was written {} (a data policy or "
          "typology rule rewriting it?)",
          pkey, name, !value, value))};
    }
  }
  return {sdk::status::ok(), profile->last_modified};
}

campaign_profiles::page campaign_profiles::changed_first(std::size_t line_count) {
  return read_page(
      fmt::format("{}?_order=lastModified%20desc&_lineCount={}", profile_url_, line_count));
}

campaign_profiles::page campaign_profiles::changed_next(const std::string& url) {
  // Links come from answers: the token goes only to the configured host.
  const auto origin = settings_.url.substr(0, settings_.url.find('/', 8));
  if (!url.starts_with(origin + "/")) {
    page refused;
    refused.status = sdk::status::permanent(
        fmt::format("refusing to follow a next link to another host than {}: {}", origin, url));
    return refused;
  }
  return read_page(url);
}

campaign_profiles::page campaign_profiles::read_page(const std::string& url) {
  const auto r = request("GET", url);
  const auto exchange = http_.send(r);
  ctx_.metrics().add("campaign_requests_total", 1);
  page out;
  const auto answer = campaign::classify(exchange);
  if (answer != campaign::answer::ok) {
    const auto text = fmt::format("listing changed Campaign profiles: {}",
                                  campaign::describe_failure(r, exchange));
    out.status = answer == campaign::answer::retryable ? sdk::status::retryable(text)
                                                       : sdk::status::permanent(text);
    return out;
  }
  bool ok = false;
  const auto doc = parse_object(exchange.response.body, ok);
  const auto* content = doc.if_contains("content");
  if (!ok || content == nullptr || !content->is_array()) {
    out.status = sdk::status::retryable(
        fmt::format("listing changed Campaign profiles: GET {} answered without a \"content\" "
                    "array: {}",
                    campaign::url_path(url), campaign::snippet(exchange.response.body)));
    return out;
  }
  for (const auto& row : content->as_array()) {
    if (!row.is_object()) continue;
    if (auto p = read_profile(row.as_object())) out.profiles.push_back(std::move(*p));
  }
  if (const auto* next = doc.if_contains("next"); next != nullptr && next->is_object()) {
    if (const auto* href = next->as_object().if_contains("href"); href && href->is_string()) {
      out.next = href->as_string();
    }
  }
  return out;
}

// --- Dataverse --------------------------------------------------------------------------------

void add_dataverse_options(sdk::config_schema& schema) {
  using sdk::option_type;
  schema.push_back({.name = "dynamics_url",
                    .type = option_type::string,
                    .description = "Dataverse environment URL, \"https://<org>.crm.dynamics.com\"",
                    .required = true});
  schema.push_back({.name = "dynamics_connection",
                    .type = option_type::string,
                    .description = "The tenant connection whose Entra ID auth gives the token",
                    .default_value = "d365"});
  schema.push_back({.name = "dynamics_api_version",
                    .type = option_type::string,
                    .description = "Web API version",
                    .default_value = "v9.2"});
}

dataverse_settings parse_dataverse_settings(std::string_view component,
                                            const sdk::options& options) {
  dataverse_settings s;
  s.url = https_base(component, "dynamics_url", std::string(options.string("dynamics_url")));
  if (s.url.find('/', 8) != std::string::npos) {
    throw std::invalid_argument(
        fmt::format("{}: option \"dynamics_url\": \"{}\" has a path; give the environment URL only",
                    component, s.url));
  }
  s.connection = std::string(options.string("dynamics_connection"));
  s.api_version = std::string(options.string("dynamics_api_version"));
  const auto& v = s.api_version;
  if (v.size() < 4 || v[0] != 'v' || v.find_first_not_of("0123456789.", 1) != std::string::npos) {
    throw std::invalid_argument(fmt::format(
        "{}: option \"dynamics_api_version\": \"{}\" is not a version such as v9.2", component, v));
  }
  return s;
}

dataverse_contacts::dataverse_contacts(dataverse_settings settings,
                                       std::vector<std::string> columns, sdk::context& ctx,
                                       std::string_view component)
    : settings_(std::move(settings)),
      columns_(std::move(columns)),
      ctx_(ctx),
      http_(require_http(ctx, component)),
      tokens_(
          require_tokens(ctx, component, settings_.connection, "dynamics_connection", "Entra ID")),
      component_(component),
      contacts_url_(settings_.url + "/api/data/" + settings_.api_version + "/contacts") {
  select_ = "contactid,modifiedon";
  for (const auto& c : columns_) select_ += "," + c;
  dynamics365::web_api api(settings_.url, settings_.api_version, http_, tokens_, settings_.timeout);
  const auto probe = api.get(contacts_url_ + "?$select=" + select_ + "&$top=1");
  if (!probe.status) {
    const auto text = fmt::format("{}: reading the opt-out columns of contact failed: {}",
                                  component_, probe.status.message());
    if (probe.http_status == 400) throw std::invalid_argument(text);
    throw std::runtime_error(text);
  }
}

sdk::status dataverse_contacts::read_contact(const json::object& row,
                                             std::span<const std::string> columns,
                                             contact_state& out) {
  const auto* modified = row.if_contains("modifiedon");
  const auto when = modified != nullptr && modified->is_string()
                        ? parse_timestamp(modified->as_string())
                        : std::nullopt;
  if (!when) {
    return sdk::status::permanent("the contact has no readable modifiedon");
  }
  out.modified_on = *when;
  for (const auto& c : columns) {
    const auto* v = row.if_contains(c);
    if (v == nullptr) return sdk::status::permanent(fmt::format("the contact has no column {}", c));
    if (!v->is_bool() && !v->is_null()) {
      return sdk::status::permanent(
          fmt::format("contact column {} is not a boolean: {}", c, json::serialize(*v)));
    }
    out.values[c] = v->is_bool() && v->as_bool();
  }
  return sdk::status::ok();
}

sdk::http_request dataverse_contacts::request(std::string method, std::string url,
                                              std::string body) const {
  sdk::http_request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = settings_.timeout;
  r.authorization = &tokens_;
  r.headers = {{"Accept", "application/json"},
               {"Content-Type", "application/json"},
               {"OData-MaxVersion", "4.0"},
               {"OData-Version", "4.0"}};
  return r;
}

std::vector<found<contact_state>> dataverse_contacts::find(std::span<const std::string> ids) {
  constexpr std::size_t per_request = 25;  // keeps the URL well under Dataverse's limits
  std::vector<found<contact_state>> out(ids.size());
  std::map<std::string, std::vector<std::size_t>, std::less<>> where;
  std::vector<std::string> urls;
  std::vector<std::vector<std::size_t>> chunk_ids;
  std::string filter;
  std::vector<std::size_t> chunk;
  const auto flush = [&] {
    if (chunk.empty()) return;
    urls.push_back(contacts_url_ + "?$select=" + select_ + "&$filter=" + filter);
    chunk_ids.push_back(std::move(chunk));
    chunk.clear();
    filter.clear();
  };
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!is_guid(ids[i])) {
      out[i].status = sdk::status::permanent(
          fmt::format("\"{}\" is not a Dataverse contactid (a GUID)", ids[i]));
      continue;
    }
    filter += (filter.empty() ? "" : "%20or%20") + std::string("contactid%20eq%20") + ids[i];
    chunk.push_back(i);
    if (chunk.size() == per_request) flush();
  }
  flush();
  dynamics365::web_api api(settings_.url, settings_.api_version, http_, tokens_, settings_.timeout);
  std::vector<sdk::http_request> requests;
  for (const auto& url : urls) requests.push_back(api.request(url, {}));
  auto exchanges = http_.send_many(requests, 4);
  ctx_.metrics().add("dataverse_requests_total", static_cast<double>(requests.size()));
  for (std::size_t c = 0; c < urls.size(); ++c) {
    auto result = api.interpret(urls[c], {}, std::move(exchanges[c]));
    std::map<std::string, const json::object*, std::less<>> rows;
    const auto* value = result.body.if_contains("value");
    if (result.status && (value == nullptr || !value->is_array())) {
      result.status = sdk::status::retryable(fmt::format(
          "Dataverse GET {} answered without a \"value\" array", dynamics365::path_of(urls[c])));
    }
    if (result.status) {
      for (const auto& row : value->as_array()) {
        const auto* id = row.is_object() ? row.as_object().if_contains("contactid") : nullptr;
        if (id != nullptr && id->is_string()) rows[std::string(id->as_string())] = &row.as_object();
      }
    }
    for (const auto i : chunk_ids[c]) {
      if (!result.status) {
        out[i].status = result.status;
        continue;
      }
      const auto it = rows.find(ids[i]);
      if (it == rows.end()) continue;
      contact_state state;
      if (auto st = read_contact(*it->second, columns_, state); !st) {
        out[i].status = sdk::status::permanent(fmt::format("contact {}: {}", ids[i], st.message()));
        continue;
      }
      out[i].state = std::move(state);
    }
  }
  return out;
}

written dataverse_contacts::write(const std::string& id, const value_map& values) {
  json::object body;
  for (const auto& [column, value] : values) body[column] = value;
  const auto url = contacts_url_ + "(" + id + ")?$select=contactid,modifiedon";
  auto r = request("PATCH", url, json::serialize(body));
  r.headers.push_back({"If-Match", "*"});  // update only: never create a contact
  r.headers.push_back({"Prefer", "return=representation"});
  const auto exchange = http_.send(r);
  ctx_.metrics().add("dataverse_requests_total", 1);
  const auto where = fmt::format("Dataverse PATCH {}", dynamics365::path_of(url));
  if (!exchange.result) {
    return {sdk::status::error(exchange.result.kind(),
                               fmt::format("{} failed: {}", where, exchange.result.message()))};
  }
  const int code = exchange.response.status_code;
  if (code == 404 || code == 412) return {sdk::status::ok(), {}, true};
  if (code / 100 != 2) {
    const auto text =
        fmt::format("{} returned {}: {}", where, code, campaign::snippet(exchange.response.body));
    if (code == 429 || code == 408 || code >= 500) return {sdk::status::retryable(text)};
    return {sdk::status::permanent(text)};
  }
  bool ok = false;
  const auto doc = parse_object(exchange.response.body, ok);
  const auto* modified = doc.if_contains("modifiedon");
  const auto when = modified != nullptr && modified->is_string()
                        ? parse_timestamp(modified->as_string())
                        : std::nullopt;
  if (!when) {
    return {sdk::status::retryable(fmt::format("{} answered {} without a modifiedon: {}", where,
                                               code, campaign::snippet(exchange.response.body)))};
  }
  return {sdk::status::ok(), *when};
}

}  // namespace switchboard::optout
