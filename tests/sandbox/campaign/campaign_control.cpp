// Campaign emulator test controls and in-process API: clients, definitions, seeding, reads.
#include "sandbox/campaign/campaign_emulator.hpp"

#include <boost/json/array.hpp>

#include <algorithm>

namespace switchboard::sandbox {
namespace json = boost::json;

namespace {

constexpr std::string_view opt_out_fields[] = {
    "blackList",           "blackListEmail", "blackListMobile",           "blackListPhone",
    "blackListPostalMail", "blackListFax",   "blackListPushnotification", "ccpaOptOut"};

}  // namespace

void campaign_emulator::register_client(std::string client_id) {
  std::lock_guard lock(mutex_);
  options_.api_keys.push_back(std::move(client_id));
}

void campaign_emulator::define_resource(campaign::resource_def def) {
  std::lock_guard lock(mutex_);
  store_.define(std::move(def));
}

void campaign_emulator::extend_profile(std::vector<campaign::field_def> fields,
                                       std::vector<campaign::filter_def> filters,
                                       std::vector<std::string> key) {
  std::lock_guard lock(mutex_);
  store_.extend_profile(std::move(fields), std::move(filters), std::move(key));
}

std::vector<std::string> campaign_emulator::seed_profiles(std::size_t count, std::uint64_t seed,
                                                          bool external_ids) {
  std::lock_guard lock(mutex_);
  return store_.seed_profiles(count, seed, external_ids);
}

json::array campaign_emulator::records(std::string_view resource) const {
  std::lock_guard lock(mutex_);
  json::array out;
  if (store_.resource(resource) == nullptr) return out;
  for (const auto* r : store_.all(resource)) {
    out.push_back(store_.dump(resource, *r, options_.opt_out_prefix));
  }
  return out;
}

std::optional<server_reply> campaign_emulator::control(std::string_view action, std::string_view,
                                                       const boost::json::value& body) {
  if (!jwt::one_of(action,
                   {"register_client", "configure", "define_resource", "define_profile_fields",
                    "seed_profiles", "create_record", "update_record", "profiles", "resources",
                    "opt_out_changes", "clear", "expire_tokens", "advance_clock"})) {
    return std::nullopt;
  }
  try {
    const auto& o = jwt::control_object(body);
    if (action == "profiles") return json_reply(200, records("profile"));
    if (action == "expire_tokens") {
      ims_tokens_.expire_all();
      return json_reply(200, json::object{{"expired", true}});
    }
    if (action == "advance_clock") {
      clock_.advance(std::chrono::milliseconds(
          static_cast<std::int64_t>(jwt::json_number(o, "seconds", 0) * 1000)));
      return json_reply(200, json::object{{"now", jwt::iso_millis(clock_.now())}});
    }
    std::lock_guard lock(mutex_);
    return control_locked(action, o);
  } catch (const campaign::campaign_error& e) {
    return jwt::control_error(e.body);
  } catch (const std::invalid_argument& e) {
    return jwt::control_error(e.what());
  }
}

server_reply campaign_emulator::control_locked(std::string_view action, const json::object& o) {
  const auto ext_view = view_for(
      options_.base_url.empty() ? "https://mc.adobe.io/" + options_.organization + "/campaign"
                                : options_.base_url + "/" + options_.organization + "/campaign",
      "profileAndServicesExt");
  if (action == "register_client") {
    options_.api_keys.push_back(jwt::json_string(o, "client_id", true));
    return json_reply(200, json::object{{"registered", options_.api_keys.back()}});
  }
  if (action == "configure") {
    if (o.contains("organization")) options_.organization = jwt::json_string(o, "organization");
    if (o.contains("ims_org_id")) options_.ims_org_id = jwt::json_string(o, "ims_org_id");
    if (o.contains("base_url")) options_.base_url = jwt::json_string(o, "base_url");
    if (o.contains("opt_out_prefix")) {
      const auto prefix = jwt::json_string(o, "opt_out_prefix");
      if (prefix != "blackList" && prefix != "denyList") {
        throw std::invalid_argument("opt_out_prefix is blackList or denyList");
      }
      options_.opt_out_prefix = prefix;
    }
    options_.default_line_count = static_cast<std::size_t>(jwt::json_number(
        o, "default_line_count", static_cast<double>(options_.default_line_count)));
    options_.big_table_threshold = static_cast<std::size_t>(jwt::json_number(
        o, "big_table_threshold", static_cast<double>(options_.big_table_threshold)));
    return json_reply(200, json::object{{"configured", true}});
  }
  if (action == "define_resource") {
    auto def = campaign::parse_resource(o);
    const std::string name = def.name;
    store_.define(std::move(def));
    return json_reply(200, json::object{{"defined", name}});
  }
  if (action == "define_profile_fields") {
    store_.extend_profile(campaign::parse_fields(o), campaign::parse_filters(o),
                          jwt::json_strings(o, "key"));
    return json_reply(200, json::object{{"extended", true}});
  }
  if (action == "seed_profiles") {
    const auto pkeys =
        store_.seed_profiles(static_cast<std::size_t>(jwt::json_number(o, "count", 0)),
                             static_cast<std::uint64_t>(jwt::json_number(o, "seed", 1)),
                             jwt::json_bool(o, "external_ids", false));
    json::array list;
    for (const auto& p : pkeys) list.emplace_back(p);
    return json_reply(200, json::object{{"created", pkeys.size()}, {"pkeys", std::move(list)}});
  }
  const auto resource_name = [&o]() {
    const auto name = jwt::json_string(o, "resource");
    return name.empty() ? std::string("profile") : name;
  };
  const auto fields = [&o]() -> const json::object& {
    const auto* f = o.if_contains("fields");
    if (f == nullptr || !f->is_object())
      throw std::invalid_argument("\"fields\" must be an object");
    return f->as_object();
  };
  if (action == "create_record") {
    const auto name = resource_name();
    if (store_.resource(name) == nullptr) throw std::invalid_argument("unknown resource " + name);
    const auto& created = store_.create(name, fields(), ext_view);
    return json_reply(200, store_.dump(name, created, options_.opt_out_prefix));
  }
  if (action == "update_record") {
    const auto name = resource_name();
    if (store_.resource(name) == nullptr) throw std::invalid_argument("unknown resource " + name);
    const auto& current = store_.get(name, jwt::json_string(o, "pkey", true));
    const auto& updated = store_.update(name, current.id, fields(), ext_view);
    return json_reply(200, store_.dump(name, updated, options_.opt_out_prefix));
  }
  if (action == "resources") {
    const auto only = jwt::json_string(o, "name");
    json::object out;
    for (const auto& api : {"profileAndServicesExt", "customResources"}) {
      for (const auto* def : store_.resources(api)) {
        if (def->is_profile() || (!only.empty() && def->name != only)) continue;
        json::array rows;
        for (const auto* r : store_.all(def->name)) {
          rows.push_back(store_.dump(def->name, *r, options_.opt_out_prefix));
        }
        out[def->name] = std::move(rows);
      }
    }
    return json_reply(200, out);
  }
  if (action == "opt_out_changes") {
    std::optional<jwt::time_point> since;
    if (const auto text = jwt::json_string(o, "since"); !text.empty()) {
      since = jwt::parse_time(text);
      if (!since) throw std::invalid_argument("\"since\" is not a timestamp: " + text);
    }
    std::vector<std::pair<jwt::time_point, json::object>> changes;
    const auto& def = *store_.resource("profile");
    for (const auto* r : store_.all("profile")) {
      for (const auto field : opt_out_fields) {
        const auto it = r->changed.find(field);
        if (it == r->changed.end() || (since && it->second <= *since)) continue;
        changes.emplace_back(
            it->second,
            json::object{{"PKey", r->pkey},
                         {"externalId", store_.field_value(def, *r, *def.field("externalId"))},
                         {"attribute", campaign::exposed_name(field, options_.opt_out_prefix)},
                         {"value", store_.field_value(def, *r, *def.field(field))},
                         {"changed", jwt::iso_millis(it->second)}});
      }
    }
    std::stable_sort(changes.begin(), changes.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    json::array out;
    for (auto& [at, change] : changes) out.push_back(std::move(change));
    return json_reply(200, out);
  }
  store_.clear();
  return json_reply(200, json::object{{"cleared", true}});
}

}  // namespace switchboard::sandbox
