// dynamics365.table: metadata checks at creation, then the tracked initial load and the delta
// reads, one page in memory at a time.
#include "table_source.hpp"

#include "change_cursor.hpp"
#include "row_records.hpp"
#include "table_metadata.hpp"
#include "table_source_config.hpp"
#include "web_api.hpp"

#include <fmt/format.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace switchboard::dynamics365 {
namespace {

namespace json = boost::json;

constexpr std::string_view component_id = "dynamics365.table";
/// Pages without rows (possible inside a delta) followed within one read() call.
constexpr std::size_t max_pages_per_read = 16;
/// An option value without a label makes the source re-read the labels at most this often.
constexpr auto label_refresh_interval = std::chrono::minutes(1);

/// What the factory found out and decided.
struct source_plan {
  table_source_settings settings;
  table_metadata table;
  /// The properties read ($select), in order: mapped, extra, primary id, modifiedon.
  std::vector<std::string> columns;
  option_labels labels;
};

/// One page of rows, converted, and where it points.
struct loaded_page {
  std::vector<sdk::record> records;
  std::size_t index = 0;  ///< the next record to hand out
  std::string next_link;
  std::string delta_link;
};

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

class table_source final : public sdk::source {
 public:
  table_source(source_plan plan, web_api api, sdk::context& ctx)
      : settings_(std::move(plan.settings)),
        table_(std::move(plan.table)),
        columns_(std::move(plan.columns)),
        labels_(std::move(plan.labels)),
        select_(join(columns_, ",")),
        initial_url_(fmt::format("{}/{}?$select={}", api.root(), table_.entity_set, select_)),
        api_(std::move(api)),
        ctx_(ctx) {}

  sdk::status open(const sdk::cursor& from) override {
    page_.reset();
    pos_ = {};
    if (from.empty()) {
      counted_ = false;  // a new initial load counts the table again
      return sdk::status::ok();
    }
    std::string error;
    auto cursor = change_cursor::decode(from.token, error);
    if (!cursor) {
      return sdk::status::permanent(
          fmt::format("{}: cursor of table {} cannot be read: {} (cursor: {:.200})", component_id,
                      table_.logical_name, error, from.token));
    }
    if (!cursor->environment.empty() && !same_environment(cursor->environment, settings_.url)) {
      return sdk::status::needs_resync(fmt::format(
          "{}: the cursor was made for environment {}, but the source now reads {}; reading table "
          "{} from the beginning",
          component_id, cursor->environment, settings_.url, table_.logical_name));
    }
    if (!cursor->table.empty() && cursor->table != table_.logical_name) {
      return sdk::status::needs_resync(fmt::format(
          "{}: the cursor was made for table {}, but the source now reads table {}; reading it "
          "from the beginning",
          component_id, cursor->table, table_.logical_name));
    }
    if (!cursor->select.empty() && cursor->select != select_) {
      return sdk::status::needs_resync(fmt::format(
          "{}: the columns read from table {} changed (were {}, now {}); a delta link only "
          "returns the columns it was made with, so the table is read again from the beginning",
          component_id, table_.logical_name, cursor->select, select_));
    }
    pos_ = std::move(*cursor);
    pos_.environment = settings_.url;
    pos_.table = table_.logical_name;
    pos_.select = select_;
    if (pos_.page_size == 0) pos_.page_size = settings_.page_size;
    last_reported_ = progress_step();
    return sdk::status::ok();
  }

  sdk::status read(sdk::batch& out, std::size_t max_records) override {
    if (max_records == 0) {
      out.next = {pos_.started() ? pos_.encode() : std::string()};
      return sdk::status::ok();
    }
    if (!pos_.started()) start_initial(max_records);
    out.next = {pos_.encode()};
    for (std::size_t pages = 0; pages < max_pages_per_read;) {
      if (!page_) {
        if (auto st = fetch_page(); !st) return st;
        ++pages;
      }
      hand_out(out, max_records);
      if (page_->index == page_->records.size()) finish_page(out);
      if (out.caught_up || !out.records.empty() || ctx_.stop_requested()) break;
    }
    out.next = {pos_.encode()};
    return sdk::status::ok();
  }

  std::optional<std::uint64_t> total_records() override { return count_rows(); }

 private:
  void start_initial(std::size_t max_records) {
    pos_ = {};
    pos_.phase = sync_phase::initial;
    pos_.environment = settings_.url;
    pos_.table = table_.logical_name;
    pos_.select = select_;
    pos_.link = initial_url_;
    pos_.page_size = std::clamp<std::size_t>(max_records, 1, settings_.page_size);
    pos_.total = count_rows();
    last_reported_ = 0;
    ctx_.log().info(fmt::format(
        "initial load of {}: starting, {} in pages of {} rows", table_.logical_name,
        pos_.total ? fmt::format("{} rows counted", *pos_.total) : std::string("row count unknown"),
        pos_.page_size));
    set_gauges();
  }

  std::vector<std::string> prefer() const {
    return {"odata.track-changes", fmt::format("odata.maxpagesize={}", pos_.page_size)};
  }

  sdk::status failure(const sdk::status& st) const {
    if (st.kind() == sdk::error_kind::needs_resync) {
      return sdk::status::needs_resync(fmt::format(
          "{}: the change-tracking position of table {} expired ({} phase), so the table is read "
          "again from the beginning: {}",
          component_id, table_.logical_name,
          pos_.phase == sync_phase::initial ? "initial load" : "delta", st.message()));
    }
    return sdk::status::error(st.kind(), fmt::format("{}: table {}: {}", component_id,
                                                     table_.logical_name, st.message()));
  }

  sdk::status malformed(std::string_view detail) const {
    return sdk::status::retryable(
        fmt::format("{}: table {}: malformed answer from Dataverse GET {}: {}", component_id,
                    table_.logical_name, path_of(pos_.link), detail));
  }

  /// A link as given, made absolute when Dataverse gave a relative one.
  std::string absolute(std::string_view link) const {
    if (starts_with_https(link)) return std::string(link);
    if (!link.empty() && link.front() == '/') return origin_of(api_.root()) + std::string(link);
    return api_.root() + "/" + std::string(link);
  }

  sdk::status fetch_page() {
    auto result =
        api_.get(pos_.link, {.prefer = prefer(),
                             .delta = pos_.phase == sync_phase::delta,
                             .storage = json::make_shared_resource<json::monotonic_resource>()});
    if (!result.status) return failure(result.status);
    auto& body = result.body;
    auto* value = body.if_contains("value");
    if (value == nullptr || !value->is_array()) return malformed("no \"value\" array");
    loaded_page page;
    for (auto [name, target] : {std::pair{"@odata.nextLink", &page.next_link},
                                std::pair{"@odata.deltaLink", &page.delta_link}}) {
      const auto* link = body.if_contains(name);
      if (link == nullptr || link->is_null()) continue;
      if (!link->is_string() || link->get_string().empty()) {
        return malformed(fmt::format("\"{}\" is not a link", name));
      }
      *target = absolute(link->get_string());
    }
    if (page.next_link.empty() && page.delta_link.empty()) {
      return malformed(
          "the last page carries no @odata.deltaLink, so change tracking cannot continue");
    }
    if (page.next_link == pos_.link) return malformed("@odata.nextLink points at the same page");
    auto& rows = value->get_array();
    page.records.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i].is_object()) return malformed(fmt::format("row {} is not an object", i));
      if (auto reason =
              to_record(std::move(rows[i].get_object()), table_.primary_id, page.records[i])) {
        return malformed(fmt::format("row {}: {}", i, *reason));
      }
    }
    if (!labels_.empty()) add_page_labels(page.records);
    page.index = resume_index(page.records);
    ctx_.metrics().add("dynamics365_pages_read_total", 1);
    page_ = std::move(page);
    return sdk::status::ok();
  }

  /// Where to continue in a page read again after a restart: after the record handed out
  /// last, found by its key; from the top when the page changed so much that it is gone
  /// (delivering some rows twice rather than missing any).
  std::size_t resume_index(const std::vector<sdk::record>& records) const {
    if (pos_.skip == 0) return 0;
    if (pos_.skip <= records.size() && records[pos_.skip - 1].key == pos_.after) return pos_.skip;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].key == pos_.after) return i + 1;
    }
    return 0;
  }

  void add_page_labels(std::vector<sdk::record>& records) {
    std::vector<std::size_t> unlabelled;
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].op != sdk::operation::upsert) continue;
      if (!add_labels(records[i].fields, labels_).empty()) unlabelled.push_back(i);
    }
    if (unlabelled.empty()) return;
    const auto now = ctx_.clock().steady_now();
    if (!labels_refreshed_ || now - *labels_refreshed_ >= label_refresh_interval) {
      // An option added since the source started: read the labels again.
      labels_refreshed_ = now;
      try {
        labels_ = discover_labels(api_, table_, columns_);
      } catch (const std::exception& e) {
        ctx_.log().warn(fmt::format("{}: re-reading the option labels of table {} failed: {}",
                                    component_id, table_.logical_name, e.what()));
      }
    }
    for (const auto i : unlabelled) {
      for (const auto& [column, value] : add_labels(records[i].fields, labels_)) {
        if (unknown_options_.insert(fmt::format("{}={}", column, value)).second) {
          ctx_.log().warn(fmt::format(
              "{}: table {}: column {} has value {} without a label in its option set; rows "
              "carry the value only",
              component_id, table_.logical_name, column, value));
        }
      }
    }
  }

  void hand_out(sdk::batch& out, std::size_t max_records) {
    auto& page = *page_;
    std::uint64_t upserts = 0;
    std::uint64_t removes = 0;
    while (page.index < page.records.size() && out.records.size() < max_records) {
      auto& rec = page.records[page.index++];
      ++(rec.op == sdk::operation::upsert ? upserts : removes);
      pos_.after = rec.key;
      out.records.push_back(std::move(rec));
    }
    pos_.skip = page.index;
    if (upserts > 0)
      ctx_.metrics().add("dynamics365_rows_read_total", static_cast<double>(upserts));
    if (removes > 0) {
      ctx_.metrics().add("dynamics365_deletes_read_total", static_cast<double>(removes));
    }
    if (pos_.phase == sync_phase::initial && upserts + removes > 0) {
      pos_.done += upserts + removes;
      report_progress();
    }
  }

  void finish_page(sdk::batch& out) {
    const loaded_page page = std::move(*page_);
    page_.reset();
    pos_.skip = 0;
    pos_.after.clear();
    if (!page.next_link.empty()) {
      pos_.link = page.next_link;
      return;
    }
    if (pos_.phase == sync_phase::initial) {
      ctx_.log().info(fmt::format(
          "initial load of {}: {} rows, done; reading changes from now on", table_.logical_name,
          pos_.total ? fmt::format("{}/{}", pos_.done, std::max(*pos_.total, pos_.done))
                     : std::to_string(pos_.done)));
      set_gauges();
      pos_.phase = sync_phase::delta;
      pos_.done = 0;
      pos_.total.reset();
    }
    pos_.link = page.delta_link;
    out.caught_up = true;
  }

  /// Tenths of the counted rows handed out, or, without a count, tens of pages.
  std::uint64_t progress_step() const {
    if (pos_.total && *pos_.total > 0) return pos_.done * 10 / *pos_.total;
    return pos_.done / (std::max<std::uint64_t>(pos_.page_size, 1) * 10);
  }

  void report_progress() {
    set_gauges();
    const auto step = progress_step();
    if (step <= last_reported_) return;
    last_reported_ = step;
    if (pos_.total && *pos_.total > 0) {
      if (pos_.done >= *pos_.total) return;  // the closing message says it
      ctx_.log().info(fmt::format("initial load of {}: {}/{} rows", table_.logical_name, pos_.done,
                                  *pos_.total));
    } else {
      ctx_.log().info(fmt::format("initial load of {}: {} rows", table_.logical_name, pos_.done));
    }
  }

  void set_gauges() {
    ctx_.metrics().set("dynamics365_rows_done", static_cast<double>(pos_.done));
    ctx_.metrics().set("dynamics365_rows_total",
                       static_cast<double>(pos_.total ? std::max(*pos_.total, pos_.done) : 0));
  }

  /// RetrieveTotalRecordCount (not $count, which stops at 5,000); once per instance. Dataverse
  /// answers from a snapshot that may be up to a day old: good for progress and the replay
  /// guard, not for checks.
  std::optional<std::uint64_t> count_rows() {
    if (counted_) return count_;
    counted_ = true;
    const auto url = fmt::format("{}/RetrieveTotalRecordCount(EntityNames=%5B'{}'%5D)", api_.root(),
                                 table_.logical_name);
    auto result = api_.get(url);
    if (!result.status) {
      ctx_.log().debug(fmt::format("{}: counting the rows of table {} failed: {}", component_id,
                                   table_.logical_name, result.status.message()));
      return std::nullopt;
    }
    const auto* collection = result.body.if_contains("EntityRecordCountCollection");
    if (collection == nullptr || !collection->is_object()) return std::nullopt;
    const auto* keys = collection->get_object().if_contains("Keys");
    const auto* values = collection->get_object().if_contains("Values");
    if (keys == nullptr || values == nullptr || !keys->is_array() || !values->is_array()) {
      return std::nullopt;
    }
    const auto& k = keys->get_array();
    const auto& v = values->get_array();
    for (std::size_t i = 0; i < k.size() && i < v.size(); ++i) {
      if (k[i].is_string() && k[i].get_string() == table_.logical_name && v[i].is_number()) {
        const auto n = v[i].to_number<double>();
        if (n >= 0) count_ = static_cast<std::uint64_t>(n);
      }
    }
    return count_;
  }

  const table_source_settings settings_;
  const table_metadata table_;
  const std::vector<std::string> columns_;
  option_labels labels_;
  const std::string select_;
  const std::string initial_url_;
  web_api api_;
  sdk::context& ctx_;

  change_cursor pos_;
  std::optional<loaded_page> page_;
  std::uint64_t last_reported_ = 0;
  bool counted_ = false;
  std::optional<std::uint64_t> count_;
  std::optional<std::chrono::steady_clock::time_point> labels_refreshed_;
  std::set<std::string, std::less<>> unknown_options_;
};

/// The properties to $select: the mapping's, the extra ones, the primary id and modifiedon.
/// Throws std::invalid_argument naming the mapping (or the option) and the column.
std::vector<std::string> select_columns(const table_source_settings& s, const table_metadata& t) {
  std::vector<std::string> out;
  std::set<std::string, std::less<>> seen;
  const auto add = [&](const std::string& property) {
    if (seen.insert(property).second) out.push_back(property);
  };
  if (s.mapping) {
    const auto& m = *s.mapping;
    if (!m.source_key.empty() && m.source_key != t.primary_id) {
      throw std::invalid_argument(fmt::format(
          "mapping \"{}\": source key \"{}\" is not the primary id of Dataverse table {} ({})",
          m.name, m.source_key, t.logical_name, t.primary_id));
    }
    for (const auto& name : m.source_columns()) {
      if (name.empty()) continue;
      if (t.columns.contains(name)) {
        add(name);
        continue;
      }
      if (const auto* lookup = t.find(name)) {
        throw std::invalid_argument(fmt::format(
            "mapping \"{}\": column \"{}\" of Dataverse table {} is a lookup: name it \"{}\"",
            m.name, name, t.logical_name, lookup->property));
      }
      throw std::invalid_argument(
          fmt::format("mapping \"{}\": column \"{}\" is not in Dataverse table {}", m.name, name,
                      t.logical_name));
    }
  }
  for (const auto& name : s.columns) {
    const auto* column = t.find(name);
    if (column == nullptr) {
      throw std::invalid_argument(
          fmt::format("{}: option \"columns\": column \"{}\" is not in Dataverse table {}",
                      component_id, name, t.logical_name));
    }
    add(column->property);
  }
  add(t.primary_id);
  if (t.columns.contains("modifiedon")) add("modifiedon");
  return out;
}

}  // namespace

std::unique_ptr<sdk::source> make_table_source(const sdk::options& options, sdk::context& ctx) {
  source_plan plan;
  plan.settings = parse_table_source_settings(options, ctx.route());
  const auto& s = plan.settings;
  auto* http = ctx.http();
  if (http == nullptr) {
    throw std::runtime_error(fmt::format("{}: this host offers no HTTP client", component_id));
  }
  auto* tokens = ctx.tokens(s.connection);
  if (tokens == nullptr) {
    throw std::invalid_argument(fmt::format(
        "{}: tenant {} has no connection \"{}\" with an \"auth\" object to get access tokens "
        "from (option \"connection\" names it: set it in that connection's options to the "
        "connection's own name)",
        component_id, ctx.tenant(), s.connection));
  }
  web_api api(s.url, s.api_version, *http, *tokens, s.timeout);
  try {
    plan.table = discover_table(api, s.table);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("{}: {}", component_id, e.what()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", component_id, e.what()));
  }
  if (!plan.table.change_tracking) {
    throw std::invalid_argument(fmt::format(
        "{}: change tracking is off for Dataverse table {} (ChangeTrackingEnabled is false); "
        "turn on \"Track changes\" in the table's properties, the source reads changes through "
        "it",
        component_id, plan.table.logical_name));
  }
  plan.columns = select_columns(s, plan.table);
  if (s.picklist_labels) {
    try {
      plan.labels = discover_labels(api, plan.table, plan.columns);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(fmt::format("{}: {}", component_id, e.what()));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(fmt::format("{}: {}", component_id, e.what()));
    }
  }
  ctx.state().put(mapping::source_schema_state_key, json::serialize(plan.table.schema().to_json()));
  ctx.log().info(fmt::format("reading table {} (set {}, key {}) of {} with {} columns{}",
                             plan.table.logical_name, plan.table.entity_set, plan.table.primary_id,
                             s.url, plan.columns.size(),
                             s.picklist_labels ? ", option sets with labels" : ""));
  return std::make_unique<table_source>(std::move(plan), std::move(api), ctx);
}

}  // namespace switchboard::dynamics365
