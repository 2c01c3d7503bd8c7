// campaign.events: reads the I/O Events journal page by page, follows Link rel="next", turns
// each Campaign email event into a record keyed by the event id, and drops redeliveries.
#include "events_source.hpp"

#include "campaign_api.hpp"
#include "mapping/mapping_detail.hpp"
#include "resource_config.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <stdexcept>
#include <unordered_set>

namespace switchboard::campaign {
namespace {

namespace json = boost::json;
constexpr std::string_view component_id = "campaign.events";
/// Event ids handed out and not known to be committed yet, remembered to drop redeliveries
/// that arrive before the host has stored the first delivery's id map entry.
constexpr std::size_t max_remembered_ids = 100000;
constexpr std::string_view journal_prefix = "https://";

std::string origin_of(std::string_view url) {
  const auto slash = url.find('/', journal_prefix.size());
  return std::string(url.substr(0, slash));
}

/// The target of the Link header's rel="next" entry, or "" (RFC 8288; Adobe sends relative
/// references in angle brackets, entries separated by commas).
std::string next_link(const std::string* header) {
  if (header == nullptr) return {};
  std::string_view rest(*header);
  while (!rest.empty()) {
    const auto open = rest.find('<');
    if (open == std::string_view::npos) return {};
    const auto close = rest.find('>', open);
    if (close == std::string_view::npos) return {};
    const auto target = rest.substr(open + 1, close - open - 1);
    auto params_end = rest.find('<', close);
    const auto params =
        rest.substr(close + 1, params_end == std::string_view::npos ? std::string_view::npos
                                                                    : params_end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos) {
      return std::string(target);
    }
    if (params_end == std::string_view::npos) return {};
    rest.remove_prefix(params_end);
  }
  return {};
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::chrono::system_clock::time_point to_time_point(const mapping::detail::utc_time& t) {
  using namespace std::chrono;
  const sys_days day{year{t.year} / month{static_cast<unsigned>(t.month)} /
                     std::chrono::day{static_cast<unsigned>(t.day)}};
  return day + hours{t.hour} + minutes{t.minute} + seconds{t.second} + milliseconds{t.millisecond};
}

std::string iso_millis(const mapping::detail::utc_time& t) {
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.year, t.month, t.day, t.hour,
                     t.minute, t.second, t.millisecond);
}

class events_source final : public sdk::source {
 public:
  events_source(events_settings settings, sdk::context& ctx, sdk::http_client& http,
                sdk::token_provider& tokens)
      : settings_(std::move(settings)),
        origin_(origin_of(settings_.journal_url)),
        ctx_(ctx),
        http_(http),
        tokens_(tokens) {}

  sdk::status open(const sdk::cursor& from) override {
    pending_.clear();
    link_ = from.token.empty() ? start_link() : from.token;
    if (!link_.starts_with('/')) {
      return sdk::status::permanent(
          fmt::format("{}: the stored cursor is not a journal link: \"{}\"", component_id, link_));
    }
    return sdk::status::ok();
  }

  sdk::status read(sdk::batch& out, std::size_t max_records) override {
    out.next = {link_};
    if (pending_.empty()) {
      auto st = fetch_page(out);
      if (!st || out.caught_up) return st;
    }
    // A page larger than the host's batch is handed out over several reads; until its last
    // event is out the cursor stays on the page (a restart reads it again, and the id map drops
    // what was committed).
    while (!pending_.empty() && out.records.size() < std::max<std::size_t>(max_records, 1)) {
      out.records.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    if (pending_.empty()) link_ = std::move(page_next_);
    out.next = {link_};
    return sdk::status::ok();
  }

 private:
  /// Reads the page at link_ into pending_ and its next link into page_next_, or finds the end
  /// of the journal (out.caught_up, out.next).
  sdk::status fetch_page(sdk::batch& out) {
    auto exchange = get(link_);
    if (exchange.result && exchange.response.status_code == 410) {
      // An event stream has nothing to sweep after a restart (a host resync would remove
      // every record not read again): start over here, and the id map drops what was
      // already handed out.
      ctx_.log().warn(fmt::format(
          "{}: the journal no longer holds position {} (410: {}; it keeps events 7 days): "
          "reading again from the {} event",
          component_id, link_, snippet(exchange.response.body),
          settings_.start_latest ? "latest" : "oldest available"));
      ctx_.metrics().add("campaign_events_expired_positions_total", 1);
      link_ = start_link();
      out.next = {link_};
      exchange = get(link_);
    }
    const auto where = fmt::format("I/O Events GET {}", url_path(link_));
    if (!exchange.result) {
      return sdk::status::error(
          exchange.result.kind(),
          fmt::format("{}: {} failed: {}", component_id, where, exchange.result.message()));
    }
    const auto& response = exchange.response;
    const int code = response.status_code;
    if (code == 204) {
      out.caught_up = true;  // the end of the journal: the next read asks again from here
      const auto next = next_link(response.header("Link"));
      if (!next.empty()) out.next = {next};
      return sdk::status::ok();
    }
    if (code != 200) {
      const auto text =
          fmt::format("{}: {} returned {}: {}", component_id, where, code, snippet(response.body));
      if (code == 408 || code == 429 || code >= 500) return sdk::status::retryable(text);
      return sdk::status::permanent(text);
    }
    boost::system::error_code ec;
    const auto doc = json::parse(response.body, ec);
    const auto malformed = [&](std::string_view why) {
      return sdk::status::retryable(
          fmt::format("{}: malformed answer from {}: {}", component_id, where, why));
    };
    if (ec) return malformed(fmt::format("{} ({} bytes)", ec.message(), response.body.size()));
    const auto* body = doc.if_object();
    const auto* events = body != nullptr ? body->if_contains("events") : nullptr;
    if (events == nullptr || !events->is_array()) return malformed("no \"events\" array");
    std::string next = next_link(response.header("Link"));
    if (next.empty()) {
      const auto* page = body->if_contains("_page");
      const auto* last =
          page != nullptr && page->is_object() ? page->get_object().if_contains("last") : nullptr;
      if (last == nullptr || !last->is_string() || last->get_string().empty()) {
        return malformed("neither a Link rel=\"next\" header nor _page.last");
      }
      next = fmt::format("{}?since={}&limit={}", url_path(settings_.journal_url),
                         percent_encode(last->get_string()), settings_.limit);
    }
    if (!next.starts_with('/')) return malformed("the next link is not a path: " + next);
    std::size_t index = 0;
    for (const auto& entry : events->get_array()) take(entry, index++);
    page_next_ = std::move(next);
    return sdk::status::ok();
  }

  sdk::http_exchange get(const std::string& link) {
    return http_.send(make_request(origin_ + link));
  }

  std::string start_link() const {
    return fmt::format("{}?{}limit={}", url_path(settings_.journal_url),
                       settings_.start_latest ? "latest=true&" : "", settings_.limit);
  }

  sdk::http_request make_request(std::string url) const {
    sdk::http_request r;
    r.method = "GET";
    r.url = std::move(url);
    r.timeout = settings_.timeout;
    r.authorization = &tokens_;
    r.headers = {{"x-api-key", settings_.api_key},
                 {"x-ims-org-id", settings_.ims_org_id},
                 {"Accept", "application/json"}};
    return r;
  }

  /// An unusable entry goes on as a record carrying only why (and the entry, shortened), for the
  /// sink to dead-letter: it stays visible and can be replayed once the field paths are fixed.
  void unusable(const json::value& entry, const std::string& where, const std::string& why) {
    ctx_.metrics().add("campaign_events_malformed_total", 1);
    auto text = json::serialize(entry);
    if (text.size() > 2000) {
      text.resize(2000);
      text += "…";
    }
    sdk::record r;
    r.key = where;
    r.fields = json::object{{"malformed", fmt::format("{}: {}: {}", component_id, where, why)},
                            {"entry", std::move(text)}};
    pending_.push_back(std::move(r));
  }

  /// One journal entry: a pending record, or a logged reason why not.
  void take(const json::value& entry, std::size_t index) {
    const auto* e = entry.if_object();
    const auto* event = e != nullptr ? e->if_contains("event") : nullptr;
    const auto* position = e != nullptr ? e->if_contains("position") : nullptr;
    const std::string where =
        position != nullptr && position->is_string()
            ? fmt::format("journal position {}", std::string_view(position->get_string()))
            : fmt::format("entry {} of the page read from {}", index, link_);
    if (event == nullptr || !event->is_object()) {
      unusable(entry, where, "no \"event\" object");
      return;
    }
    std::string why;
    auto rec = event_record(*event, settings_, why);
    if (!rec) {
      unusable(entry, where, why);
      return;
    }
    const auto& type = rec->fields.at("type").get_string();
    if (!settings_.event_types.contains(std::string(type))) {
      ctx_.metrics().add("campaign_events_filtered_total", 1);
      return;
    }
    if (type == "bounce" && !settings_.soft_bounces) {
      const auto* bounce = rec->fields.if_contains("bounceType");
      if (bounce == nullptr || !bounce->is_string() || bounce->get_string() != "hard") {
        ctx_.metrics().add("campaign_events_filtered_total", 1);
        return;
      }
    }
    if (remembered_.contains(rec->key) || ctx_.ids().find(rec->key).has_value()) {
      ctx_.metrics().add("campaign_events_duplicates_total", 1);
      return;
    }
    remember(rec->key);
    ctx_.metrics().add("campaign_events_read_total", 1);
    pending_.push_back(std::move(*rec));
  }

  void remember(const std::string& id) {
    remembered_.insert(id);
    order_.push_back(id);
    if (order_.size() > max_remembered_ids) {
      remembered_.erase(order_.front());
      order_.pop_front();
    }
  }

  const events_settings settings_;
  const std::string origin_;
  sdk::context& ctx_;
  sdk::http_client& http_;
  sdk::token_provider& tokens_;
  std::string link_;  ///< the page being read (the cursor while it has pending events)
  std::deque<sdk::record> pending_;  ///< events of that page not handed out yet
  std::string page_next_;            ///< the page after it
  std::unordered_set<std::string> remembered_;
  std::deque<std::string> order_;
};

}  // namespace

const std::map<std::string, std::string>& default_event_field_paths() {
  static const std::map<std::string, std::string> paths{
      {"id", "/id"},
      {"type", "/type"},
      {"eventTime", "/timestamp"},
      {"externalId", "/profile/externalId"},
      {"campaignId", "/campaign/id"},
      {"campaignName", "/campaign/name"},
      {"deliveryId", "/delivery/id"},
      {"deliveryName", "/delivery/name"},
      {"url", "/url"},
      {"mirrorPageUrl", "/mirrorPageUrl"},
      {"bounceType", "/bounceType"},
      {"bounceReason", "/bounceReason"},
  };
  return paths;
}

std::optional<sdk::record> event_record(const json::value& event, const events_settings& settings,
                                        std::string& why) {
  json::object fields;
  for (const auto& [field, pointer] : settings.field_paths) {
    boost::system::error_code ec;
    const json::value* found = pointer.empty() ? nullptr : event.find_pointer(pointer, ec);
    fields[field] = found != nullptr && !ec ? *found : json::value(nullptr);
  }
  const auto text = [&](std::string_view field) -> std::string_view {
    const auto* v = fields.if_contains(field);
    return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : "";
  };
  const auto path = [&](std::string_view field) {
    return settings.field_paths.at(std::string(field));
  };
  if (text("id").empty()) {
    why = fmt::format("no event id (a string) at {}", path("id"));
    return std::nullopt;
  }
  const auto type = text("type");
  if (type != "send" && type != "open" && type != "click" && type != "bounce") {
    why = fmt::format("event {}: type at {} is \"{}\", not send, open, click or bounce", text("id"),
                      path("type"), type);
    return std::nullopt;
  }
  const auto time = mapping::detail::parse_date_time(text("eventTime"));
  if (!time) {
    why = fmt::format("event {}: no date-time at {} (got {})", text("id"), path("eventTime"),
                      json::serialize(fields.at("eventTime")));
    return std::nullopt;
  }
  sdk::record rec;
  rec.key = std::string(text("id"));
  rec.op = sdk::operation::upsert;
  rec.source_time = to_time_point(*time);
  fields["eventTime"] = iso_millis(*time);
  rec.fields = std::move(fields);
  return rec;
}

sdk::config_schema events_schema() {
  using sdk::option_type;
  json::object default_paths;
  for (const auto& [field, pointer] : default_event_field_paths()) default_paths[field] = pointer;
  return {
      {.name = "journal_url",
       .type = option_type::string,
       .description = "The journal of the Campaign event registration: "
                      "https://events.adobe.io/events/organizations/<org>/integrations/"
                      "<integration>/<registration id> (Developer Console)",
       .required = true},
      {.name = "api_key",
       .type = option_type::string,
       .description = "x-api-key: the client id of the Adobe I/O project",
       .required = true},
      {.name = "ims_org_id",
       .type = option_type::string,
       .description = "x-ims-org-id: the IMS organization, \"<id>@AdobeOrg\"",
       .required = true},
      ims_connection_option(),
      {.name = "event_types",
       .type = option_type::string_list,
       .description = "Event types to hand out (send, open, click, bounce); the others are read "
                      "and dropped",
       .default_value = json::array{"send", "open", "click", "bounce"}},
      {.name = "soft_bounces",
       .type = option_type::boolean,
       .description = "Hand out soft bounces too (the original integration forwards hard "
                      "bounces only)",
       .default_value = false},
      {.name = "start",
       .type = option_type::string,
       .description = "Where a new route, or one whose journal position expired, starts: the "
                      "oldest event the journal holds or the latest",
       .default_value = "oldest",
       .allowed_values = {"oldest", "latest"}},
      {.name = "limit",
       .type = option_type::integer,
       .description = "Events per journal request (an upper bound: the journal may send fewer)",
       .default_value = 100,
       .minimum = 1,
       .maximum = 1000},
      {.name = "field_paths",
       .type = option_type::object,
       .description = "Record field -> JSON pointer into the event payload, overriding the "
                      "defaults (Adobe publishes no schema for these events); \"\" leaves the "
                      "field null",
       .default_value = json::object{}},
      request_timeout_option("Deadline of one journal request in milliseconds, retries included"),
  };
}

events_settings parse_events_settings(const sdk::options& options) {
  const auto fail = [](const std::string& what) {
    throw std::invalid_argument(fmt::format("{}: {}", component_id, what));
  };
  events_settings s;
  s.journal_url = std::string(options.string("journal_url"));
  while (!s.journal_url.empty() && s.journal_url.back() == '/') s.journal_url.pop_back();
  const auto path = url_path(s.journal_url);
  if (!s.journal_url.starts_with(journal_prefix) || !path.starts_with("/events/") ||
      s.journal_url.find_first_of("?#") != std::string::npos) {
    fail(
        fmt::format("\"journal_url\" must be an https URL of a journal, "
                    "https://<host>/events/organizations/<org>/integrations/<integration>/"
                    "<registration>, without a query; got \"{}\"",
                    s.journal_url));
  }
  s.api_key = std::string(options.string("api_key"));
  if (s.api_key.empty()) fail("\"api_key\" is empty");
  s.ims_org_id = std::string(options.string("ims_org_id"));
  if (!s.ims_org_id.ends_with("@AdobeOrg") || s.ims_org_id.size() == 9) {
    fail(fmt::format("\"ims_org_id\" must look like <id>@AdobeOrg, got \"{}\"", s.ims_org_id));
  }
  s.connection = std::string(options.string("connection"));
  if (s.connection.empty()) fail("\"connection\" is empty");
  s.event_types.clear();
  for (auto& type : options.string_list("event_types")) {
    if (type != "send" && type != "open" && type != "click" && type != "bounce") {
      fail(fmt::format("\"event_types\": \"{}\" is not send, open, click or bounce", type));
    }
    s.event_types.insert(std::move(type));
  }
  s.soft_bounces = options.boolean("soft_bounces");
  s.start_latest = options.string("start") == "latest";
  s.limit = static_cast<std::size_t>(options.integer("limit"));
  s.field_paths = default_event_field_paths();
  for (const auto& [field, pointer] : options.json().at("field_paths").as_object()) {
    const std::string name(field);
    if (!s.field_paths.contains(name)) {
      fail(fmt::format("\"field_paths\": unknown record field \"{}\"", name));
    }
    if (!pointer.is_string() ||
        (!pointer.get_string().empty() && !pointer.get_string().starts_with("/"))) {
      fail(fmt::format("\"field_paths\": \"{}\" must be a JSON pointer such as \"/profile/id\"",
                       name));
    }
    s.field_paths[name] = std::string(pointer.get_string());
  }
  s.timeout = std::chrono::milliseconds(options.integer("timeout_ms"));
  return s;
}

std::unique_ptr<sdk::source> make_events_source(const sdk::options& options, sdk::context& ctx) {
  auto settings = parse_events_settings(options);
  auto* http = ctx.http();
  if (http == nullptr) throw std::runtime_error("campaign.events: this host offers no HTTP client");
  auto* tokens = ctx.tokens(settings.connection);
  if (tokens == nullptr) {
    throw std::invalid_argument(fmt::format(
        "campaign.events: the tenant has no connection \"{}\" with auth to get IMS tokens from "
        "(option \"connection\")",
        settings.connection));
  }
  return std::make_unique<events_source>(std::move(settings), ctx, *http, *tokens);
}

}  // namespace switchboard::campaign
