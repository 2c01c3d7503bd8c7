// dynamics365.activities: events become activity upserts (PATCH by the event-id alternate key),
// sent as change sets in as few $batch requests as Dataverse allows; a change set rolled back
// for a missing contact is sorted out with one contact query and sent again without it.
#include "activity_sink.hpp"

#include "activity_sink_config.hpp"
#include "batch_request.hpp"
#include "web_api.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace switchboard::dynamics365 {
namespace {

namespace json = boost::json;

constexpr std::string_view component_id = "dynamics365.activities";
/// Requests in one $batch: Dataverse's documented cap (reference §8).
constexpr std::size_t max_batch_operations = 1000;
/// $batch requests in flight at once (well under the 52 concurrent requests per user).
constexpr std::size_t max_in_flight = 2;
/// Send rounds per write() call: the first, and resends of change sets rolled back because of
/// another event's failure.
constexpr int max_rounds = 3;
/// Contact ids per existence query (keeps the GET URL far below its limit).
constexpr std::size_t contacts_per_query = 50;
/// Events remembered while waiting for their contact; older ones are forgotten beyond this.
constexpr std::size_t max_waiting_events = 100000;

constexpr std::array<std::string_view, 4> subject_prefixes = {"Email Send", "Email Open",
                                                              "Email URL Click", "Email Bounce"};

bool is_guid(std::string_view s) noexcept {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// Safe inside an alternate-key literal and a request line: Dataverse refuses / < > * % & : \ ?
/// + in key values (reference §7), and anything else unusual would need escaping.
bool is_key_safe(std::string_view key) noexcept {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = sdk::http_response::ascii_lower(c);
  return out;
}

/// "0ms", "1500ms", "30s", "10m", "2h".
std::string format_wait(std::chrono::milliseconds wait) {
  const auto ms = wait.count();
  if (ms == 0 || ms % 1000 != 0) return fmt::format("{}ms", ms);
  const auto s = ms / 1000;
  if (s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

/// A field's text, or nullopt when absent or null (numbers and booleans as JSON).
std::optional<std::string> field_text(const json::object& fields, std::string_view name) {
  const auto* v = fields.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_object() || v->is_array()) return std::nullopt;
  return json::serialize(*v);
}

std::optional<email_event> parse_type(std::string_view type) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (to_string(static_cast<email_event>(i)) == type) return static_cast<email_event>(i);
  }
  return std::nullopt;
}

/// The id in "…/set(<id>)", or "".
std::string entity_id_of(const std::string* entity_url) {
  if (entity_url == nullptr) return {};
  const auto open = entity_url->rfind('(');
  const auto close = entity_url->rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  auto id = entity_url->substr(open + 1, close - open - 1);
  return is_guid(id) ? id : std::string();
}

/// Dataverse's {"error":{"code","message"}} of an inner answer, or an excerpt.
std::pair<std::string, std::string> service_error(const std::string& body) {
  boost::system::error_code ec;
  const auto parsed = json::parse(body, ec);
  if (!ec && parsed.is_object()) {
    if (const auto* e = parsed.get_object().if_contains("error"); e && e->is_object()) {
      const auto text = [&](std::string_view name) {
        const auto* v = e->get_object().if_contains(name);
        return v && v->is_string() ? std::string(v->get_string()) : std::string();
      };
      return {text("code"), text("message")};
    }
  }
  std::string excerpt = body.substr(0, 200);
  std::replace_if(
      excerpt.begin(), excerpt.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return {"", excerpt.empty() ? "no error body" : excerpt};
}

/// One event turned into a write.
struct activity_write {
  std::size_t index = 0;  ///< in the write() call
  std::string contact;    ///< contactid
  batch_operation op;
};

class activity_sink final : public sdk::sink {
 public:
  activity_sink(activity_sink_settings settings, web_api api, sdk::context& ctx)
      : settings_(std::move(settings)),
        api_(std::move(api)),
        api_path_(path_of(api_.root())),
        ctx_(ctx) {}

  void write(std::span<const sdk::record> records, std::span<sdk::write_result> results) override {
    std::vector<activity_write> unsent;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto& rec = records[i];
      auto& result = results[i];
      result = {};
      if (rec.op == sdk::operation::remove) continue;  // activities are history: nothing to undo
      if (const auto* why = rec.fields.if_contains("malformed"); why != nullptr) {
        // An event its source could not read: to the dead-letter store with the reason.
        result = permanent(why->is_string() ? std::string(why->get_string()) : "malformed event");
        continue;
      }
      if (auto known = ctx_.ids().find(rec.key)) {
        // Written before (a redelivery): the alternate key would absorb it too, at a cost.
        result.target_key = known->target_key;
        result.payload_hash = known->payload_hash;
        continue;
      }
      auto write = make_write(rec, i, result);
      if (write) unsent.push_back(std::move(*write));
    }
    std::size_t written = 0;
    for (int round = 1; round <= max_rounds && !unsent.empty() && !ctx_.stop_requested(); ++round) {
      unsent = send_round(unsent, results, written);
    }
    for (const auto& w : unsent) {
      results[w.index] = retryable(results[w.index].reason.empty()
                                       ? fmt::format("{}: event {} was not sent before the host "
                                                     "stopped",
                                                     component_id, records[w.index].key)
                                       : results[w.index].reason);
    }
    if (written > 0) ctx_.metrics().add("activities_written_total", static_cast<double>(written));
  }

 private:
  static sdk::write_result retryable(std::string reason) {
    return {sdk::write_outcome::retryable, std::move(reason), {}, {}};
  }
  static sdk::write_result permanent(std::string reason) {
    return {sdk::write_outcome::permanent, std::move(reason), {}, {}};
  }

  /// The activity row of one event, or nullopt with a permanent result.
  std::optional<activity_write> make_write(const sdk::record& rec, std::size_t index,
                                           sdk::write_result& result) {
    const auto& f = rec.fields;
    const auto type_text = field_text(f, "type");
    const auto type = type_text ? parse_type(*type_text) : std::nullopt;
    if (!type) {
      result = permanent(fmt::format(
          "{}: event {} has type \"{}\"; expected \"send\", \"open\", \"click\" or \"bounce\"",
          component_id, rec.key, type_text.value_or("")));
      return std::nullopt;
    }
    const auto contact = field_text(f, "externalId");
    if (!contact || !is_guid(*contact)) {
      result = permanent(
          fmt::format("{}: event {} has no Dynamics contact id in externalId (got \"{}\")",
                      component_id, rec.key, contact.value_or("")));
      return std::nullopt;
    }
    const auto& table = settings_.tables[static_cast<std::size_t>(*type)];
    const auto campaign = field_text(f, "campaignId");
    const auto delivery = field_text(f, "deliveryId");
    json::object body;
    body[settings_.subject_column] =
        fmt::format("{}: {}/{}", subject_prefixes[static_cast<std::size_t>(*type)],
                    campaign.value_or(""), delivery.value_or(""));
    body[fmt::format("regardingobjectid_contact_{}@odata.bind", table.logical_name)] =
        fmt::format("/contacts({})", lowercase(*contact));
    const auto put = [&](const std::string& column, std::string_view field) {
      if (column.empty()) return;
      if (auto value = field_text(f, field)) body[column] = std::move(*value);
    };
    put(settings_.campaign_column, "campaignId");
    put(settings_.delivery_column, "deliveryId");
    put(settings_.event_time_column, "eventTime");
    put(settings_.mirror_url_column, "mirrorPageUrl");
    if (*type == email_event::click) put(settings_.url_column, "url");
    if (*type == email_event::bounce) put(settings_.bounce_reason_column, "bounceReason");
    activity_write w;
    w.index = index;
    w.contact = lowercase(*contact);
    w.op.content_id = std::to_string(index + 1);
    if (is_key_safe(rec.key)) {
      w.op.method = "PATCH";
      w.op.path = fmt::format("{}/{}({}='{}')", api_path_, table.entity_set,
                              settings_.event_id_column, rec.key);
    } else {
      // Not expressible as an alternate-key value: a create, deduplicated by the id map only.
      body[settings_.event_id_column] = rec.key;
      w.op.method = "POST";
      w.op.path = fmt::format("{}/{}", api_path_, table.entity_set);
    }
    w.op.body = json::serialize(body);
    return w;
  }

  /// Sends `unsent` in $batch requests; fills the results of what is settled and returns the
  /// writes to send again (their result holds why, in case no round is left).
  std::vector<activity_write> send_round(std::vector<activity_write>& unsent,
                                         std::span<sdk::write_result> results,
                                         std::size_t& written) {
    // Change sets of batch_size, packed into $batch requests of at most 1000 operations.
    std::vector<std::vector<std::vector<activity_write*>>> batches;
    std::size_t in_batch = max_batch_operations;
    for (std::size_t i = 0; i < unsent.size(); i += settings_.batch_size) {
      const auto n = std::min(settings_.batch_size, unsent.size() - i);
      if (in_batch + n > max_batch_operations) {
        batches.emplace_back();
        in_batch = 0;
      }
      auto& set = batches.back().emplace_back();
      for (std::size_t k = i; k < i + n; ++k) set.push_back(&unsent[k]);
      in_batch += n;
    }
    std::vector<sdk::http_request> requests;
    for (std::size_t b = 0; b < batches.size(); ++b) {
      std::vector<std::vector<batch_operation>> sets;
      for (const auto& set : batches[b]) {
        auto& ops = sets.emplace_back();
        for (const auto* w : set) ops.push_back(w->op);
      }
      const auto boundary = fmt::format("batch_{}_{}", ++batch_counter_, b);
      auto request = api_.request(api_.root() + "/$batch", {});
      request.method = "POST";
      request.headers = {
          {"Accept", "application/json"},
          {"OData-MaxVersion", "4.0"},
          {"OData-Version", "4.0"},
          {"Prefer", "odata.continue-on-error"},
          {"Content-Type", fmt::format("multipart/mixed; boundary=\"{}\"", boundary)}};
      request.body = build_batch_body(boundary, sets);
      requests.push_back(std::move(request));
    }
    auto exchanges = api_.http().send_many(requests, max_in_flight);
    ctx_.metrics().add("dataverse_requests_total", static_cast<double>(requests.size()));

    std::vector<activity_write*> again;
    std::vector<activity_write*> check_contacts;
    for (std::size_t b = 0; b < batches.size(); ++b) {
      settle_batch(batches[b], exchanges[b], results, written, again, check_contacts);
    }
    if (!check_contacts.empty()) sort_out_contacts(check_contacts, results, again);
    std::vector<activity_write> next;
    next.reserve(again.size());
    for (auto* w : again) next.push_back(std::move(*w));
    return next;
  }

  void settle_batch(const std::vector<std::vector<activity_write*>>& sets,
                    sdk::http_exchange& exchange, std::span<sdk::write_result> results,
                    std::size_t& written, std::vector<activity_write*>& again,
                    std::vector<activity_write*>& check_contacts) {
    const auto where = fmt::format("Dataverse POST {}/$batch", api_path_);
    const auto fail_all = [&](const sdk::write_result& r) {
      for (const auto& set : sets) {
        for (const auto* w : set) results[w->index] = r;
      }
    };
    if (!exchange.result) {
      fail_all({exchange.result.kind() == sdk::error_kind::permanent
                    ? sdk::write_outcome::permanent
                    : sdk::write_outcome::retryable,
                fmt::format("{}: {} failed: {}", component_id, where, exchange.result.message()),
                {},
                {}});
      return;
    }
    const auto& response = exchange.response;
    const int code = response.status_code;
    const auto* type = response.header("Content-Type");
    const bool multipart = type != nullptr && !multipart_boundary(*type).empty();
    if (!multipart || (code != 200 && code != 400)) {
      if (code >= 200 && code < 300) {
        fail_all(retryable(fmt::format("{}: malformed answer from {}: {} without a multipart body",
                                       component_id, where, code)));
        return;
      }
      const auto [error_code, message] = service_error(response.body);
      const auto text =
          fmt::format("{}: {} returned {}{}: {}", component_id, where, code,
                      error_code.empty() ? "" : fmt::format(" ({})", error_code), message);
      const bool transient = code == 429 || code == 408 || code >= 500;
      fail_all(transient ? retryable(text) : permanent(text));
      return;
    }
    std::string error;
    const auto parts = parse_batch_response(*type, response.body, error);
    if (!parts) {
      fail_all(
          retryable(fmt::format("{}: malformed answer from {}: {}", component_id, where, error)));
      return;
    }
    for (std::size_t s = 0; s < sets.size(); ++s) {
      const auto& set = sets[s];
      if (s >= parts->size()) {
        // Dataverse stopped at an earlier failure (no continue-on-error): not attempted.
        for (auto* w : set) {
          results[w->index] =
              retryable(fmt::format("{}: {} stopped before the change set of request {}",
                                    component_id, where, w->op.content_id));
          again.push_back(w);
        }
        continue;
      }
      settle_change_set(set, (*parts)[s], where, results, written, again, check_contacts);
    }
  }

  void settle_change_set(const std::vector<activity_write*>& set, const batch_response_part& part,
                         const std::string& where, std::span<sdk::write_result> results,
                         std::size_t& written, std::vector<activity_write*>& again,
                         std::vector<activity_write*>& check_contacts) {
    if (part.change_set) {
      std::unordered_map<std::string, const batch_response*> by_id;
      for (const auto& r : part.responses) by_id[r.content_id] = &r;
      for (auto* w : set) {
        const auto it = by_id.find(w->op.content_id);
        if (it == by_id.end() || it->second->status < 200 || it->second->status > 299) {
          results[w->index] = retryable(fmt::format(
              "{}: malformed answer from {}: no success answer for Content-ID {} in its change "
              "set",
              component_id, where, w->op.content_id));
          continue;
        }
        auto& result = results[w->index];
        result = {};
        result.target_key = entity_id_of(it->second->header("OData-EntityId"));
        waiting_.erase(waiting_key(*w));
        ++written;
      }
      return;
    }
    // The change set was rolled back; its one answer is the request that failed.
    const auto& failed = part.responses.front();
    const auto [error_code, message] = service_error(failed.body);
    const auto text = fmt::format(
        "{}: {} {} in {} returned {}{}: {}", component_id, "request", failed.content_id, where,
        failed.status, error_code.empty() ? "" : fmt::format(" ({})", error_code), message);
    const bool missing_contact = (failed.status == 404 || error_code == "0x80040217") &&
                                 lowercase(message).find("contact") != std::string::npos;
    const bool transient = failed.status == 429 || failed.status == 408 || failed.status >= 500;
    for (auto* w : set) {
      if (missing_contact) {
        results[w->index] = retryable(text);
        check_contacts.push_back(w);
        continue;
      }
      if (w->op.content_id == failed.content_id) {
        results[w->index] = transient ? retryable(text) : permanent(text);
        continue;
      }
      results[w->index] = retryable(
          fmt::format("{}: the change set was rolled back because {}", component_id, text));
      if (!transient) again.push_back(w);
    }
  }

  /// Asks Dataverse which contacts exist: events of missing ones wait, the others go again.
  void sort_out_contacts(const std::vector<activity_write*>& writes,
                         std::span<sdk::write_result> results,
                         std::vector<activity_write*>& again) {
    std::set<std::string> wanted;
    for (const auto* w : writes) wanted.insert(w->contact);
    std::set<std::string> found;
    std::vector<std::string> ids(wanted.begin(), wanted.end());
    for (std::size_t i = 0; i < ids.size(); i += contacts_per_query) {
      std::string filter;
      for (std::size_t k = i; k < std::min(ids.size(), i + contacts_per_query); ++k) {
        filter += fmt::format("{}contactid%20eq%20{}", filter.empty() ? "" : "%20or%20", ids[k]);
      }
      const auto url = fmt::format("{}/contacts?$select=contactid&$filter={}", api_.root(), filter);
      ctx_.metrics().add("dataverse_requests_total", 1);
      auto answer = api_.get(url);
      const auto* value = answer.body.if_contains("value");
      if (!answer.status || value == nullptr || !value->is_array()) {
        const auto reason = answer.status
                                ? fmt::format(
                                      "{}: malformed answer from Dataverse GET {}/contacts: no "
                                      "\"value\" array",
                                      component_id, api_path_)
                                : fmt::format("{}: {}", component_id, answer.status.message());
        for (const auto* w : writes) {
          if (w->contact >= ids[i] &&
              (i + contacts_per_query >= ids.size() || w->contact < ids[i + contacts_per_query])) {
            results[w->index] = retryable(reason);
          }
        }
        continue;
      }
      for (const auto& row : value->get_array()) {
        if (!row.is_object()) continue;
        if (const auto* id = row.get_object().if_contains("contactid"); id && id->is_string()) {
          found.insert(lowercase(id->get_string()));
        }
      }
      for (std::size_t k = i; k < std::min(ids.size(), i + contacts_per_query); ++k) {
        if (!found.contains(ids[k])) found.insert("!" + ids[k]);  // asked and missing
      }
    }
    const auto now = ctx_.clock().steady_now();
    for (auto* w : writes) {
      if (found.contains(w->contact)) {
        again.push_back(w);
        continue;
      }
      if (!found.contains("!" + w->contact)) continue;  // the query failed: result already set
      results[w->index] = contact_missing(*w, now);
    }
  }

  sdk::write_result contact_missing(const activity_write& w,
                                    std::chrono::steady_clock::time_point now) {
    const auto event_key = waiting_key(w);
    if (waiting_.size() >= max_waiting_events) forget_stale(now);
    const auto [it, first] = waiting_.try_emplace(event_key, now);
    if (!first && now - it->second >= settings_.contact_wait) {
      waiting_.erase(it);
      return permanent(fmt::format("contact {} not found in Dataverse after {}", w.contact,
                                   format_wait(settings_.contact_wait)));
    }
    return retryable(
        fmt::format("contact {} not found in Dataverse (yet); the event is retried for up to {}",
                    w.contact, format_wait(settings_.contact_wait)));
  }

  /// The event id is in the key literal (PATCH) or only in the body (POST).
  static std::string waiting_key(const activity_write& w) {
    return w.op.method == "PATCH" ? w.op.path : w.op.body;
  }

  void forget_stale(std::chrono::steady_clock::time_point now) {
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      it = now - it->second > settings_.contact_wait + std::chrono::hours(1) ? waiting_.erase(it)
                                                                             : std::next(it);
    }
    if (waiting_.size() >= max_waiting_events) waiting_.clear();
  }

  activity_sink_settings settings_;
  web_api api_;
  std::string api_path_;
  sdk::context& ctx_;
  std::size_t batch_counter_ = 0;
  /// Events whose contact was missing, by contact and event: when that was first seen.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> waiting_;
};

/// Start-up checks, in one metadata request: each activity table exists under its entity set,
/// has the configured columns, and an alternate key on exactly the event-id column (what makes
/// writes upserts). Throws std::invalid_argument naming the table and what is missing.
void check_tables(web_api& api, const activity_sink_settings& s) {
  std::string filter;
  for (const auto& t : s.tables) {
    filter +=
        fmt::format("{}LogicalName%20eq%20'{}'", filter.empty() ? "" : "%20or%20", t.logical_name);
  }
  const auto url = fmt::format(
      "{}/EntityDefinitions?$select=LogicalName,EntitySetName&$filter={}"
      "&$expand=Attributes($select=LogicalName),Keys($select=KeyAttributes)",
      api.root(), filter);
  const auto answer = api.get(url);
  if (!answer.status) {
    throw std::runtime_error(
        fmt::format("{}: reading the metadata of the activity tables failed: {}", component_id,
                    answer.status.message()));
  }
  const auto* value = answer.body.if_contains("value");
  const auto text = [](const json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
  };
  for (const auto type :
       {email_event::send, email_event::open, email_event::click, email_event::bounce}) {
    const auto& t = s.tables[static_cast<std::size_t>(type)];
    const auto where =
        fmt::format("{}: {} table {}", component_id, to_string(type), t.logical_name);
    const json::object* table = nullptr;
    if (value != nullptr && value->is_array()) {
      for (const auto& e : value->as_array()) {
        if (e.is_object() && text(e.as_object(), "LogicalName") == t.logical_name) {
          table = &e.as_object();
        }
      }
    }
    if (table == nullptr) {
      throw std::invalid_argument(fmt::format("{}: Dataverse has no such table", where));
    }
    if (text(*table, "EntitySetName") != t.entity_set) {
      throw std::invalid_argument(fmt::format("{}: its entity set is {}, not {}", where,
                                              text(*table, "EntitySetName"), t.entity_set));
    }
    std::vector<std::string> columns{s.subject_column,    s.campaign_column,   s.delivery_column,
                                     s.event_time_column, s.mirror_url_column, s.event_id_column};
    if (type == email_event::click) columns.push_back(s.url_column);
    if (type == email_event::bounce && !s.bounce_reason_column.empty()) {
      columns.push_back(s.bounce_reason_column);
    }
    const auto* attributes = table->if_contains("Attributes");
    for (const auto& c : columns) {
      bool found = false;
      if (attributes != nullptr && attributes->is_array()) {
        for (const auto& a : attributes->as_array()) {
          found = found || (a.is_object() && text(a.as_object(), "LogicalName") == c);
        }
      }
      if (!found) throw std::invalid_argument(fmt::format("{}: no column {}", where, c));
    }
    bool keyed = false;
    if (const auto* keys = table->if_contains("Keys"); keys != nullptr && keys->is_array()) {
      for (const auto& k : keys->as_array()) {
        const auto* o = k.if_object();
        const auto* attrs = o != nullptr ? o->if_contains("KeyAttributes") : nullptr;
        keyed = keyed || (attrs != nullptr && attrs->is_array() && attrs->as_array().size() == 1 &&
                          attrs->as_array()[0].is_string() &&
                          attrs->as_array()[0].get_string() == s.event_id_column);
      }
    }
    if (!keyed) {
      throw std::invalid_argument(fmt::format(
          "{}: no alternate key on {} alone: define one (each event is upserted by it, so a "
          "redelivered event never makes a second activity)",
          where, s.event_id_column));
    }
  }
}

}  // namespace

std::unique_ptr<sdk::sink> make_activity_sink(const sdk::options& options, sdk::context& ctx) {
  auto settings = parse_activity_sink_settings(options);
  auto* http = ctx.http();
  if (http == nullptr) {
    throw std::invalid_argument(fmt::format("{}: this host offers no HTTP client", component_id));
  }
  auto* tokens = ctx.tokens(settings.connection);
  if (tokens == nullptr) {
    throw std::invalid_argument(fmt::format(
        "{}: tenant {} has no connection \"{}\" with an \"auth\" object to get access tokens "
        "from (option \"connection\" names it)",
        component_id, ctx.tenant(), settings.connection));
  }
  web_api api(settings.url, settings.api_version, *http, *tokens, settings.timeout);
  check_tables(api, settings);
  ctx.log().info(fmt::format(
      "writing email events of {} as activities ({}, {}, {}, {}), {} per change set", settings.url,
      settings.tables[0].entity_set, settings.tables[1].entity_set, settings.tables[2].entity_set,
      settings.tables[3].entity_set, settings.batch_size));
  return std::make_unique<activity_sink>(std::move(settings), std::move(api), ctx);
}

}  // namespace switchboard::dynamics365
