// The per-contact consent document.
#include "consent_state.hpp"

#include "timestamps.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace switchboard::optout {
namespace json = boost::json;

namespace {

std::optional<time_point> time_of(const json::value* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return parse_timestamp(v->as_string());
}

const json::object* object_at(const json::object* o, std::string_view name) {
  const auto* v = o != nullptr ? o->if_contains(name) : nullptr;
  return v != nullptr ? v->if_object() : nullptr;
}

json::object& object_in(json::object& o, std::string_view name) {
  auto& v = o[name];
  if (!v.is_object()) v = json::object{};
  return v.as_object();
}

/// [value, "time" | null]
std::string_view name_of(side s) { return s == side::dynamics ? "d" : "c"; }

json::array entry(bool value, std::optional<time_point> at) {
  return json::array{value, at ? json::value(iso_millis(*at)) : json::value(nullptr)};
}

}  // namespace

consent_record::consent_record(sdk::kv_state& kv, std::string id)
    : kv_(kv), key_("opt-out:" + std::move(id)) {
  if (const auto text = kv_.get(key_)) {
    boost::system::error_code ec;
    auto doc = json::parse(*text, ec);
    if (!ec && doc.is_object()) doc_ = std::move(doc.as_object());
  }
}

const json::object* consent_record::part(side s) const { return object_at(&doc_, name_of(s)); }

json::object& consent_record::part(side s) { return object_in(doc_, name_of(s)); }

std::optional<host_write> consent_record::wrote(side s, std::string_view field) const {
  const auto* written = object_at(part(s), "w");
  const auto* e = written != nullptr ? written->if_contains(field) : nullptr;
  const auto* a = e != nullptr ? e->if_array() : nullptr;
  if (a == nullptr || a->size() != 2 || !(*a)[0].is_bool()) return std::nullopt;
  const auto at = time_of(&(*a)[1]);
  if (!at) return std::nullopt;
  return host_write{(*a)[0].as_bool(), *at};
}

std::optional<time_point> consent_record::last_write(side s) const {
  const auto* p = part(s);
  return time_of(p != nullptr ? p->if_contains("t") : nullptr);
}

void consent_record::remember_write(side s, const value_map& values, time_point changed_at) {
  auto& p = part(s);
  p["t"] = iso_millis(changed_at);
  auto& written = object_in(p, "w");
  for (const auto& [field, value] : values) written[field] = entry(value, changed_at);
  if (s == side::campaign) {
    auto& known = object_in(p, "k");
    for (const auto& [field, value] : values) known[field] = entry(value, changed_at);
  }
  dirty_ = true;
}

campaign_attribute consent_record::observe(std::string_view attribute, bool value,
                                           time_point seen_at,
                                           std::optional<time_point> attribute_time) {
  auto& known = object_in(part(side::campaign), "k");
  const auto* e = known.if_contains(attribute);
  const auto* a = e != nullptr ? e->if_array() : nullptr;
  const bool have = a != nullptr && a->size() == 2 && (*a)[0].is_bool();
  const std::optional<bool> before = have ? std::optional<bool>((*a)[0].as_bool()) : std::nullopt;
  const auto before_at = have ? time_of(&(*a)[1]) : std::nullopt;
  campaign_attribute out{value, {}, false, false};
  if (attribute_time) {
    if (before_at && *attribute_time <= *before_at) {
      out.stale = *attribute_time < *before_at || before != value;
      out.changed_at = before_at;
      out.value = *before;
      return out;
    }
    out.changed_at = attribute_time;
    out.changed = true;
  } else if (before && *before == value) {
    out.changed_at = before_at;
    return out;
  } else if (before) {
    // Changed since the last observation: at the profile's lastModified (never earlier than
    // the change already known).
    out.changed_at = before_at && *before_at > seen_at ? *before_at : seen_at;
    out.changed = true;
  }
  known[attribute] = entry(value, out.changed_at);
  dirty_ = true;
  return out;
}

std::optional<host_write> consent_record::echo_basis(side s, std::string_view field,
                                                     const side_value& value, bool record_level,
                                                     std::chrono::milliseconds window) const {
  auto own = wrote(s, field);
  if (own && is_echo(value, own, window)) return own;
  if (record_level) {
    if (const auto at = last_write(s); at && *at == value.changed_at) {
      return host_write{value.value, *at};
    }
  }
  return own;
}

void consent_record::save() {
  if (!dirty_) return;
  kv_.put(key_, json::serialize(doc_));
  dirty_ = false;
}

}  // namespace switchboard::optout
