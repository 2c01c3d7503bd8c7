// Campaign record storage: engine-like validation and errors, filters, sorting and rendering.
#include "sandbox/campaign/campaign_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>

namespace switchboard::sandbox::campaign {
namespace json = boost::json;
namespace {

std::string capitalized(std::string_view text) {
  std::string out(text);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

/// Truncates to `length` UTF-8 characters, as Campaign stores text in sized columns.
std::string truncated(std::string_view text, std::size_t length) {
  if (length == 0) return std::string(text);
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == length) return std::string(text.substr(0, i));
  }
  return std::string(text);
}

bool is_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string text_of(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_null()) return {};
  return json::serialize(v);
}

json::value default_value(const field_def& f) {
  switch (f.type) {
    case field_type::boolean:
      return false;
    case field_type::integer:
      return 0;
    case field_type::number:
      return 0.0;
    case field_type::enumeration:
      return json::value(f.values.empty() ? std::string() : f.values.front().name);
    default:
      return "";
  }
}

int compare_values(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.to_number<double>();
    const double y = b.to_number<double>();
    return x < y ? -1 : (y < x ? 1 : 0);
  }
  const auto x = text_of(a);
  const auto y = text_of(b);
  return x.compare(y) < 0 ? -1 : (x == y ? 0 : 1);
}

/// The identification key of a record as one string (each value length-prefixed), or nullopt
/// when a key field is unset or empty: such a record collides with none.
std::optional<std::string> key_text(const resource_def& def, const record& r) {
  if (def.key.empty()) return std::nullopt;
  std::string out;
  for (const auto& k : def.key) {
    const auto* v = r.values.if_contains(k);
    if (v == nullptr) return std::nullopt;
    const auto text = text_of(*v);
    if (text.empty()) return std::nullopt;
    out += std::to_string(text.size());
    out += ':';
    out += text;
  }
  return out;
}

constexpr std::string_view first_names[] = {"Amy",   "John",   "Olivia", "Xander", "Kristen",
                                            "Peter", "Gloria", "Edward", "Jane",   "Dorian"};
constexpr std::string_view last_names[] = {"Dakota",  "Doe",    "Varney", "Harrys", "Smith",
                                           "Paolini", "Boston", "Snow",   "Summer", "Simons"};

}  // namespace

campaign_error engine_error(int status, std::string_view detail) {
  return {status, "RST-360011 An error has occurred - please contact your administrator.\n" +
                      std::string(detail)};
}

campaign_store::campaign_store(std::uint64_t seed, std::function<time_point()> clock)
    : codec_(seed), clock_(std::move(clock)) {
  tables_.emplace("profile", table{profile_resource(), 1, {}, {}});
}

campaign_store::table& campaign_store::table_of(std::string_view resource) {
  return const_cast<table&>(std::as_const(*this).table_of(resource));
}

time_point campaign_store::now_ms() const {
  return std::chrono::floor<std::chrono::milliseconds>(clock_());
}

const campaign_store::table& campaign_store::table_of(std::string_view resource) const {
  const auto it = tables_.find(resource);
  if (it == tables_.end()) {
    throw engine_error(404, "Unsupported resource '" + std::string(resource) + "'.");
  }
  return it->second;
}

const resource_def* campaign_store::resource(std::string_view name) const noexcept {
  const auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : &it->second.def;
}

std::vector<const resource_def*> campaign_store::resources(std::string_view api) const {
  std::vector<const resource_def*> out;
  for (const auto& [name, t] : tables_) {
    if (t.def.is_profile() ? api != "customResources" : t.def.api == api) out.push_back(&t.def);
  }
  return out;
}

std::string campaign_store::type_pkey(std::string_view name) const {
  return codec_.encode("resourceType", table_of(name).index);
}

const resource_def* campaign_store::resource_by_type_pkey(std::string_view pkey) const {
  const auto index = codec_.decode("resourceType", pkey);
  for (const auto& [name, t] : tables_) {
    if (index && t.index == *index) return &t.def;
  }
  return nullptr;
}

void campaign_store::define(resource_def def) {
  const auto it = tables_.find(def.name);
  if (it != tables_.end()) {
    it->second.def = std::move(def);
    reindex_keys(it->second);
    return;
  }
  const std::string name = def.name;
  tables_.emplace(name, table{std::move(def), tables_.size() + 1, {}, {}});
}

void campaign_store::extend_profile(std::vector<field_def> fields, std::vector<filter_def> filters,
                                    std::vector<std::string> key) {
  auto& profile = table_of("profile");
  auto& def = profile.def;
  for (auto& f : fields) {
    f.extension = true;
    std::erase_if(def.fields, [&f](const field_def& old) { return old.name == f.name; });
    def.fields.push_back(std::move(f));
  }
  for (auto& f : filters) {
    f.extension = true;
    std::erase_if(def.filters, [&f](const filter_def& old) { return old.name == f.name; });
    def.filters.push_back(std::move(f));
  }
  for (auto& k : key) {
    if (def.field(k) == nullptr) throw std::invalid_argument("key field " + k + " is not a field");
    def.key.push_back(std::move(k));
  }
  reindex_keys(profile);
}

const record& campaign_store::get(std::string_view resource, std::string_view pkey) const {
  const auto& t = table_of(resource);
  const auto id = codec_.decode(t.def.name, pkey);
  if (!id) {
    const auto raw = pkey.substr(pkey.empty() || pkey.front() != '@' ? 0 : 1);
    throw campaign_error{500, "'" + std::string(raw) + "' attribute unknown (see definition of '" +
                                  t.def.label + " (" + t.def.schema +
                                  ")' schema).\n"
                                  "XTK-170036 Unable to parse expression '@id = @" +
                                  std::string(raw) + "'."};
  }
  const auto it = t.rows.find(*id);
  if (it == t.rows.end()) {
    throw engine_error(404, "Unable to find document with path '" + capitalized(t.def.name) +
                                "' from key '" + std::string(pkey) + "' (document with schema '" +
                                t.def.schema + "')");
  }
  return it->second;
}

const record* campaign_store::find_by_key(std::string_view resource, std::string_view value) const {
  const auto& t = table_of(resource);
  if (t.def.key.empty()) return nullptr;
  for (const auto& [id, r] : t.rows) {
    const auto* v = r.values.if_contains(t.def.key.front());
    if (v != nullptr && !value.empty() && text_of(*v) == value) return &r;
  }
  return nullptr;
}

json::value campaign_store::coerce(const resource_def& def, const field_def& field,
                                   std::string_view wire_name, const json::value& value) const {
  const auto invalid = [&]() {
    return engine_error(500, "The value '" + text_of(value) + "' is not valid for the '@" +
                                 std::string(wire_name) + "' field of the '" + def.schema +
                                 "' schema.");
  };
  if (value.is_null()) return default_value(field);
  switch (field.type) {
    case field_type::string:
    case field_type::memo:
      if (!value.is_string()) throw invalid();
      return json::value(truncated(value.as_string(), field.length));
    case field_type::boolean:
      if (!value.is_bool()) throw invalid();
      return value;
    case field_type::integer:
      if (value.is_int64() || value.is_uint64()) return value;
      if (value.is_double() &&
          value.as_double() == static_cast<double>(static_cast<std::int64_t>(value.as_double()))) {
        return static_cast<std::int64_t>(value.as_double());
      }
      throw invalid();
    case field_type::number:
      if (!value.is_number()) throw invalid();
      return value.to_number<double>();
    case field_type::date:
      if (!value.is_string() || (!value.as_string().empty() && !is_date(value.as_string()))) {
        throw invalid();
      }
      return value;
    case field_type::datetime: {
      if (!value.is_string()) throw invalid();
      if (value.as_string().empty()) return "";
      const auto t = jwt::parse_time(value.as_string());
      if (!t) throw invalid();
      return json::value(jwt::campaign_time(*t));
    }
    case field_type::enumeration:
      for (const auto& v : field.values) {
        if ((value.is_string() && value.as_string() == v.name) ||
            (value.is_int64() && value.as_int64() == v.value)) {
          return json::value(v.name);
        }
      }
      throw engine_error(500, "The value '" + text_of(value) + "' is not valid for the '" +
                                  def.schema + ":" + field.name + "' enumeration of the '@" +
                                  field.name + "' field");
  }
  throw invalid();
}

void campaign_store::apply(const table& t, record& r, const json::object& body,
                           const data_view& view) const {
  const auto& def = t.def;
  const auto now = now_ms();
  bool touched = false;
  for (const auto& [wire, value] : body) {
    const std::string name = canonical_name(wire, view.opt_out_prefix);
    if (const auto* link = def.link(name); link != nullptr && !name.empty()) {
      std::uint64_t target = 0;
      if (!value.is_null()) {
        const auto* pkey = value.is_object() ? value.as_object().if_contains("PKey") : nullptr;
        if (pkey == nullptr || !pkey->is_string()) {
          throw engine_error(
              500, "The '" + std::string(wire) + "' link must be written as {\"PKey\": \"...\"}.");
        }
        target = get(link->target, pkey->as_string()).id;
      }
      const auto old = r.links.find(name);
      const std::uint64_t before = old == r.links.end() ? 0 : old->second;
      if (target == 0) r.links.erase(name);
      if (target != 0) r.links[name] = target;
      if (before != target) {
        r.changed[name] = now;
        touched = true;
      }
      continue;
    }
    const auto* field = name.empty() ? nullptr : def.field(name);
    if (field == nullptr || (field->extension && !view.extended()) || wire == "PKey" ||
        wire == "href") {
      if (wire == "PKey" || wire == "href") {
        throw campaign_error{500, "Cannot update the '" + std::string(wire) +
                                      "' property that is read-only\n'" + std::string(wire) +
                                      "' property is not valid for the '" + def.name +
                                      "' resource."};
      }
      throw engine_error(500, "'" + std::string(wire) + "' property is not valid for the '" +
                                  def.name + "' resource.");
    }
    if (field->read_only) {
      throw campaign_error{500, "Cannot update the '" + std::string(wire) +
                                    "' property that is read-only\n'" + std::string(wire) +
                                    "' property is not valid for the '" + def.name + "' resource."};
    }
    auto coerced = coerce(def, *field, wire, value);
    const auto* before = r.values.if_contains(name);
    const bool is_key = std::find(def.key.begin(), def.key.end(), name) != def.key.end();
    if (is_key && before != nullptr && !text_of(*before).empty() &&
        text_of(*before) != text_of(coerced) && r.id != 0) {
      throw engine_error(500, "RST-360012 Inconsistent operation on resource '" + def.name +
                                  "' - Cannot update key '" + text_of(*before) + "' to '" +
                                  text_of(coerced) + "'.");
    }
    if (before == nullptr || *before != coerced) {
      r.values[name] = std::move(coerced);
      r.changed[name] = now;
      touched = true;
    }
  }
  if (touched) r.modified = now;
}

void campaign_store::check_key(const table& t, const record& r) const {
  const auto key = key_text(t.def, r);
  if (!key) return;
  const auto found = t.by_key.find(*key);
  if (found == t.by_key.end()) return;
  if (std::all_of(found->second.begin(), found->second.end(),
                  [&r](std::uint64_t id) { return id == r.id; })) {
    return;
  }
  std::string values;
  std::string fields;
  for (const auto& k : t.def.key) {
    values += (values.empty() ? "" : ", ") + text_of(*r.values.if_contains(k));
    fields += (fields.empty() ? "" : ", ") + k;
  }
  throw campaign_error{500, "A '" + capitalized(t.def.name) + "' with the same key '" + values +
                                "' already exists.\nPGS-220000 PostgreSQL error: ERROR:  "
                                "duplicate key value violates unique constraint \"" +
                                t.def.name + "_key\" DETAIL:  Key (" + fields + ")=(" + values +
                                ") already exists."};
}

void campaign_store::index_key(table& t, const record& r) {
  if (auto key = key_text(t.def, r)) t.by_key[std::move(*key)].push_back(r.id);
}

void campaign_store::unindex_key(table& t, const record& r) {
  const auto key = key_text(t.def, r);
  if (!key) return;
  const auto found = t.by_key.find(*key);
  if (found == t.by_key.end()) return;
  std::erase(found->second, r.id);
  if (found->second.empty()) t.by_key.erase(found);
}

void campaign_store::reindex_keys(table& t) {
  t.by_key.clear();
  for (const auto& [id, r] : t.rows) index_key(t, r);
}

const record& campaign_store::create(std::string_view resource, const json::object& body,
                                     const data_view& view) {
  auto& t = table_of(resource);
  record r;
  for (const auto& f : t.def.fields) {
    if (!f.read_only) r.values[f.name] = default_value(f);
  }
  apply(t, r, body, view);
  r.id = next_id_;
  check_key(t, r);
  ++next_id_;
  r.pkey = codec_.encode(t.def.name, r.id);
  r.created = now_ms();
  r.modified = r.created;
  const auto& stored = t.rows.emplace(r.id, std::move(r)).first->second;
  index_key(t, stored);
  return stored;
}

const record& campaign_store::update(std::string_view resource, std::uint64_t id,
                                     const json::object& body, const data_view& view) {
  auto& t = table_of(resource);
  auto& current = t.rows.at(id);
  record changed = current;
  apply(t, changed, body, view);
  check_key(t, changed);
  unindex_key(t, current);
  current = std::move(changed);
  index_key(t, current);
  return current;
}

void campaign_store::remove(std::string_view resource, std::uint64_t id) {
  auto& owner = table_of(resource);
  if (const auto it = owner.rows.find(id); it != owner.rows.end()) {
    unindex_key(owner, it->second);
    owner.rows.erase(it);
  }
  for (auto& [name, t] : tables_) {
    for (auto& [rid, r] : t.rows) {
      std::erase_if(r.links, [id](const auto& link) { return link.second == id; });
    }
  }
}

void campaign_store::clear() {
  for (auto& [name, t] : tables_) {
    t.rows.clear();
    t.by_key.clear();
  }
}

std::vector<const record*> campaign_store::select(std::string_view resource,
                                                  const std::vector<const filter_def*>& filters,
                                                  const query_params& params,
                                                  const data_view& view) const {
  const auto& t = table_of(resource);
  const auto param = [&params](std::string_view name) -> const std::string* {
    for (const auto& [n, v] : params) {
      if (n == name) return &v;
    }
    return nullptr;
  };
  std::string text_field;
  if (const auto* type = param("filterType"); type != nullptr && !type->empty()) {
    text_field = canonical_name(*type, view.opt_out_prefix);
    const auto* f = t.def.field(text_field);
    if (f == nullptr || (f->type != field_type::string && f->type != field_type::memo)) {
      throw engine_error(500, "'" + *type + "' attribute unknown (see definition of '" +
                                  t.def.label + " (" + t.def.schema + ")' schema).");
    }
  }
  std::vector<const record*> out;
  for (const auto& [id, r] : t.rows) {
    bool pass = true;
    for (const auto* f : filters) {
      if (f->name == "byText" && t.def.is_profile()) {
        const auto* text = param("text");
        if (text == nullptr || text->empty()) continue;
        const auto starts = [&r, text](std::string_view field) {
          const auto* v = r.values.if_contains(field);
          return v != nullptr && v->is_string() && v->as_string().starts_with(*text);
        };
        pass = pass &&
               (text_field.empty() ? starts("email") || starts("lastName") : starts(text_field));
        continue;
      }
      for (const auto& p : f->parameters) {
        const auto* wanted = param(p.name);
        if (p.field.empty() || wanted == nullptr) continue;
        if (t.def.link(p.field) != nullptr) {
          const auto it = r.links.find(p.field);
          const auto* target =
              it == r.links.end() ? nullptr : this->resource(t.def.link(p.field)->target);
          pass = pass && target != nullptr && codec_.encode(target->name, it->second) == *wanted;
          continue;
        }
        const auto* v = r.values.if_contains(p.field);
        pass = pass && v != nullptr && text_of(*v) == *wanted;
      }
    }
    if (pass) out.push_back(&r);
  }
  return out;
}

void campaign_store::sort(std::string_view resource, std::vector<const record*>& rows,
                          std::string_view order, const data_view& view) const {
  const auto& def = table_of(resource).def;
  std::vector<std::pair<const field_def*, bool>> keys;
  while (!order.empty()) {
    const auto comma = order.find(',');
    std::string_view part = order.substr(0, comma);
    order = comma == std::string_view::npos ? std::string_view{} : order.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    const auto space = part.find(' ');
    const auto wire = part.substr(0, space);
    const auto direction = space == std::string_view::npos ? "asc" : part.substr(space + 1);
    const auto* field = def.field(canonical_name(wire, view.opt_out_prefix));
    if (field == nullptr || (field->extension && !view.extended()) ||
        (direction != "asc" && direction != "desc")) {
      throw engine_error(500, "'" + std::string(part) + "' attribute unknown (see definition of '" +
                                  def.label + " (" + def.schema + ")' schema).");
    }
    if (!field->sortable) {
      throw engine_error(500, "The '" + std::string(wire) + "' field of the '" + def.name +
                                  "' resource is not sortable.");
    }
    keys.emplace_back(field, direction == "desc");
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const record* a, const record* b) {
    for (const auto& [field, descending] : keys) {
      const int c = compare_values(field_value(def, *a, *field), field_value(def, *b, *field));
      if (c != 0) return descending ? c > 0 : c < 0;
    }
    return false;
  });
}

json::value campaign_store::field_value(const resource_def& def, const record& r,
                                        const field_def& field) const {
  if (def.is_profile()) {
    if (field.name == "created") return json::value(jwt::campaign_time(r.created));
    if (field.name == "lastModified") return json::value(jwt::campaign_time(r.modified));
    if (field.name == "domain") {
      const auto* email = r.values.if_contains("email");
      const std::string e = email == nullptr ? std::string() : text_of(*email);
      const auto at = e.find('@');
      return json::value(at == std::string::npos ? std::string() : e.substr(at + 1));
    }
    if (field.name == "age") {
      const auto* birth = r.values.if_contains("birthDate");
      const std::string b = birth == nullptr ? std::string() : text_of(*birth);
      if (!is_date(b)) return 0;
      const auto today = jwt::campaign_time(clock_());
      int years = std::stoi(today.substr(0, 4)) - std::stoi(b.substr(0, 4));
      if (today.substr(5, 5) < b.substr(5, 5)) --years;
      return std::max(years, 0);
    }
  }
  const auto* v = r.values.if_contains(field.name);
  return v == nullptr ? default_value(field) : *v;
}

json::object campaign_store::render(std::string_view resource, const record& r,
                                    const data_view& view) const {
  const auto& def = table_of(resource).def;
  json::object o;
  o["PKey"] = r.pkey;
  for (const auto& f : def.fields) {
    if (f.extension && !view.extended()) continue;
    o[exposed_name(f.name, view.opt_out_prefix)] = field_value(def, r, f);
  }
  for (const auto& l : def.links) {
    const auto it = r.links.find(l.name);
    const auto* target = this->resource(l.target);
    if (it == r.links.end() || target == nullptr) {
      o[l.name] = nullptr;
      continue;
    }
    const std::string api = target->is_profile()
                                ? (view.extended() ? "profileAndServicesExt" : "profileAndServices")
                                : target->api;
    o[l.name] = json::object{{"href", view.base + "/" + api + "/" + target->name + "/" +
                                          codec_.encode(target->name, it->second)}};
  }
  o["href"] = view.base + "/" + view.api + "/" + def.name + "/" + r.pkey;
  return o;
}

json::object campaign_store::dump(std::string_view resource, const record& r,
                                  std::string_view opt_out_prefix) const {
  const auto& def = table_of(resource).def;
  json::object o;
  o["PKey"] = r.pkey;
  for (const auto& f : def.fields) o[exposed_name(f.name, opt_out_prefix)] = field_value(def, r, f);
  json::object links;
  for (const auto& [name, id] : r.links) {
    const auto* l = def.link(name);
    links[name] = l == nullptr ? json::value(nullptr) : json::value(codec_.encode(l->target, id));
  }
  o["_links"] = std::move(links);
  json::object changed;
  for (const auto& [name, at] : r.changed) {
    changed[exposed_name(name, opt_out_prefix)] = jwt::iso_millis(at);
  }
  o["_changed"] = std::move(changed);
  return o;
}

std::vector<const record*> campaign_store::all(std::string_view resource) const {
  std::vector<const record*> out;
  for (const auto& [id, r] : table_of(resource).rows) out.push_back(&r);
  return out;
}

std::vector<std::string> campaign_store::seed_profiles(std::size_t count, std::uint64_t seed,
                                                       bool external_ids) {
  jwt::seeded_random random(seed);
  std::vector<std::string> out;
  const data_view view{"", "profileAndServicesExt", "blackList"};
  for (std::size_t i = 0; i < count; ++i) {
    const auto first = first_names[random.next() % std::size(first_names)];
    const auto last = last_names[random.next() % std::size(last_names)];
    std::string email = std::string(first) + "." + std::string(last) + "." +
                        std::to_string(random.next() % 100000) + "@example.com";
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    json::object body{{"firstName", first}, {"lastName", last}, {"email", email}};
    const std::string external_id = random.uuid();
    if (external_ids) body["externalId"] = external_id;
    out.push_back(create("profile", body, view).pkey);
  }
  return out;
}

}  // namespace switchboard::sandbox::campaign
