// Queries of the Dataverse emulator: collections with $select/$filter/$orderby/$top/$count
// and paging, single rows, single properties and $count.
#include "sandbox/dataverse/entity_reads.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/change_tracking.hpp"
#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/odata_filter.hpp"
#include "sandbox/dataverse/row_rendering.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <memory>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

std::string select_text(const query_options& options) {
  return options.select ? *options.select : std::string();
}

std::unique_ptr<filter_node> bound_filter(const query_options& options, const table_store& table) {
  if (!options.filter) return nullptr;
  auto filter = parse_filter(*options.filter);
  bind_filter(*filter, table);
  return filter;
}

bool matches(const filter_node* filter, const table_store& table, const row& value) {
  return filter == nullptr || evaluate(*filter, row_subject(table, value));
}

std::vector<std::string> applied_preferences(const preferences& prefer, bool paged,
                                             std::size_t page_size) {
  std::vector<std::string> applied;
  if (prefer.track_changes) applied.emplace_back("odata.track-changes");
  if (paged && prefer.max_page_size) {
    applied.push_back("odata.maxpagesize=" + std::to_string(page_size));
  }
  if (!prefer.annotations.empty()) {
    applied.push_back("odata.include-annotations=\"" + prefer.annotations + "\"");
  }
  return applied;
}

std::string next_link(const odata_call& call, const table_store& table,
                      const paging_cookie& cookie) {
  auto query = query_without(call.raw_query, {"$skiptoken"});
  if (!query.empty()) query += '&';
  query +=
      "$skiptoken=" + encode_component(skiptoken_value(cookie, table.definition().primary_id), "=");
  return call.root + "/" + table.definition().entity_set_name + "?" + query;
}

paging_cookie cookie_from(const query_options& options) {
  if (!options.skiptoken) return {};
  auto cookie = parse_skiptoken(*options.skiptoken);
  if (!cookie || cookie->tracking) {
    fail(query_error("The $skiptoken value '" + *options.skiptoken + "' is not valid."));
  }
  return *cookie;
}

}  // namespace

std::size_t page_size_for(const service_state& state, const preferences& prefer) {
  std::size_t size = state.options.default_max_page_size;
  if (prefer.max_page_size) size = *prefer.max_page_size;
  return std::clamp<std::size_t>(size, 1, max_page_size);
}

server_reply read_collection(service_state& state, const odata_call& call, table_store& table) {
  const auto options = parse_query_options(call.query);
  const auto incoming_cookie =
      options.skiptoken ? parse_skiptoken(*options.skiptoken) : std::nullopt;
  const bool tracked_page = incoming_cookie && incoming_cookie->tracking;
  if (options.deltatoken || call.prefer.track_changes || tracked_page) {
    return read_tracked(state, call, table, options);
  }
  if (options.expand) {
    fail(query_error("The $expand query option is not supported by this Dataverse emulator."));
  }
  const auto select = options.select ? parse_select(*options.select, table) : std::vector<int>{};
  const auto filter = bound_filter(options, table);
  const auto order =
      options.orderby ? parse_orderby(*options.orderby, table) : std::vector<order_key>{};
  const bool paged = !options.top.has_value();
  const std::size_t size =
      paged ? page_size_for(state, call.prefer) : std::min(*options.top, max_page_size);
  const auto cookie = cookie_from(options);

  std::vector<const std::pair<const std::string, row>*> page;
  std::optional<paging_cookie> next;
  std::size_t total = 0;
  const auto& rows = table.rows();
  if (order.empty()) {
    auto it = cookie.last_id.empty() ? rows.begin() : rows.upper_bound(cookie.last_id);
    for (; it != rows.end(); ++it) {
      if (!matches(filter.get(), table, it->second)) continue;
      if (page.size() == size) {
        if (paged) next = paging_cookie{cookie.page + 1, page.back()->first};
        break;
      }
      page.push_back(&*it);
    }
  } else {
    std::vector<const std::pair<const std::string, row>*> all;
    for (const auto& entry : rows) {
      if (matches(filter.get(), table, entry.second)) all.push_back(&entry);
    }
    total = all.size();
    std::stable_sort(all.begin(), all.end(), [&](const auto* a, const auto* b) {
      for (const auto& key : order) {
        const auto& column = table.column(key.column);
        const auto i = static_cast<std::size_t>(key.column);
        const int c = compare_cells(column, a->second.cells[i], b->second.cells[i]);
        if (c != 0) return key.descending ? c > 0 : c < 0;
      }
      return a->first < b->first;
    });
    const std::size_t from = std::min(cookie.offset, all.size());
    const std::size_t to = std::min(from + size, all.size());
    page.assign(all.begin() + static_cast<std::ptrdiff_t>(from),
                all.begin() + static_cast<std::ptrdiff_t>(to));
    if (paged && to < all.size() && !page.empty()) {
      next = paging_cookie{cookie.page + 1, page.back()->first, to};
    }
  }

  json::object body;
  body["@odata.context"] =
      context_url(call.root, table.definition().entity_set_name, select_text(options));
  if (options.count) {
    if (order.empty()) {
      total = 0;
      for (const auto& [id, value] : rows) total += matches(filter.get(), table, value) ? 1 : 0;
    }
    body["@odata.count"] = std::min(total, max_page_size);
  }
  json::array values;
  for (const auto* entry : page) {
    values.push_back(render_row(state, table, entry->first, entry->second, select, call.prefer));
  }
  body["value"] = std::move(values);
  if (next) body["@odata.nextLink"] = next_link(call, table, *next);
  return odata_reply(200, body, applied_preferences(call.prefer, paged, size));
}

server_reply read_entity(service_state& state, const odata_call& call, const table_store& table,
                         const std::string& id) {
  const auto options = parse_query_options(call.query);
  if (options.expand) {
    fail(query_error("The $expand query option is not supported by this Dataverse emulator."));
  }
  const auto select = options.select ? parse_select(*options.select, table) : std::vector<int>{};
  const row& value = *table.find(id);
  const auto* if_none_match = call.request.header("If-None-Match");
  if (if_none_match != nullptr && *if_none_match == etag(value) &&
      call.prefer.annotations.empty()) {
    auto reply = empty_reply(304);
    reply.headers.push_back({"ETag", etag(value)});
    return reply;
  }
  auto body = render_row(state, table, id, value, select, call.prefer);
  json::object out;
  out["@odata.context"] =
      context_url(call.root, table.definition().entity_set_name, select_text(options), "/$entity");
  for (auto& [k, v] : body) out[k] = std::move(v);
  auto reply = odata_reply(200, out, applied_preferences(call.prefer, false, 0));
  reply.headers.push_back({"ETag", etag(value)});
  return reply;
}

server_reply read_property(const odata_call& call, const table_store& table, const std::string& id,
                           std::string_view property) {
  const int index = table.property_index(property);
  if (index < 0) fail(segment_not_found(property));
  const auto& value = table.find(id)->cells[static_cast<std::size_t>(index)];
  const auto wire = wire_value(table.column(index), value);
  if (wire.is_null()) return empty_reply(204);
  json::object body;
  body["@odata.context"] = call.root + "/$metadata#" + table.definition().entity_set_name + "(" +
                           id + ")/" + std::string(property);
  body["value"] = wire;
  return odata_reply(200, body);
}

server_reply read_count(service_state& state, const odata_call& call, table_store& table) {
  const auto options = parse_query_options(call.query);
  std::size_t count = 0;
  if (options.deltatoken) {
    paging_cookie position;
    position.tracking = true;
    position.since = check_delta_token(state, *options.deltatoken);
    position.upto = state.store.version();
    const auto slice =
        collect_changes(table, position, table.rows().size() + table.tombstones().size() + 1);
    count = slice.upserts.size() + slice.deletes.size();
  } else {
    const auto filter = bound_filter(options, table);
    for (const auto& [id, value] : table.rows())
      count += matches(filter.get(), table, value) ? 1 : 0;
    count = std::min(count, max_page_size);
  }
  server_reply reply;
  reply.status = 200;
  reply.headers.push_back({"Content-Type", "text/plain"});
  reply.headers.push_back({"OData-Version", "4.0"});
  reply.body = std::to_string(count);
  return reply;
}

}  // namespace switchboard::sandbox::dataverse
