// custom-entity.links: resolves each lookup GUID through the parent route's id map into
// {"PKey": "@…"}. A batch with a child whose parent is not written yet waits (the cursor cannot
// pass it, so nothing is lost on a crash) and looks again with growing pauses; after the bounded
// wait the child is dead-lettered with the reason. It is never written with a broken link.
#include "links.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace switchboard::custom_entity {
namespace {

namespace json = boost::json;

/// A link of one record that is not resolved yet.
struct missing_parent {
  std::size_t record = 0;  ///< index into the batch
  std::size_t link = 0;    ///< index into settings.links
  std::string parent;      ///< the parent's source key (GUID)
};

class links_processor final : public sdk::processor {
 public:
  links_processor(links_settings s, sdk::context& ctx, std::vector<sdk::id_map*> parents)
      : settings_(std::move(s)), ctx_(ctx), parents_(std::move(parents)) {}

  void process(std::vector<sdk::record>& records,
               std::vector<sdk::rejected_record>& rejected) override {
    std::vector<missing_parent> missing;
    for (std::size_t i = 0; i < records.size(); ++i) resolve(records[i], i, missing);
    if (missing.empty()) return;
    wait_for_parents(records, missing);
    if (missing.empty()) return;
    reject_orphans(records, missing, rejected);
  }

 private:
  /// Replaces every resolvable lookup of `r` by its link; appends the others to `missing`.
  void resolve(sdk::record& r, std::size_t index, std::vector<missing_parent>& missing) {
    if (r.op == sdk::operation::remove) return;
    for (std::size_t l = 0; l < settings_.links.size(); ++l) {
      json::value* value = r.fields.if_contains(settings_.links[l].column);
      if (value == nullptr || !value->is_string()) continue;  // no parent, or already a link
      const std::string parent(value->get_string());
      if (auto pkey = find_parent(l, parent)) {
        *value = json::object{{"PKey", std::move(*pkey)}};
        continue;
      }
      missing.push_back({index, l, parent});
    }
  }

  std::optional<std::string> find_parent(std::size_t link, std::string_view parent) {
    auto found = parents_[link]->find(parent);
    if (!found || found->target_key.empty()) return std::nullopt;
    return std::move(found->target_key);
  }

  /// Looks again until every parent is there or the wait is over. Throws when the host stops
  /// meanwhile: the batch then stays uncommitted and is read again by the next run.
  void wait_for_parents(std::vector<sdk::record>& records, std::vector<missing_parent>& missing) {
    const auto& first = missing.front();
    ctx_.log().info(fmt::format(
        "mapping \"{}\": waiting for {} parent record(s) before writing their children; first: "
        "{} {} of record {} (route {})",
        settings_.mapping_name, missing.size(), settings_.links[first.link].column, first.parent,
        records[first.record].key, settings_.links[first.link].route));
    ctx_.metrics().add("children_parked_total", static_cast<double>(missing.size()));
    auto& clock = ctx_.clock();
    const auto deadline = clock.steady_now() + settings_.parent_wait;
    auto pause = settings_.first_poll;
    while (!missing.empty() && clock.steady_now() < deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.steady_now());
      if (!clock.wait_for(std::max(std::chrono::milliseconds(1), std::min(pause, left)))) {
        throw std::runtime_error(fmt::format(
            "stopped while {} child record(s) waited for their parents", missing.size()));
      }
      pause = std::min(pause * 2, settings_.max_poll);
      std::erase_if(missing, [&](const missing_parent& m) {
        auto pkey = find_parent(m.link, m.parent);
        if (!pkey) return false;
        records[m.record].fields[settings_.links[m.link].column] =
            json::object{{"PKey", std::move(*pkey)}};
        return true;
      });
    }
  }

  /// Moves the records whose parents never came to `rejected`, keeping the others in order.
  void reject_orphans(std::vector<sdk::record>& records, const std::vector<missing_parent>& missing,
                      std::vector<sdk::rejected_record>& rejected) {
    std::vector<std::string> reasons(records.size());
    for (const auto& m : missing) {
      if (!reasons[m.record].empty()) continue;
      const auto& link = settings_.links[m.link];
      reasons[m.record] = fmt::format(
          "mapping \"{}\": parent {} of {} (route {}) was not written within {} ms; the child "
          "is not written with a broken link",
          settings_.mapping_name, m.parent, link.column, link.route, settings_.parent_wait.count());
    }
    std::size_t kept = 0;
    const std::size_t before = records.size();
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (reasons[i].empty()) {
        if (kept != i) records[kept] = std::move(records[i]);
        ++kept;
        continue;
      }
      rejected.push_back({std::move(records[i]), std::move(reasons[i])});
    }
    records.resize(kept);
    ctx_.log().warn(fmt::format("mapping \"{}\": {} child record(s) dead-lettered: parents missing",
                                settings_.mapping_name, before - kept));
  }

  links_settings settings_;
  sdk::context& ctx_;
  std::vector<sdk::id_map*> parents_;  ///< per link, the parent route's id map
};

}  // namespace

std::unique_ptr<sdk::processor> make_links(const sdk::options& options, sdk::context& ctx) {
  links_settings s = parse_links_settings(options);
  std::vector<sdk::id_map*> parents;
  for (const auto& link : s.links) {
    sdk::id_map* ids = ctx.route_ids(link.route);
    if (ids == nullptr) {
      throw std::invalid_argument(fmt::format(
          "mapping \"{}\": field \"{}\" links to route \"{}\", which tenant {} does not have",
          s.mapping_name, link.column, link.route, ctx.tenant()));
    }
    parents.push_back(ids);
  }
  return std::make_unique<links_processor>(std::move(s), ctx, std::move(parents));
}

}  // namespace switchboard::custom_entity
