// opt-out.campaign_changes: Campaign has no "modified since" filter, but sorts profiles by
// lastModified: a poll reads pages newest first until it reaches the cursor's time, then hands
// the changes out oldest first. The cursor is that time and the PKeys changed at exactly that
// millisecond (already handed out), so a poll neither misses nor repeats a change.
#include "campaign_changes.hpp"

#include "resource_config.hpp"
#include "services.hpp"
#include "timestamps.hpp"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <deque>
#include <set>
#include <stdexcept>

namespace switchboard::optout {
namespace json = boost::json;

namespace {

constexpr std::string_view component_id = "opt-out.campaign_changes";

struct changes_settings {
  campaign_settings campaign;
  std::size_t page_size = 100;
  bool from_oldest = false;
};

/// The cursor: the newest change time handed out and the profiles changed at that time.
struct watermark {
  std::optional<time_point> since;
  std::set<std::string, std::less<>> at_since;

  std::string token() const {
    if (!since) return {};
    json::array keys;
    for (const auto& k : at_since) keys.emplace_back(k);
    return json::serialize(json::object{{"since", iso_millis(*since)}, {"pkeys", std::move(keys)}});
  }
  static std::optional<watermark> parse(const std::string& token) {
    watermark w;
    if (token.empty()) return w;
    boost::system::error_code ec;
    const auto doc = json::parse(token, ec);
    const auto* o = ec ? nullptr : doc.if_object();
    const auto* since = o != nullptr ? o->if_contains("since") : nullptr;
    const auto* pkeys = o != nullptr ? o->if_contains("pkeys") : nullptr;
    if (since == nullptr || !since->is_string() || pkeys == nullptr || !pkeys->is_array()) {
      return std::nullopt;
    }
    w.since = parse_timestamp(since->as_string());
    if (!w.since) return std::nullopt;
    for (const auto& k : pkeys->as_array()) {
      if (!k.is_string()) return std::nullopt;
      w.at_since.emplace(k.as_string());
    }
    return w;
  }
};

class campaign_changes final : public sdk::source {
 public:
  campaign_changes(changes_settings settings, sdk::context& ctx)
      : settings_(std::move(settings)),
        ctx_(ctx),
        profiles_(settings_.campaign, ctx, component_id, false) {}

  sdk::status open(const sdk::cursor& from) override {
    auto w = watermark::parse(from.token);
    if (!w) {
      return sdk::status::permanent(
          fmt::format("{}: cursor {} is not a change watermark", component_id, from.token));
    }
    committed_ = std::move(*w);
    pending_.clear();
    return sdk::status::ok();
  }

  sdk::status read(sdk::batch& out, std::size_t max_records) override {
    if (pending_.empty()) {
      if (auto st = poll(); !st) return st;
      if (pending_.empty()) {
        out.next.token = committed_.token();
        out.caught_up = true;
        return sdk::status::ok();
      }
    }
    while (!pending_.empty() && out.records.size() < max_records) {
      out.records.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
    // The new watermark holds only once the whole poll is handed out.
    if (pending_.empty()) committed_ = std::move(polled_);
    out.next.token = committed_.token();
    out.caught_up = pending_.empty();
    return sdk::status::ok();
  }

 private:
  /// Reads the profiles changed since the watermark into pending_, oldest first.
  sdk::status poll() {
    std::vector<profile_state> changed;
    bool first_run = !committed_.since;
    auto page = profiles_.changed_first(settings_.page_size);
    for (;;) {
      if (!page.status) return page.status;
      bool older = false;
      for (auto& p : page.profiles) {
        if (committed_.since && p.last_modified < *committed_.since) {
          older = true;
          break;
        }
        if (committed_.since && p.last_modified == *committed_.since &&
            committed_.at_since.contains(p.pkey)) {
          continue;
        }
        changed.push_back(std::move(p));
        if (first_run && !settings_.from_oldest) {
          older = true;  // "latest": the newest change only sets the watermark
          break;
        }
      }
      if (older || page.next.empty()) break;
      page = profiles_.changed_next(page.next);
    }
    polled_ = committed_;
    if (!changed.empty() && (!polled_.since || changed.front().last_modified > *polled_.since)) {
      polled_.since = changed.front().last_modified;
      polled_.at_since.clear();
    }
    for (const auto& p : changed) {
      if (polled_.since && p.last_modified == *polled_.since) polled_.at_since.insert(p.pkey);
    }
    if (first_run && !settings_.from_oldest) {
      committed_ = std::move(polled_);
      // No profile yet: every change from now on is new (the epoch as the watermark).
      if (!committed_.since) committed_.since = time_point{};
      ctx_.log().info(fmt::format(
          "{}: starting at the latest change ({})", component_id,
          changed.empty() ? std::string("no profile yet") : iso_millis(*committed_.since)));
      return sdk::status::ok();
    }
    std::size_t without_id = 0;
    for (auto it = changed.rbegin(); it != changed.rend(); ++it) {
      if (it->external_id.empty()) {
        ++without_id;
        continue;
      }
      sdk::record r;
      r.key = it->external_id;
      r.source_time = it->last_modified;
      r.fields["externalId"] = it->external_id;
      r.fields["PKey"] = it->pkey;
      for (const auto& [name, value] : it->values) r.fields[name] = value;
      r.fields["lastModified"] = iso_millis(it->last_modified);
      pending_.push_back(std::move(r));
    }
    if (without_id > 0) {
      ctx_.metrics().add("optout_profiles_without_external_id_total",
                         static_cast<double>(without_id));
    }
    ctx_.metrics().add("optout_profiles_changed_total", static_cast<double>(pending_.size()));
    return sdk::status::ok();
  }

  changes_settings settings_;
  sdk::context& ctx_;
  campaign_profiles profiles_;
  watermark committed_;
  watermark polled_;
  std::deque<sdk::record> pending_;
};

}  // namespace

sdk::config_schema campaign_changes_schema() {
  using sdk::option_type;
  sdk::config_schema schema{
      {.name = "page_size",
       .type = option_type::integer,
       .description = "Profiles per page (_lineCount) while reading back to the cursor",
       .default_value = 100,
       .minimum = 1,
       .maximum = 1000},
      {.name = "start",
       .type = option_type::string,
       .description = "Without a cursor: \"latest\" (changes from now on; the Dynamics route's "
                      "initial load reconciles what exists) or \"oldest\" (every profile once)",
       .default_value = "latest",
       .allowed_values = {"latest", "oldest"}},
  };
  schema.push_back(campaign::request_timeout_option(
      "Deadline of one request in milliseconds, the HTTP client's retries included"));
  add_campaign_options(schema);
  return schema;
}

std::unique_ptr<sdk::source> make_campaign_changes_source(const sdk::options& options,
                                                          sdk::context& ctx) {
  changes_settings s;
  s.campaign = parse_campaign_settings(component_id, options);
  s.campaign.timeout = std::chrono::milliseconds(options.integer("timeout_ms"));
  s.page_size = static_cast<std::size_t>(options.integer("page_size"));
  s.from_oldest = options.string("start") == "oldest";
  return std::make_unique<campaign_changes>(std::move(s), ctx);
}

}  // namespace switchboard::optout
