// I/O Events journaling: gateway checks, since/limit/latest paging with Link headers, 204 at the
// end, 410 for expired positions, redelivery, and the test controls.
#include "sandbox/events/events_emulator.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <charconv>

namespace switchboard::sandbox {
namespace json = boost::json;
namespace {

std::string journal_path(const events_registration& r) {
  return "/events/organizations/" + r.organization + "/integrations/" + r.integration + "/" +
         r.registration;
}

server_reply gateway_error(int status, std::string_view code, std::string_view message) {
  return json_reply(status, json::object{{"error_code", code}, {"message", message}});
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& params,
                         std::string_view name) {
  for (const auto& [n, v] : params) {
    if (n == name) return &v;
  }
  return nullptr;
}

}  // namespace

events_emulator::events_emulator(token_registry& ims_tokens, events_options options)
    : ims_tokens_(ims_tokens), clock_(options.clock), options_(std::move(options)) {
  for (const auto& r : options_.registrations) add_registration(r);
}

void events_emulator::add_registration(const events_registration& registration) {
  if (registration.organization.empty() || registration.integration.empty() ||
      registration.registration.empty()) {
    throw jwt::control_failure("a registration needs organization, integration and registration");
  }
  std::lock_guard lock(mutex_);
  const auto path = journal_path(registration);
  const auto it = registrations_.find(path);
  if (it != registrations_.end()) {
    it->second.registration = registration;
    return;
  }
  registrations_.emplace(
      path,
      registration_state{registration, events::journal(options_.seed ^ jwt::stable_hash(path))});
}

void events_emulator::register_client(std::string client_id) {
  std::lock_guard lock(mutex_);
  options_.api_keys.push_back(std::move(client_id));
}

void events_emulator::set_redelivery(double fraction, std::uint64_t seed) {
  std::lock_guard lock(mutex_);
  redelivery_fraction_ = fraction;
  redelivery_seed_ = seed;
}

std::vector<events_emulator::registration_state*> events_emulator::targets(
    std::string_view registration) {
  std::vector<registration_state*> out;
  for (auto& [path, state] : registrations_) {
    if (registration.empty() || state.registration.registration == registration ||
        path == registration) {
      out.push_back(&state);
    }
  }
  if (out.empty()) {
    throw jwt::control_failure(registration.empty()
                                   ? std::string("no registration is defined")
                                   : "unknown registration " + std::string(registration));
  }
  return out;
}

void events_emulator::publish(const json::object& event, std::string_view registration) {
  std::lock_guard lock(mutex_);
  for (auto* state : targets(registration)) state->journal.append(event, clock_.now());
}

json::object events_emulator::send_delivery(const json::object& spec) {
  std::lock_guard lock(mutex_);
  const auto generated = events::generate_delivery(spec, clock_.now(), options_.mirror_page_base);
  for (auto* state : targets(jwt::json_string(spec, "registration"))) {
    for (const auto& event : generated.events) state->journal.append(event, clock_.now());
  }
  return json::object{{"events", generated.events.size()},
                      {"sends", generated.sends},
                      {"opens", generated.opens},
                      {"clicks", generated.clicks},
                      {"bounces", generated.bounces}};
}

json::array events_emulator::entries(std::string_view registration) const {
  std::lock_guard lock(mutex_);
  json::array out;
  for (const auto& [path, state] : registrations_) {
    if (!registration.empty() && state.registration.registration != registration) continue;
    for (std::size_t i = 0; i < state.journal.size(); ++i) {
      const auto& e = state.journal.at(i);
      out.push_back(json::object{{"registration", state.registration.registration},
                                 {"position", e.position},
                                 {"event", e.event},
                                 {"redelivery", e.redelivery}});
    }
  }
  return out;
}

std::string events_emulator::classify(const server_request& request) const {
  const auto path = request.path();
  if (!path.starts_with("/events/organizations/")) return request.method + " unknown";
  return request.method + (path.ends_with("/validate") ? " validate" : " journal");
}

server_reply events_emulator::handle(const server_request& request) {
  const auto grant = ims_tokens_.check(bearer_token(request));
  if (!grant) return gateway_error(401, "401013", "Oauth token is not valid");
  std::lock_guard lock(mutex_);
  const auto* api_key = request.header("x-api-key");
  const auto& keys = options_.api_keys;
  if (api_key == nullptr || api_key->empty() ||
      (keys.empty() ? *api_key != grant->client_id
                    : std::find(keys.begin(), keys.end(), *api_key) == keys.end())) {
    return gateway_error(403, "403003", "Api Key is invalid");
  }
  std::string_view path = request.path();
  const bool validate = path.ends_with("/validate");
  if (validate) path.remove_suffix(std::string_view("/validate").size());
  const auto it = registrations_.find(path);
  if (it == registrations_.end()) return jwt::text_reply(404, "Not Found");
  if (request.method != "GET") return jwt::text_reply(405, "Method Not Allowed");
  const auto& expected_org = it->second.registration.ims_org_id;
  const auto* org = request.header("x-ims-org-id");
  if (!expected_org.empty() && (org == nullptr || *org != expected_org)) {
    return gateway_error(403, "403023", "Profile is not valid");
  }
  return read(request, it->second, validate);
}

server_reply events_emulator::read(const server_request& request, registration_state& state,
                                   bool validate) {
  const auto params = parse_query(request.query());
  auto& journal = state.journal;
  const auto path = journal_path(state.registration);
  std::optional<std::size_t> limit;
  if (const auto* text = param(params, "limit"); text != nullptr) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc{} || end != text->data() + text->size() || n == 0) {
      return jwt::text_reply(400, "The limit query parameter must be a positive integer.");
    }
    limit = n;
  }
  const auto* since = param(params, "since");
  const auto* latest = param(params, "latest");
  const std::size_t expired = journal.expired(clock_.now(), options_.retention);
  std::size_t start = expired;
  std::string from = start == 0 ? journal.head() : journal.at(start - 1).position;
  if (since != nullptr) {
    const auto index = journal.after(*since);
    if (!index) return jwt::text_reply(400, "Invalid position " + *since + ".");
    if (*index < expired) {
      return jwt::text_reply(410, "Events at position " + *since + " have expired.");
    }
    start = *index;
    from = *since;
  } else if (latest != nullptr && *latest == "true") {
    start = journal.size();
    from = journal.last_position();
  }
  if (validate) {
    if (since == nullptr) return jwt::text_reply(400, "The since query parameter is required.");
    server_reply ok;
    ok.status = 204;
    return ok;
  }
  const std::string limit_suffix = limit ? "&limit=" + std::to_string(*limit) : "";
  std::size_t batch = limit.value_or(options_.default_batch);
  if (options_.max_batch > 0) batch = std::min(batch, options_.max_batch);
  const std::size_t count = std::min(batch, journal.size() - start);
  if (count == 0) {
    server_reply reply;
    reply.status = 204;
    if (since != nullptr || latest != nullptr) {
      reply.with_header("retry-after", std::to_string(options_.retry_after));
    }
    reply.with_header("Link", "<" + path + "?since=" + from + limit_suffix + ">; rel=\"next\"");
    reply.with_header("Link", "<" + path + "/validate?since=" + from + ">; rel=\"validate\"");
    return reply;
  }
  json::array events;
  for (std::size_t i = start; i < start + count; ++i) {
    events.push_back(
        json::object{{"position", journal.at(i).position}, {"event", journal.at(i).event}});
  }
  const std::string last = journal.at(start + count - 1).position;
  auto reply =
      json_reply(200, json::object{{"events", std::move(events)},
                                   {"_page", json::object{{"last", last}, {"count", count}}}});
  reply.with_header("Link", "<" + path + "?since=" + last + limit_suffix + ">; rel=\"next\"");
  redeliver(journal, start, start + count);
  return reply;
}

void events_emulator::redeliver(events::journal& journal, std::size_t from, std::size_t to) {
  if (redelivery_fraction_ <= 0) return;
  std::vector<json::object> copies;
  for (std::size_t i = from; i < to; ++i) {
    auto& entry = journal.at(i);
    if (entry.redelivery || entry.redelivered) continue;
    jwt::seeded_random draw(redelivery_seed_ ^ jwt::stable_hash(entry.position));
    if (draw.unit() >= redelivery_fraction_) continue;
    entry.redelivered = true;
    copies.push_back(entry.event);
  }
  for (auto& copy : copies) journal.append(std::move(copy), clock_.now(), true);
}

std::optional<server_reply> events_emulator::control(std::string_view action, std::string_view,
                                                     const boost::json::value& body) {
  if (!jwt::one_of(action, {"register_registration", "register_client", "send_delivery", "publish",
                            "redeliver", "events", "expire_tokens", "advance_clock", "configure",
                            "expire_events"})) {
    return std::nullopt;
  }
  try {
    const auto& o = jwt::control_object(body);
    if (action == "register_registration") {
      const events_registration r{
          jwt::json_string(o, "organization", true), jwt::json_string(o, "integration", true),
          jwt::json_string(o, "registration", true), jwt::json_string(o, "ims_org_id")};
      add_registration(r);
      return json_reply(200, json::object{{"journal", journal_path(r)}});
    }
    if (action == "register_client") {
      register_client(jwt::json_string(o, "client_id", true));
      return json_reply(200, json::object{{"registered", true}});
    }
    if (action == "send_delivery") return json_reply(200, send_delivery(o));
    if (action == "publish") {
      const auto* event = o.if_contains("event");
      if (event == nullptr || !event->is_object()) {
        throw jwt::control_failure("\"event\" must be an object");
      }
      publish(event->as_object(), jwt::json_string(o, "registration"));
      return json_reply(200, json::object{{"published", true}});
    }
    if (action == "redeliver") {
      const double fraction = jwt::json_number(o, "fraction", 0);
      if (fraction < 0 || fraction > 1) throw jwt::control_failure("\"fraction\" is in [0, 1]");
      set_redelivery(fraction, static_cast<std::uint64_t>(jwt::json_number(o, "seed", 1)));
      return json_reply(200, json::object{{"fraction", fraction}});
    }
    if (action == "events") return json_reply(200, entries(jwt::json_string(o, "registration")));
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
    if (action == "configure") {
      const auto size = [&o](std::string_view key, std::size_t fallback) {
        return static_cast<std::size_t>(jwt::json_number(o, key, static_cast<double>(fallback)));
      };
      options_.max_batch = size("max_batch", options_.max_batch);
      options_.default_batch =
          std::max<std::size_t>(1, size("default_batch", options_.default_batch));
      options_.retry_after =
          static_cast<int>(jwt::json_number(o, "retry_after", options_.retry_after));
      options_.retention = std::chrono::seconds(static_cast<std::int64_t>(jwt::json_number(
          o, "retention_seconds", static_cast<double>(options_.retention.count()))));
      return json_reply(200, json::object{{"configured", true}});
    }
    if (action == "expire_events") {
      const auto count = static_cast<std::size_t>(jwt::json_number(o, "count", 0));
      for (auto* state : targets(jwt::json_string(o, "registration"))) {
        state->journal.expire_first(count);
      }
      return json_reply(200, json::object{{"expired", count}});
    }
    return std::nullopt;
  } catch (const std::invalid_argument& e) {
    return jwt::control_error(e.what());
  }
}

}  // namespace switchboard::sandbox
