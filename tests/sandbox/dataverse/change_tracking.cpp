// Change tracking of the Dataverse emulator: tracked initial sync, delta tokens, delta pages.
#include "sandbox/dataverse/change_tracking.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/entity_reads.hpp"
#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/row_rendering.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include <algorithm>

namespace switchboard::sandbox::dataverse {
namespace {

namespace json = boost::json;

constexpr std::string_view expired_message =
    "Version stamp associated with the client has expired. Please perform a full sync.";

[[noreturn]] void expired() {
  fail({400, std::string(codes::expired_version_stamp), std::string(expired_message)});
}

std::int64_t epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

[[noreturn]] void rejected_option(std::string_view option) {
  fail(query_error("The \"" + std::string(option) +
                   "\" query parameter isn't supported when Change Tracking is enabled."));
}

std::string base_query(const query_options& options) {
  if (!options.select) return "";
  return "$select=" + encode_component(*options.select, ",");
}

std::string link(const odata_call& call, const table_store& table, const std::string& base,
                 const std::string& tail) {
  return call.root + "/" + table.definition().entity_set_name + "?" + base +
         (base.empty() ? "" : "&") + tail;
}

std::string deltatoken_option(std::string_view token) {
  return "$deltatoken=" + encode_component(token, "", true);
}

std::string skiptoken_option(const table_store& table, const paging_cookie& cookie) {
  return "$skiptoken=" +
         encode_component(skiptoken_value(cookie, table.definition().primary_id), "=");
}

std::vector<std::string> applied(const preferences& prefer, std::size_t size) {
  std::vector<std::string> out{"odata.track-changes"};
  if (prefer.max_page_size) out.push_back("odata.maxpagesize=" + std::to_string(size));
  if (!prefer.annotations.empty()) {
    out.push_back("odata.include-annotations=\"" + prefer.annotations + "\"");
  }
  return out;
}

bool drops_delta_link(const service_state& state, const odata_call& call) {
  return state.options.drop_delta_link_with_annotations && !call.prefer.annotations.empty();
}

}  // namespace

std::string delta_token_text(std::uint64_t version, std::chrono::system_clock::time_point issued) {
  const auto iso = iso_date_time(epoch_seconds(issued));  // yyyy-mm-ddThh:mm:ssZ
  return fmt::format("{}!{}/{}/{} {}", version, iso.substr(5, 2), iso.substr(8, 2),
                     iso.substr(0, 4), iso.substr(11, 8));
}

std::optional<delta_token> parse_delta_token(std::string_view text) {
  const auto bang = text.find('!');
  if (bang == std::string_view::npos || bang == 0 || bang > 19) return std::nullopt;
  delta_token token;
  for (std::size_t i = 0; i < bang; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    token.version = token.version * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  const auto stamp = text.substr(bang + 1);
  if (stamp.size() != 19 || stamp[2] != '/' || stamp[5] != '/' || stamp[10] != ' ') {
    return std::nullopt;
  }
  const auto iso = std::string(stamp.substr(6, 4)) + "-" + std::string(stamp.substr(0, 2)) + "-" +
                   std::string(stamp.substr(3, 2)) + "T" + std::string(stamp.substr(11, 8)) + "Z";
  const auto issued = parse_iso_time(iso);
  if (!issued) return std::nullopt;
  token.issued = *issued;
  return token;
}

std::uint64_t check_delta_token(const service_state& state, std::string_view text) {
  const auto token = parse_delta_token(text);
  if (!token || token->version > state.store.version() || token->version < state.expired_before) {
    expired();
  }
  const auto age = epoch_seconds(state.store.now()) - token->issued;
  if (age > state.options.delta_token_lifetime.count()) expired();
  return token->version;
}

change_slice collect_changes(const table_store& table, paging_cookie position, std::size_t size) {
  change_slice slice;
  std::uint64_t last = 0;
  std::string last_id;
  const auto full = [&](bool deletes) {
    if (slice.upserts.size() + slice.deletes.size() < size) return false;
    paging_cookie next = position;
    next.page += 1;
    next.deletes = deletes;
    next.after = last;
    next.last_id = last_id;
    slice.next = next;
    return true;
  };
  if (!position.deletes) {
    const auto& live = table.live_versions();
    for (auto it = live.upper_bound(std::max(position.since, position.after));
         it != live.end() && it->first <= position.upto; ++it) {
      if (full(false)) return slice;
      slice.upserts.push_back(it->second);
      last = it->first;
      last_id = it->second;
    }
    position.deletes = true;
    position.after = 0;
    last = 0;
  }
  const auto& deleted = table.tombstones();
  for (auto it = deleted.upper_bound(std::max(position.since, position.after));
       it != deleted.end() && it->first <= position.upto; ++it) {
    if (full(true)) return slice;
    slice.deletes.push_back(it->second);
    last = it->first;
    last_id = it->second;
  }
  return slice;
}

server_reply read_tracked(service_state& state, const odata_call& call, const table_store& table,
                          const query_options& options) {
  const auto& definition = table.definition();
  if (!definition.change_tracking) {
    fail({400, std::string(codes::change_tracking_not_enabled),
          "Entity " + definition.logical_name + " isn't enabled for change tracking."});
  }
  if (options.filter) rejected_option("$filter");
  if (options.orderby) rejected_option("$orderby");
  if (options.expand) rejected_option("$expand");
  if (options.top) rejected_option("$top");
  const auto select = options.select ? parse_select(*options.select, table) : std::vector<int>{};
  const auto size = page_size_for(state, call.prefer);
  std::optional<paging_cookie> cookie;
  if (options.skiptoken) {
    cookie = parse_skiptoken(*options.skiptoken);
    if (!cookie || !cookie->tracking) {
      fail(query_error("The $skiptoken value '" + *options.skiptoken + "' is not valid."));
    }
  }
  const auto base = base_query(options);
  const auto select_text = options.select ? *options.select : std::string();
  json::object body;
  json::array values;

  if (options.deltatoken) {
    const auto since = check_delta_token(state, *options.deltatoken);
    paging_cookie position;
    position.tracking = true;
    position.since = since;
    position.upto = state.store.version();
    if (cookie) {
      if (cookie->since != since) expired();
      position = *cookie;
    }
    const auto slice = collect_changes(table, position, size);
    body["@odata.context"] =
        context_url(call.root, definition.entity_set_name, select_text, "/$delta");
    for (const auto& id : slice.upserts) {
      values.push_back(render_row(state, table, id, *table.find(id), select, call.prefer));
    }
    for (const auto& id : slice.deletes) {
      json::object deleted;
      deleted["@odata.context"] =
          call.root + "/$metadata#" + definition.entity_set_name + "/$deletedEntity";
      deleted["id"] = id;
      deleted["reason"] = "deleted";
      values.push_back(std::move(deleted));
    }
    body["value"] = std::move(values);
    if (slice.next) {
      body["@odata.nextLink"] =
          link(call, table, base,
               deltatoken_option(*options.deltatoken) + "&" + skiptoken_option(table, *slice.next));
    } else if (!drops_delta_link(state, call)) {
      body["@odata.deltaLink"] = link(
          call, table, base, deltatoken_option(delta_token_text(position.upto, state.store.now())));
    }
    return odata_reply(200, body, applied(call.prefer, size));
  }

  paging_cookie position;
  position.tracking = true;
  position.upto = state.store.version();
  if (cookie) position = *cookie;
  const auto& rows = table.rows();
  auto it = position.last_id.empty() ? rows.begin() : rows.upper_bound(position.last_id);
  std::string last;
  std::size_t taken = 0;
  for (; it != rows.end() && taken < size; ++it, ++taken) {
    values.push_back(render_row(state, table, it->first, it->second, select, call.prefer));
    last = it->first;
  }
  body["@odata.context"] = context_url(call.root, definition.entity_set_name, select_text);
  body["value"] = std::move(values);
  if (it != rows.end()) {
    paging_cookie next = position;
    next.page += 1;
    next.last_id = last;
    body["@odata.nextLink"] = link(call, table, base, skiptoken_option(table, next));
  } else if (!drops_delta_link(state, call)) {
    body["@odata.deltaLink"] = link(
        call, table, base, deltatoken_option(delta_token_text(position.upto, state.store.now())));
  }
  return odata_reply(200, body, applied(call.prefer, size));
}

}  // namespace switchboard::sandbox::dataverse
