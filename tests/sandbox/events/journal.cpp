// Journal storage with opaque positions, and deterministic Campaign email event generation.
#include "sandbox/events/journal.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cstdio>

namespace switchboard::sandbox::events {
namespace json = boost::json;
namespace {

constexpr std::string_view animals[] = {"moose", "camel", "rabbit", "penguin",
                                        "otter", "heron", "lynx",   "bison"};

/// {"id","name"} from a string id or an object; names are optional (null).
json::object id_and_name(const json::object& spec, std::string_view key) {
  const auto* v = spec.if_contains(key);
  if (v != nullptr && v->is_string() && !v->as_string().empty()) {
    return json::object{{"id", v->as_string()}, {"name", nullptr}};
  }
  if (v != nullptr && v->is_object()) {
    const auto id = jwt::json_string(v->as_object(), "id", true);
    const auto name = jwt::json_string(v->as_object(), "name");
    return json::object{{"id", id},
                        {"name", name.empty() ? json::value(nullptr) : json::value(name)}};
  }
  throw jwt::control_failure("\"" + std::string(key) + "\" must be an id or {\"id\", \"name\"}");
}

double fraction(const json::object& spec, std::string_view key) {
  const double f = jwt::json_number(spec, key, 0);
  if (f < 0 || f > 1) throw jwt::control_failure("\"" + std::string(key) + "\" must be in [0, 1]");
  return f;
}

}  // namespace

journal::journal(std::uint64_t seed) : random_(seed) { head_ = next_position(); }

std::string journal::next_position() {
  const auto animal = animals[random_.next() % std::size(animals)];
  const auto first = random_.uuid();
  return std::string(animal) + ":" + first + ":" + random_.uuid();
}

const std::string& journal::last_position() const noexcept {
  return entries_.empty() ? head_ : entries_.back().position;
}

void journal::append(json::object event, time_point written, bool redelivery) {
  journal_entry entry{next_position(), std::move(event), written, redelivery, false};
  index_.emplace(entry.position, entries_.size());
  entries_.push_back(std::move(entry));
}

std::optional<std::size_t> journal::after(std::string_view position) const {
  if (position == head_) return 0;
  const auto it = index_.find(position);
  if (it == index_.end()) return std::nullopt;
  return it->second + 1;
}

std::size_t journal::expired(time_point now, std::chrono::seconds retention) const {
  std::size_t n = std::min(manually_expired_, entries_.size());
  while (n < entries_.size() && entries_[n].written + retention <= now) ++n;
  return n;
}

delivery_events generate_delivery(const json::object& spec, time_point now,
                                  std::string_view mirror_page_base) {
  const auto campaign = id_and_name(spec, "campaign");
  const auto delivery = id_and_name(spec, "delivery");
  const double opens = fraction(spec, "opens");
  const double clicks = std::min(fraction(spec, "clicks"), opens);
  const double bounces = fraction(spec, "bounces");
  const auto seed = static_cast<std::uint64_t>(jwt::json_number(spec, "seed", 1));
  std::string url = jwt::json_string(spec, "url");
  if (url.empty()) url = "https://www.example.com/offer";
  time_point start = now;
  if (const auto at = jwt::json_string(spec, "at"); !at.empty()) {
    const auto parsed = jwt::parse_time(at);
    if (!parsed) throw jwt::control_failure("\"at\" is not a timestamp: " + at);
    start = *parsed;
  }
  const auto* profiles = spec.if_contains("profiles");
  if (profiles == nullptr || !profiles->is_array()) {
    throw jwt::control_failure("\"profiles\" must be an array");
  }
  const std::string campaign_id(campaign.at("id").as_string());
  const std::string delivery_id(delivery.at("id").as_string());
  jwt::seeded_random random(seed ^ jwt::stable_hash(campaign_id + "/" + delivery_id));
  std::vector<std::pair<time_point, json::object>> timeline;
  delivery_events out;
  const auto make = [&](std::string_view type, time_point at, const json::object& profile,
                        bool click, bool bounce) {
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx",
                  static_cast<unsigned long long>(jwt::stable_hash(profile.at("PKey").as_string(),
                                                                   jwt::stable_hash(delivery_id))));
    const std::string mirror = std::string(mirror_page_base) + delivery_id + "/" + digest;
    timeline.emplace_back(
        at, json::object{{"id", random.uuid()},
                         {"type", type},
                         {"timestamp", jwt::iso_millis(at)},
                         {"profile", profile},
                         {"campaign", campaign},
                         {"delivery", delivery},
                         {"url", click ? json::value(url) : json::value(nullptr)},
                         {"mirrorPageUrl", bounce ? json::value(nullptr) : json::value(mirror)},
                         {"bounceType", bounce ? json::value("hard") : json::value(nullptr)}});
  };
  std::size_t i = 0;
  for (const auto& item : profiles->as_array()) {
    if (!item.is_object()) throw jwt::control_failure("each profile must be an object");
    const auto& p = item.as_object();
    auto pkey = jwt::json_string(p, "pkey");
    if (pkey.empty()) pkey = jwt::json_string(p, "PKey");
    const json::object profile{{"PKey", pkey},
                               {"email", jwt::json_string(p, "email")},
                               {"externalId", jwt::json_string(p, "externalId")}};
    const auto sent = start + std::chrono::milliseconds(10 * static_cast<std::int64_t>(i++));
    const double u_bounce = random.unit();
    const double u_open = random.unit();
    const double u_click = random.unit();
    make("send", sent, profile, false, false);
    ++out.sends;
    if (u_bounce < bounces) {
      make("bounce", sent + std::chrono::seconds(5), profile, false, true);
      ++out.bounces;
      continue;
    }
    if (u_open >= opens) continue;
    const auto opened = sent + std::chrono::seconds(60);
    make("open", opened, profile, false, false);
    ++out.opens;
    if (u_click * opens >= clicks) continue;
    make("click", opened + std::chrono::seconds(30), profile, true, false);
    ++out.clicks;
  }
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (jwt::json_bool(spec, "shuffle", false)) {
    for (std::size_t k = timeline.size(); k > 1; --k) {
      std::swap(timeline[k - 1], timeline[random.next() % k]);
    }
  }
  for (auto& [at, event] : timeline) out.events.push_back(std::move(event));
  return out;
}

}  // namespace switchboard::sandbox::events
