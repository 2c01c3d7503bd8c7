// opt-out.consent: per record, read the other side, decide each pair, write, remember.
#include "consent_sink.hpp"

#include "consent.hpp"
#include "consent_sink_config.hpp"
#include "consent_state.hpp"
#include "services.hpp"
#include "timestamps.hpp"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::optout {
namespace json = boost::json;

namespace {

constexpr std::string_view component_id = "opt-out.consent";

class consent_sink final : public sdk::sink {
 public:
  consent_sink(consent_settings settings, sdk::context& ctx)
      : settings_(std::move(settings)),
        ctx_(ctx),
        state_(ctx.tenant_state()),
        profiles_(settings_.campaign, ctx, component_id, true),
        contacts_(settings_.dynamics, columns(settings_), ctx, component_id) {}

  void write(std::span<const sdk::record> records, std::span<sdk::write_result> results) override {
    std::vector<std::size_t> to_decide;
    for (std::size_t i = 0; i < records.size(); ++i) {
      results[i] = ok();
      const auto& r = records[i];
      if (const auto* m = r.fields.if_contains("malformed"); m != nullptr) {
        results[i] = fail(sdk::status::permanent(m->is_string() ? std::string(m->as_string())
                                                                : json::serialize(*m)));
        continue;
      }
      if (r.op == sdk::operation::remove || !acts_on_origin()) continue;
      to_decide.push_back(i);
    }
    if (to_decide.empty()) return;
    // The other side of every record (and, for Campaign records without a PKey, the profile).
    std::vector<std::string> ids;
    for (const auto i : to_decide) ids.push_back(records[i].key);
    std::map<std::string, found<profile_state>, std::less<>> profiles;
    std::map<std::string, found<contact_state>, std::less<>> contacts;
    if (settings_.origin == origin::dynamics) {
      auto f = profiles_.find(ids);
      for (std::size_t k = 0; k < ids.size(); ++k)
        profiles.insert_or_assign(ids[k], std::move(f[k]));
    } else {
      auto f = contacts_.find(ids);
      for (std::size_t k = 0; k < ids.size(); ++k)
        contacts.insert_or_assign(ids[k], std::move(f[k]));
      std::vector<std::string> need;
      for (const auto i : to_decide) {
        if ((!has_pkey(records[i]) || attribute_level(records[i])) &&
            !profiles.contains(records[i].key)) {
          need.push_back(records[i].key);
          profiles[records[i].key] = {};
        }
      }
      auto p = profiles_.find(need);
      for (std::size_t k = 0; k < need.size(); ++k) profiles[need[k]] = std::move(p[k]);
    }
    for (const auto i : to_decide) {
      results[i] =
          settings_.origin == origin::dynamics
              ? from_dynamics(records[i], profiles.at(records[i].key))
              : from_campaign(
                    records[i], contacts.at(records[i].key),
                    profiles.contains(records[i].key) ? &profiles.at(records[i].key) : nullptr);
    }
  }

 private:
  static std::vector<std::string> columns(const consent_settings& s) {
    std::vector<std::string> out;
    for (const auto& p : s.pairs) out.push_back(p.dynamics);
    return out;
  }
  static sdk::write_result ok() { return {}; }
  static sdk::write_result fail(sdk::status st) {
    sdk::write_result r;
    r.outcome = st.kind() == sdk::error_kind::permanent ? sdk::write_outcome::permanent
                                                        : sdk::write_outcome::retryable;
    r.reason = st.message();
    return r;
  }
  static bool has_pkey(const sdk::record& r) {
    const auto* p = r.fields.if_contains("PKey");
    return p != nullptr && p->is_string() && !p->as_string().empty();
  }

  /// An export line: its attributes carry their own change times ("<attribute>@changed").
  static bool attribute_level(const sdk::record& r) {
    for (const auto& [name, value] : r.fields) {
      if (name.ends_with("@changed")) return true;
    }
    return false;
  }

  /// One-direction modes act only on changes of their source of truth.
  bool acts_on_origin() const {
    switch (settings_.mode) {
      case sync_mode::disabled:
        return false;
      case sync_mode::dynamics_to_campaign:
        return settings_.origin == origin::dynamics;
      case sync_mode::campaign_to_dynamics:
        return settings_.origin == origin::campaign;
      case sync_mode::bidirectional:
        return true;
    }
    return false;
  }

  /// One pair's Campaign side for a decision: the attribute's value and its own change time
  /// (nullopt: first seen now, age unknown).
  struct campaign_side {
    const field_pair* pair;
    campaign_attribute attribute;
  };

  sdk::write_result from_dynamics(const sdk::record& r, found<profile_state>& profile) {
    if (!profile.status) return fail(profile.status);
    if (!profile.state) {
      unmatched("no Campaign profile has externalId {}", r.key);
      return ok();
    }
    const auto* modified = r.fields.if_contains("modifiedon");
    std::optional<time_point> at;
    if (modified != nullptr && modified->is_string()) at = parse_timestamp(modified->as_string());
    contact_state contact;
    contact.modified_on = at ? *at : r.source_time;
    for (const auto& p : settings_.pairs) {
      const auto* v = r.fields.if_contains(p.dynamics);
      if (v == nullptr) {
        return fail(sdk::status::permanent(fmt::format(
            "contact {} has no column {}: add it to the source's \"columns\"", r.key, p.dynamics)));
      }
      if (!v->is_bool() && !v->is_null()) {
        return fail(sdk::status::permanent(fmt::format("contact {} column {} is not a boolean: {}",
                                                       r.key, p.dynamics, json::serialize(*v))));
      }
      contact.values[p.dynamics] = v->is_bool() && v->as_bool();
    }
    consent_record consent(state_, r.key);
    std::vector<campaign_side> sides;
    for (const auto& p : settings_.pairs) {
      sides.push_back({&p, consent.observe(p.campaign, profile.state->values.at(p.campaign),
                                           profile.state->last_modified)});
    }
    return decide(r.key, consent, contact, profile.state->pkey, sides, profile);
  }

  sdk::write_result from_campaign(const sdk::record& r, found<contact_state>& contact,
                                  found<profile_state>* looked_up) {
    if (!contact.status) return fail(contact.status);
    if (!contact.state) {
      unmatched("no Dynamics contact has contactid {}", r.key);
      return ok();
    }
    std::string pkey;
    if (has_pkey(r)) {
      pkey = r.fields.at("PKey").as_string();
    } else if (looked_up != nullptr) {
      if (!looked_up->status) return fail(looked_up->status);
      if (!looked_up->state) {
        unmatched("no Campaign profile has externalId {}", r.key);
        return ok();
      }
      pkey = looked_up->state->pkey;
    }
    std::optional<time_point> last_modified;
    if (const auto* m = r.fields.if_contains("lastModified"); m != nullptr && m->is_string()) {
      last_modified = parse_timestamp(m->as_string());
    }
    consent_record consent(state_, r.key);
    std::vector<campaign_side> sides;
    for (const auto& p : settings_.pairs) {
      const auto* v = r.fields.if_contains(p.campaign);
      if (v == nullptr) continue;  // an export line carries one attribute
      if (!v->is_bool()) {
        return fail(
            sdk::status::permanent(fmt::format("profile {} attribute {} is not a boolean: {}",
                                               r.key, p.campaign, json::serialize(*v))));
      }
      std::optional<time_point> attribute_time;
      if (const auto* c = r.fields.if_contains(p.campaign + "@changed");
          c != nullptr && c->is_string()) {
        attribute_time = parse_timestamp(c->as_string());
      }
      if (attribute_time && looked_up != nullptr && looked_up->state &&
          looked_up->state->values.at(p.campaign) != v->as_bool()) {
        // An export line Campaign no longer agrees with: changed again since the export (the
        // poller and the Dynamics route see the newer value).
        ctx_.log().info(fmt::format(
            "contact {} {}: the export says {} (changed {}) but Campaign now shows {} (profile "
            "changed {}): line skipped",
            r.key, p.campaign, v->as_bool(), iso_millis(*attribute_time),
            looked_up->state->values.at(p.campaign), iso_millis(looked_up->state->last_modified)));
        continue;
      }
      const auto seen = consent.observe(
          p.campaign, v->as_bool(), last_modified ? *last_modified : r.source_time, attribute_time);
      if (seen.stale) {
        ctx_.log().info(fmt::format(
            "contact {} {}: the change to {} at {} is older than the one already known ({} at "
            "{}): skipped",
            r.key, p.campaign, v->as_bool(),
            attribute_time ? iso_millis(*attribute_time) : std::string("?"), seen.value,
            seen.changed_at ? iso_millis(*seen.changed_at) : std::string("?")));
        continue;
      }
      // Only a changed attribute is a Campaign-side change: the profile's lastModified also
      // moves for other fields (the contacts route writes them).
      if (seen.changed_at && !seen.changed) continue;
      sides.push_back({&p, seen});
    }
    found<profile_state> none;
    return decide(r.key, consent, *contact.state, pkey, sides, looked_up ? *looked_up : none);
  }

  /// Decides the pairs of one contact ↔ profile and writes the results. `cached` is updated
  /// with what Campaign shows after a write, for later records of the same profile.
  sdk::write_result decide(const std::string& id, consent_record& consent, contact_state& contact,
                           const std::string& pkey, const std::vector<campaign_side>& sides,
                           found<profile_state>& cached) {
    value_map to_dynamics, to_campaign;
    for (const auto& [pair, attribute] : sides) {
      const side_value dynamics{contact.values.at(pair->dynamics), contact.modified_on};
      decision d;
      if (attribute.changed_at) {
        const side_value campaign{attribute.value, *attribute.changed_at};
        d = resolve(settings_.mode, dynamics, campaign,
                    consent.echo_basis(side::dynamics, pair->dynamics, dynamics, true,
                                       settings_.echo_window),
                    consent.echo_basis(side::campaign, pair->campaign, campaign, false,
                                       settings_.echo_window),
                    settings_.echo_window);
      } else if (settings_.mode == sync_mode::campaign_to_dynamics && !attribute.value) {
        // First seen: its age is unknown (a profile's default is nobody's decision).
        d.reason = fmt::format("Campaign {} first seen: {}, not copied (only an opt-out is)",
                               pair->campaign, attribute.value);
      } else {
        // First seen, age unknown: decided as at the same time (opt-out wins if either has it).
        d = resolve(settings_.mode, dynamics, {attribute.value, contact.modified_on}, std::nullopt,
                    std::nullopt, settings_.echo_window);
        d.reason += " (Campaign's change time unknown: not seen changing since first read)";
      }
      ctx_.metrics().add("optout_decisions_total", 1);
      const bool writes = d.to_dynamics || d.to_campaign;
      if (writes || ctx_.log().enabled(sdk::log_level::debug)) {
        ctx_.log().write(
            writes ? sdk::log_level::info : sdk::log_level::debug,
            fmt::format("contact {} {} ↔ {}: {}{}{}", id, pair->dynamics, pair->campaign, d.reason,
                        d.to_dynamics ? fmt::format("; Dynamics ← {}", *d.to_dynamics) : "",
                        d.to_campaign ? fmt::format("; Campaign ← {}", *d.to_campaign) : ""));
      }
      if (d.to_dynamics) to_dynamics[pair->dynamics] = *d.to_dynamics;
      if (d.to_campaign) to_campaign[pair->campaign] = *d.to_campaign;
    }
    if (!to_campaign.empty()) {
      if (pkey.empty()) {
        consent.save();
        return fail(sdk::status::permanent(
            fmt::format("cannot write the opt-out of the Campaign profile with externalId {}: "
                        "its PKey is unknown",
                        id)));
      }
      const auto w = profiles_.write(pkey, to_campaign);
      if (!w.status) {
        consent.save();
        return fail(w.status);
      }
      if (!w.gone) {
        consent.remember_write(side::campaign, to_campaign, w.changed_at);
        ctx_.metrics().add("optout_campaign_writes_total", 1);
        if (cached.state) {
          for (const auto& [a, v] : to_campaign) cached.state->values[a] = v;
          cached.state->last_modified = w.changed_at;
        }
      }
    }
    if (!to_dynamics.empty()) {
      const auto w = contacts_.write(id, to_dynamics);
      if (!w.status) {
        consent.save();
        return fail(w.status);
      }
      if (!w.gone) {
        consent.remember_write(side::dynamics, to_dynamics, w.changed_at);
        ctx_.metrics().add("optout_dynamics_writes_total", 1);
        for (const auto& [c, v] : to_dynamics) contact.values[c] = v;
        contact.modified_on = w.changed_at;
      }
    }
    consent.save();
    return ok();
  }

  template <class... Args>
  void unmatched(fmt::format_string<Args...> text, Args&&... args) {
    ctx_.metrics().add("optout_unmatched_total", 1);
    ctx_.log().info(
        fmt::format("{}: nothing to synchronise", fmt::format(text, std::forward<Args>(args)...)));
  }

  consent_settings settings_;
  sdk::context& ctx_;
  sdk::kv_state& state_;
  campaign_profiles profiles_;
  dataverse_contacts contacts_;
};

}  // namespace

std::unique_ptr<sdk::sink> make_consent_sink(const sdk::options& options, sdk::context& ctx) {
  return std::make_unique<consent_sink>(parse_consent_settings(options), ctx);
}

}  // namespace switchboard::optout
