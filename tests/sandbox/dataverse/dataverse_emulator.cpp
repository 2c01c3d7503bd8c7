// The Dataverse Web API emulator: authentication, service protection, the lock, control actions.
#include "sandbox/dataverse/dataverse_emulator.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/contact_seed.hpp"
#include "sandbox/dataverse/dataverse_service.hpp"
#include "sandbox/dataverse/entity_payload.hpp"
#include "sandbox/dataverse/odata_errors.hpp"
#include "sandbox/dataverse/row_rendering.hpp"
#include "sandbox/dataverse/service_protection.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace switchboard::sandbox {
namespace {

namespace json = boost::json;
using dataverse::service_state;

server_reply control_error(int status, const std::string& message) {
  json::object body;
  body["error"] = message;
  return json_reply(status, body);
}

server_reply unauthorized(const server_request& request, const dataverse_options& options,
                          bool missing) {
  const auto* host = request.header("Host");
  std::string challenge = "Bearer ";
  if (!missing) challenge += "error=\"invalid_token\", ";
  challenge += "authorization_uri=https://login.microsoftonline.com/" + options.tenant_id +
               "/oauth2/authorize, resource_id=https://" +
               (host ? *host : std::string("localhost")) + "/";
  auto reply = dataverse::error_reply(
      {401, "",
       missing ? "Authentication failed: MissingCrmAuthenticationToken (no bearer token was sent)"
               : "Authentication failed: InvalidAuthTicket (the bearer token is unknown or "
                 "expired)"});
  reply.headers.push_back({"WWW-Authenticate", challenge});
  return reply;
}

const json::object& object_body(const json::value& body) {
  static const json::object empty;
  return body.is_object() ? body.get_object() : empty;
}

std::string string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    throw std::invalid_argument("the body needs a string \"" + std::string(key) + "\"");
  }
  return std::string(v->get_string());
}

dataverse::table_store& table_named(service_state& state, std::string_view name) {
  auto* table = state.store.by_logical(name);
  if (table == nullptr) table = state.store.by_set(name);
  if (table == nullptr) throw std::invalid_argument("no table named " + std::string(name));
  return *table;
}

}  // namespace

dataverse_emulator::dataverse_emulator(token_registry& entra_tokens, dataverse_options options)
    : tokens_(entra_tokens),
      state_(std::make_unique<service_state>(std::move(options))),
      protection_(std::make_unique<dataverse::service_protection>(
          state_->options.requests_per_window, state_->options.window,
          state_->options.max_concurrent, state_->options.clock)) {
  for (const auto& table : dataverse::standard_tables()) state_->store.define(table);
  auto& organization = *state_->store.by_logical("organization");
  std::vector<json::value> cells(organization.definition().columns.size());
  cells[static_cast<std::size_t>(organization.column_index("name"))] = "sandbox";
  const auto days = (state_->options.delta_token_lifetime.count() + 86399) / 86400;
  cells[static_cast<std::size_t>(organization.column_index("expirechangetrackingindays"))] =
      static_cast<std::int64_t>(days);
  state_->store.insert(organization, dataverse::stable_guid("organization"), std::move(cells));
}

dataverse_emulator::~dataverse_emulator() = default;

server_reply dataverse_emulator::handle(const server_request& request) {
  const auto token = bearer_token(request);
  const auto grant = token.empty() ? std::nullopt : tokens_.check(token);
  if (!grant) return unauthorized(request, state_->options, token.empty());
  if (auto rejected = protection_->enter(grant->client_id)) return std::move(*rejected);
  server_reply reply;
  try {
    std::lock_guard lock(mutex_);
    ++state_->operations[classify(request)];
    reply = dataverse::serve(*state_, request, nullptr);
  } catch (...) {
    protection_->leave();
    throw;
  }
  protection_->leave();
  reply.headers.push_back({"x-ms-ratelimit-burst-remaining-xrm-requests",
                           std::to_string(protection_->remaining(grant->client_id))});
  reply.headers.push_back({"x-ms-dop-hint", std::to_string(state_->options.dop_hint)});
  return reply;
}

std::string dataverse_emulator::classify(const server_request& request) const {
  return dataverse::classify_target(request.method, request.target);
}

std::optional<server_reply> dataverse_emulator::control(std::string_view action,
                                                        std::string_view method,
                                                        const json::value& body) {
  const bool read = action == "rows" || action == "stats";
  const bool write = action == "seed_contacts" || action == "define_table" ||
                     action == "upsert_rows" || action == "delete_rows" ||
                     action == "expire_delta_tokens" ||
                     action == "drop_delta_link_with_annotations";
  if (!read && !write) return std::nullopt;
  if (write && method != "POST") return control_error(405, std::string(action) + " needs POST");
  const auto& o = object_body(body);
  try {
    json::object out;
    if (action == "seed_contacts") {
      const auto* count = o.if_contains("count");
      if (count == nullptr || !count->is_number() || count->to_number<double>() < 0) {
        return control_error(400, "seed_contacts needs a non-negative \"count\"");
      }
      const auto* seed = o.if_contains("seed");
      const auto n = static_cast<std::size_t>(count->to_number<double>());
      seed_contacts(
          n, seed && seed->is_number() ? static_cast<std::uint64_t>(seed->to_number<double>()) : 1);
      out["seeded"] = n;
    } else if (action == "define_table") {
      const auto definition = dataverse::table_definition_from_json(body);
      define_table(definition);
      out["defined"] = definition.logical_name;
    } else if (action == "upsert_rows") {
      const auto* rows_value = o.if_contains("rows");
      if (rows_value == nullptr || !rows_value->is_array()) {
        return control_error(400, "upsert_rows needs an array \"rows\"");
      }
      json::array ids;
      for (const auto& id : upsert_rows(string_member(o, "table"), rows_value->get_array())) {
        ids.push_back(json::string(id));
      }
      out["ids"] = std::move(ids);
    } else if (action == "delete_rows") {
      const auto* ids_value = o.if_contains("ids");
      if (ids_value == nullptr || !ids_value->is_array()) {
        return control_error(400, "delete_rows needs an array \"ids\"");
      }
      std::vector<std::string> ids;
      for (const auto& id : ids_value->get_array()) {
        if (!id.is_string()) return control_error(400, "delete_rows ids must be strings");
        ids.emplace_back(id.get_string());
      }
      out["deleted"] = delete_rows(string_member(o, "table"), ids);
    } else if (action == "rows") {
      out["rows"] = rows(string_member(o, "table"));
    } else if (action == "expire_delta_tokens") {
      expire_delta_tokens();
      out["expired"] = true;
    } else if (action == "drop_delta_link_with_annotations") {
      const auto* enabled = o.if_contains("enabled");
      if (enabled == nullptr || !enabled->is_bool()) {
        return control_error(400, "drop_delta_link_with_annotations needs a boolean \"enabled\"");
      }
      set_drop_delta_link_with_annotations(enabled->get_bool());
      out["enabled"] = enabled->get_bool();
    } else {
      json::object operations;
      for (const auto& [label, count] : operation_counts()) operations[label] = count;
      out["operations"] = std::move(operations);
    }
    return json_reply(200, out);
  } catch (const std::invalid_argument& e) {
    return control_error(400, e.what());
  }
}

void dataverse_emulator::define_table(const table_definition& definition) {
  std::lock_guard lock(mutex_);
  state_->store.define(definition);
}

void dataverse_emulator::seed_contacts(std::size_t count, std::uint64_t seed) {
  std::lock_guard lock(mutex_);
  dataverse::seed_contacts(state_->store, *state_->store.by_logical("contact"), count, seed);
}

std::vector<std::string> dataverse_emulator::upsert_rows(std::string_view table_name,
                                                         const json::array& rows) {
  std::lock_guard lock(mutex_);
  auto& table = table_named(*state_, table_name);
  std::vector<std::string> ids;
  try {
    for (const auto& value : rows) {
      if (!value.is_object()) throw std::invalid_argument("each row must be a JSON object");
      auto payload = dataverse::read_payload(*state_, table, value.get_object(), nullptr);
      const std::string id = payload.primary_id ? *payload.primary_id : state_->store.new_id();
      if (table.find(id) != nullptr) {
        state_->store.update(table, id, payload.changes);
      } else {
        std::vector<json::value> cells(table.definition().columns.size());
        for (auto& [index, cell] : payload.changes) {
          cells[static_cast<std::size_t>(index)] = std::move(cell);
        }
        state_->store.insert(table, id, std::move(cells));
      }
      if (payload.parties) state_->store.replace_parties(table, id, *payload.parties);
      ids.push_back(id);
    }
  } catch (const dataverse::odata_exception& e) {
    throw std::invalid_argument(e.error().message);
  }
  return ids;
}

std::size_t dataverse_emulator::delete_rows(std::string_view table_name,
                                            const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  auto& table = table_named(*state_, table_name);
  std::size_t deleted = 0;
  for (const auto& id : ids) {
    deleted += state_->store.remove(table, dataverse::normalize_guid(id)) ? 1 : 0;
  }
  return deleted;
}

json::array dataverse_emulator::rows(std::string_view table_name) const {
  std::lock_guard lock(mutex_);
  const auto& table = table_named(*state_, table_name);
  dataverse::preferences prefer;
  prefer.annotations = std::string(dataverse::lookup_annotation);
  json::array out;
  for (const auto& [id, value] : table.rows()) {
    out.push_back(dataverse::render_row(*state_, table, id, value, {}, prefer));
  }
  return out;
}

void dataverse_emulator::expire_delta_tokens() {
  std::lock_guard lock(mutex_);
  state_->expired_before = state_->store.bump();
}

void dataverse_emulator::set_drop_delta_link_with_annotations(bool drop) {
  std::lock_guard lock(mutex_);
  state_->options.drop_delta_link_with_annotations = drop;
}

std::map<std::string, std::size_t> dataverse_emulator::operation_counts() const {
  std::lock_guard lock(mutex_);
  return state_->operations;
}

}  // namespace switchboard::sandbox
