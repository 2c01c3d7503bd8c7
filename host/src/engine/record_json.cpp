// Conversion of records to and from their JSON text form.
#include "record_json.hpp"

#include <boost/json.hpp>

namespace switchboard::host {
namespace json = boost::json;

std::string record_to_json(const sdk::record& record) {
  json::object o;
  o["key"] = record.key;
  o["op"] = record.op == sdk::operation::remove ? "delete" : "upsert";
  o["fields"] = record.fields;
  o["source_time_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(record.source_time.time_since_epoch())
          .count();
  return json::serialize(o);
}

std::optional<sdk::record> record_from_json(std::string_view text, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    error = "not JSON: " + ec.message();
    return std::nullopt;
  }
  const auto* o = v.if_object();
  if (o == nullptr) {
    error = "not a JSON object";
    return std::nullopt;
  }
  sdk::record r;
  const auto* key = o->if_contains("key");
  if (key == nullptr || !key->is_string() || key->as_string().empty()) {
    error = "\"key\" must be a non-empty string";
    return std::nullopt;
  }
  r.key = std::string(key->as_string());
  if (const auto* op = o->if_contains("op")) {
    if (*op == "delete") {
      r.op = sdk::operation::remove;
    } else if (*op != "upsert") {
      error = "\"op\" must be \"upsert\" or \"delete\"";
      return std::nullopt;
    }
  }
  if (const auto* fields = o->if_contains("fields")) {
    if (!fields->is_object()) {
      error = "\"fields\" must be an object";
      return std::nullopt;
    }
    r.fields = fields->as_object();
  }
  if (const auto* t = o->if_contains("source_time_ms")) {
    if (!t->is_int64()) {
      error = "\"source_time_ms\" must be an integer";
      return std::nullopt;
    }
    r.source_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(t->as_int64()));
  }
  return r;
}

}  // namespace switchboard::host
