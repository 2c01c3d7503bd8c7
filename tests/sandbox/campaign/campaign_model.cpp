// The built-in profile schema, custom resource definitions read from JSON, the PKey codec and
// the resourceType / filters metadata documents.
#include "sandbox/campaign/campaign_model.hpp"

#include "sandbox/jwt/jwt.hpp"
#include "sandbox/jwt/support.hpp"

#include <boost/json/array.hpp>

#include <stdexcept>

namespace switchboard::sandbox::campaign {
namespace json = boost::json;
namespace {

constexpr std::string_view canonical_opt_out = "blackList";
constexpr std::string_view opt_out_suffixes[] = {"",           "Email", "Mobile",          "Phone",
                                                 "PostalMail", "Fax",   "Pushnotification"};

bool is_opt_out_suffix(std::string_view suffix) {
  for (const auto s : opt_out_suffixes) {
    if (s == suffix) return true;
  }
  return false;
}

field_def text(std::string name, std::size_t length, std::string label, bool sortable = false,
               std::string policy = {}) {
  field_def f;
  f.name = std::move(name);
  f.length = length;
  f.label = std::move(label);
  f.sortable = sortable;
  f.data_policy = std::move(policy);
  f.category = "profile";
  return f;
}

field_def typed(std::string name, field_type type, std::string label, bool read_only = false,
                bool sortable = false) {
  field_def f;
  f.name = std::move(name);
  f.type = type;
  f.label = std::move(label);
  f.read_only = read_only;
  f.sortable = sortable;
  f.category = "profile";
  return f;
}

field_def enumeration(std::string name, std::string label, std::vector<enum_value> values) {
  field_def f = typed(std::move(name), field_type::enumeration, std::move(label));
  f.values = std::move(values);
  return f;
}

std::pair<std::string_view, std::string_view> type_names(field_type type) {
  switch (type) {
    case field_type::string:
      return {"string", "string"};
    case field_type::memo:
      return {"string", "memo"};
    case field_type::boolean:
      return {"boolean", "boolean"};
    case field_type::integer:
      return {"number", "long"};
    case field_type::number:
      return {"number", "double"};
    case field_type::date:
      return {"date", "date"};
    case field_type::datetime:
      return {"datetime", "datetime"};
    case field_type::enumeration:
      return {"enumeration", "byte"};
  }
  return {"string", "string"};
}

field_type parse_type(std::string_view name) {
  static const std::pair<std::string_view, field_type> types[] = {
      {"string", field_type::string},    {"memo", field_type::memo},
      {"boolean", field_type::boolean},  {"integer", field_type::integer},
      {"long", field_type::integer},     {"number", field_type::number},
      {"double", field_type::number},    {"date", field_type::date},
      {"datetime", field_type::datetime}};
  for (const auto& [n, t] : types) {
    if (n == name) return t;
  }
  throw std::invalid_argument("unknown field type '" + std::string(name) + "'");
}

std::uint64_t keystream(std::uint64_t seed, std::uint64_t tag) {
  jwt::seeded_random random(seed ^ tag);
  return random.next();
}

std::string bytes_of(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return out;
}

std::uint64_t value_of(std::string_view bytes) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  return v;
}

json::object field_metadata(const field_def& f, std::string_view prefix) {
  const auto [type, res_type] = type_names(f.type);
  const auto name = exposed_name(f.name, prefix);
  json::object o{{"apiName", name},
                 {"category", f.category.empty() ? "default" : f.category},
                 {"label", f.label.empty() ? name : f.label},
                 {"resType", res_type},
                 {"type", type}};
  if (f.length > 0) o["length"] = f.length;
  if (!f.data_policy.empty()) o["dataPolicy"] = f.data_policy;
  if (f.read_only) o["readOnly"] = true;
  if (f.sortable) o["sortable"] = true;
  if (f.type == field_type::enumeration) {
    json::object values;
    for (const auto& v : f.values) {
      values[v.name] = json::object{{"label", v.label}, {"name", v.name}, {"value", v.value}};
    }
    o["values"] = std::move(values);
  }
  return o;
}

}  // namespace

const field_def* resource_def::field(std::string_view n) const noexcept {
  for (const auto& f : fields) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

const link_def* resource_def::link(std::string_view n) const noexcept {
  for (const auto& l : links) {
    if (l.name == n) return &l;
  }
  return nullptr;
}

const filter_def* resource_def::filter(std::string_view n) const noexcept {
  for (const auto& f : filters) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

resource_def profile_resource() {
  resource_def r;
  r.name = "profile";
  r.api = "profileAndServices";
  r.schema = "nms:recipient";
  r.label = "Profiles";
  field_def domain = text("domain", 255, "Email domain");
  domain.read_only = true;  // derived from email
  r.fields = {
      typed("age", field_type::integer, "Age", true),
      typed("birthDate", field_type::date, "Birth date", false, true),
      typed("blackList", field_type::boolean, "No longer contact (by any channel)"),
      typed("blackListEmail", field_type::boolean, "No longer contact by email"),
      typed("blackListFax", field_type::boolean, "No longer contact by fax"),
      typed("blackListMobile", field_type::boolean, "No longer contact by SMS"),
      typed("blackListPhone", field_type::boolean, "No longer contact by phone"),
      typed("blackListPostalMail", field_type::boolean, "No longer contact by direct mail"),
      typed("blackListPushnotification", field_type::boolean,
            "No longer contact by push notification"),
      typed("ccpaOptOut", field_type::boolean, "CCPA Opt-Out"),
      typed("created", field_type::datetime, "Created", true, true),
      domain,
      text("email", 128, "Email", true, "email"),
      enumeration("emailFormat", "Email format",
                  {{"unknown", "Unknown", 0}, {"text", "Text", 1}, {"html", "HTML", 2}}),
      text("externalId", 100, "External ID", true),
      text("fax", 32, "Fax", false, "phone"),
      text("firstName", 30, "First name", true, "smartCase"),
      enumeration("gender", "Gender",
                  {{"unknown", "Not specified", 0}, {"male", "Male", 1}, {"female", "Female", 2}}),
      typed("isExternal", field_type::boolean, "External profile"),
      typed("lastModified", field_type::datetime, "Last modified", true, true),
      text("lastName", 50, "Last name", true, "smartCase"),
      text("middleName", 30, "Middle name", false, "smartCase"),
      text("mobilePhone", 32, "Mobile", false, "mobilePhone"),
      text("phone", 32, "Phone", false, "phone"),
      text("salutation", 20, "Title"),
      text("timeZone", 64, "Time zone")};
  r.filters = {{"byEmail", "By email", {{"email", "email"}}, false},
               {"byText", "By name or email", {{"text", ""}}, false}};
  return r;
}

std::string exposed_name(std::string_view canonical, std::string_view prefix) {
  if (canonical.substr(0, canonical_opt_out.size()) != canonical_opt_out ||
      !is_opt_out_suffix(canonical.substr(canonical_opt_out.size()))) {
    return std::string(canonical);
  }
  return std::string(prefix) + std::string(canonical.substr(canonical_opt_out.size()));
}

std::string canonical_name(std::string_view exposed, std::string_view prefix) {
  if (exposed.substr(0, prefix.size()) == prefix &&
      is_opt_out_suffix(exposed.substr(prefix.size()))) {
    return std::string(canonical_opt_out) + std::string(exposed.substr(prefix.size()));
  }
  if (exposed.substr(0, canonical_opt_out.size()) == canonical_opt_out &&
      is_opt_out_suffix(exposed.substr(canonical_opt_out.size()))) {
    return {};
  }
  return std::string(exposed);
}

std::vector<field_def> parse_fields(const json::object& o) {
  std::vector<field_def> out;
  const auto* fields = o.if_contains("fields");
  if (fields == nullptr || fields->is_null()) return out;
  if (!fields->is_array()) throw std::invalid_argument("\"fields\" must be an array");
  for (const auto& item : fields->as_array()) {
    if (!item.is_object()) throw std::invalid_argument("each field must be an object");
    const auto& f = item.as_object();
    field_def def;
    def.name = jwt::json_string(f, "name", true);
    def.type =
        parse_type(jwt::json_string(f, "type").empty() ? "string" : jwt::json_string(f, "type"));
    def.length = static_cast<std::size_t>(
        jwt::json_number(f, "length", def.type == field_type::string ? 255 : 0));
    def.label = jwt::json_string(f, "label");
    def.sortable = jwt::json_bool(f, "sortable", true);
    def.read_only = jwt::json_bool(f, "read_only", false);
    def.category = "custom";
    out.push_back(std::move(def));
  }
  return out;
}

std::vector<filter_def> parse_filters(const json::object& o) {
  std::vector<filter_def> out;
  const auto* filters = o.if_contains("filters");
  if (filters == nullptr || filters->is_null()) return out;
  if (!filters->is_array()) throw std::invalid_argument("\"filters\" must be an array");
  for (const auto& item : filters->as_array()) {
    if (!item.is_object()) throw std::invalid_argument("each filter must be an object");
    const auto& f = item.as_object();
    filter_def def;
    def.name = jwt::json_string(f, "name", true);
    if (def.name.size() < 3 || def.name.substr(0, 2) != "by") {
      throw std::invalid_argument("filter names start with \"by\": " + def.name);
    }
    def.label = jwt::json_string(f, "label");
    const auto* params = f.if_contains("parameters");
    if (params == nullptr || !params->is_array()) {
      throw std::invalid_argument("filter " + def.name + " needs a \"parameters\" array");
    }
    for (const auto& p : params->as_array()) {
      if (p.is_string()) {
        const std::string field(p.as_string());
        def.parameters.push_back({field + "_parameter", field});
      } else if (p.is_object()) {
        def.parameters.push_back({jwt::json_string(p.as_object(), "name", true),
                                  jwt::json_string(p.as_object(), "field", true)});
      } else {
        throw std::invalid_argument("a filter parameter is a field name or {name, field}");
      }
    }
    out.push_back(std::move(def));
  }
  return out;
}

resource_def parse_resource(const json::object& o) {
  resource_def r;
  r.name = jwt::json_string(o, "name", true);
  if (r.name.size() < 4 || r.name.substr(0, 3) != "cus") {
    throw std::invalid_argument("custom resource names start with \"cus\": " + r.name);
  }
  r.api = jwt::json_string(o, "api");
  if (r.api.empty()) r.api = "profileAndServicesExt";
  if (r.api != "profileAndServicesExt" && r.api != "customResources") {
    throw std::invalid_argument("\"api\" is profileAndServicesExt or customResources");
  }
  r.schema = jwt::json_string(o, "schema");
  if (r.schema.empty()) r.schema = "cus:" + r.name.substr(3);
  r.label = jwt::json_string(o, "label");
  if (r.label.empty()) r.label = r.name.substr(3);
  r.fields = parse_fields(o);
  if (const auto* links = o.if_contains("links"); links != nullptr && links->is_array()) {
    for (const auto& item : links->as_array()) {
      if (!item.is_object()) throw std::invalid_argument("each link must be an object");
      const auto& l = item.as_object();
      r.links.push_back({jwt::json_string(l, "name", true), jwt::json_string(l, "target", true),
                         jwt::json_string(l, "label")});
    }
  }
  r.key = jwt::json_strings(o, "key");
  for (const auto& k : r.key) {
    if (r.field(k) == nullptr) throw std::invalid_argument("key field " + k + " is not a field");
  }
  r.filters = parse_filters(o);
  for (const auto& f : r.filters) {
    for (const auto& p : f.parameters) {
      if (r.field(p.field) == nullptr && r.link(p.field) == nullptr) {
        throw std::invalid_argument("filter " + f.name + " names unknown field " + p.field);
      }
    }
  }
  return r;
}

std::string pkey_codec::encode(std::string_view kind, std::uint64_t id) const {
  const std::uint64_t tag = jwt::stable_hash(bytes_of(id), jwt::stable_hash(kind, seed_));
  std::string bytes = bytes_of(tag) + bytes_of(id ^ keystream(seed_, tag));
  jwt::seeded_random filler(tag ^ id);
  for (int i = 0; i < 4; ++i) bytes += bytes_of(filler.next());
  return "@" + jwt::base64url_encode(bytes);
}

std::optional<std::uint64_t> pkey_codec::decode(std::string_view kind,
                                                std::string_view pkey) const {
  if (pkey.size() < 2 || pkey.front() != '@') return std::nullopt;
  const auto bytes = jwt::base64url_decode(pkey.substr(1));
  if (!bytes || bytes->size() != 48) return std::nullopt;
  const std::uint64_t tag = value_of(std::string_view(*bytes).substr(0, 8));
  const std::uint64_t id = value_of(std::string_view(*bytes).substr(8, 8)) ^ keystream(seed_, tag);
  if (encode(kind, id) != pkey) return std::nullopt;
  return id;
}

json::object resource_metadata(const resource_def& def, const metadata_view& view) {
  json::object content;
  content["PKey"] = json::object{{"apiName", "PKey"},
                                 {"category", "default"},
                                 {"label", "Primary key"},
                                 {"resType", "string"},
                                 {"type", "string"}};
  for (const auto& f : def.fields) {
    if (f.extension && !view.extended) continue;
    content[exposed_name(f.name, view.opt_out_prefix)] = field_metadata(f, view.opt_out_prefix);
  }
  for (const auto& l : def.links) {
    content[l.name] = json::object{{"apiName", l.name},
                                   {"category", "default"},
                                   {"label", l.label.empty() ? l.name : l.label},
                                   {"resTarget", l.target},
                                   {"resType", "link"},
                                   {"type", "link"}};
  }
  const std::string data = "/" + view.api + "/" + def.name + "/";
  return json::object{
      {"content", std::move(content)},
      {"data", data},
      {"filters", json::object{{"href", view.base + "/" + view.api + "/resourceType/" +
                                            view.type_pkey + "/filters/"}}},
      {"help", def.label},
      {"href", view.base + "/" + view.api + "/" + def.name + "/metadata"},
      {"label", def.label},
      {"mandatory", false},
      {"name", def.name},
      {"pkgStatus", "never"},
      {"readOnly", false},
      {"schema", def.schema},
      {"type", "item"}};
}

json::object filters_metadata(const resource_def& def, const metadata_view& view,
                              const pkey_codec& codec) {
  json::object out;
  std::uint64_t index = 0;
  for (const auto& f : def.filters) {
    ++index;
    if (f.extension && !view.extended) continue;
    std::string data = "/" + view.api + "/" + def.name + "/" + f.name;
    json::object condition;
    json::object parameters;
    char separator = '?';
    for (const auto& p : f.parameters) {
      data += separator + p.name + "=$value";
      separator = '&';
      const auto* field = def.field(p.field);
      parameters[p.name] =
          json::object{{"apiName", p.name},
                       {"type", field == nullptr ? "string" : type_names(field->type).first}};
      if (!p.field.empty()) {
        condition[p.name] = json::object{{"enabledIf", "$(" + p.name + ")!=''"},
                                         {"expr", "@" + p.field + " = $(" + p.name + ")"}};
      }
    }
    out[f.name] = json::object{{"PKey", codec.encode("filter:" + def.name, index)},
                               {"category", "99_none"},
                               {"condition", std::move(condition)},
                               {"data", data},
                               {"formType", "none"},
                               {"fragmentName", ""},
                               {"label", f.label.empty() ? f.name : f.label},
                               {"metadata", std::move(parameters)}};
  }
  return out;
}

}  // namespace switchboard::sandbox::campaign
