// Campaign request headers, answer classification, error texts and metadata documents.
#include "campaign_api.hpp"

#include <fmt/format.h>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <stdexcept>

namespace switchboard::campaign {
namespace json = boost::json;

namespace {

constexpr std::size_t max_message = 400;

bool contains(std::string_view text, std::string_view part) noexcept {
  return text.find(part) != std::string_view::npos;
}

/// Engine texts Campaign answers with 500 although retrying cannot help: the payload or the
/// addressed key is wrong (campaign-standard-api.md §8: read-only properties; the sandbox
/// answers invalid values, unknown properties and key changes the same way).
bool is_validation_error(std::string_view body) noexcept {
  static constexpr std::array<std::string_view, 7> markers{"is not valid for the",
                                                           "property that is read-only",
                                                           "property is not valid",
                                                           "Cannot update key",
                                                           "RST-360012",
                                                           "must be written as",
                                                           "attribute unknown"};
  for (const auto m : markers) {
    if (contains(body, m)) return true;
  }
  return false;
}

bool is_duplicate_key(std::string_view body) noexcept {
  return contains(body, "duplicate key") || contains(body, "already exists");
}

std::string shorten(std::string text) {
  if (text.size() <= max_message) return text;
  std::size_t cut = max_message;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "…";
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  return {};
}

/// "number" fields are typed by their technical type: long, short, byte, int64 are integers,
/// float, double and decimal floating point.
mapping::target_type field_type(std::string_view type, std::string_view res_type) {
  if (type == "link") return mapping::target_type::link;
  if (type == "number" || type == "integer") {
    const auto t = mapping::target_type_from_metadata(res_type);
    if (t != mapping::target_type::other) return t;
  }
  const auto t = mapping::target_type_from_metadata(type);
  if (t != mapping::target_type::other || res_type.empty()) return t;
  return mapping::target_type_from_metadata(res_type);
}

}  // namespace

request_builder::request_builder(const resource_settings& settings, sdk::token_provider* tokens)
    : api_key_(settings.api_key), tokens_(tokens), timeout_(settings.timeout) {}

sdk::http_request request_builder::make(std::string method, std::string url,
                                        std::string body) const {
  sdk::http_request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.timeout = timeout_;
  r.authorization = tokens_;
  r.headers = {{"X-Api-Key", api_key_},
               {"Cache-Control", "no-cache"},
               {"Accept", "application/json"},
               {"Content-Type", "application/json"}};
  return r;
}

answer classify(const sdk::http_exchange& exchange) noexcept {
  if (!exchange.result) return answer::retryable;
  const int code = exchange.response.status_code;
  const std::string_view body = exchange.response.body;
  if (code >= 200 && code <= 299) return answer::ok;
  if (code >= 400 && is_duplicate_key(body)) return answer::duplicate_key;
  if (code == 404) return answer::not_found;
  if (code >= 500 && code <= 599) {
    return is_validation_error(body) ? answer::permanent : answer::retryable;
  }
  if (code == 401 || code == 408 || code == 429) return answer::retryable;
  return answer::permanent;
}

std::string snippet(std::string_view body) {
  constexpr std::size_t limit = 200;
  if (body.empty()) return "(empty body)";
  if (body.size() <= limit) return std::string(body);
  return fmt::format("{}…", body.substr(0, limit));
}

std::string_view url_path(std::string_view url) noexcept {
  const auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
    const auto slash = url.find('/');
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  return url.substr(0, url.find_first_of("?#"));
}

std::string campaign_message(const sdk::http_response& response) {
  boost::system::error_code ec;
  const auto parsed = json::parse(response.body, ec);
  if (!ec && parsed.is_object()) {
    const auto& o = parsed.as_object();
    std::string code;
    for (const auto* name : {"error_code", "code"}) {
      if (const auto* v = o.if_contains(name); v != nullptr && code.empty()) code = scalar_text(*v);
    }
    std::string message;
    for (const auto* name : {"message", "error", "title"}) {
      if (const auto* v = o.if_contains(name); v != nullptr && message.empty()) {
        message = scalar_text(*v);
      }
    }
    if (!code.empty() || !message.empty()) {
      return shorten(code.empty() ? message : message.empty() ? code : code + " " + message);
    }
  }
  std::string out;
  std::string_view rest = response.body;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty()) continue;
    if (!out.empty()) out += " / ";
    out += line;
    if (out.size() > max_message) break;
  }
  return out.empty() ? std::string("(empty body)") : shorten(std::move(out));
}

std::string describe_failure(const sdk::http_request& request, const sdk::http_exchange& exchange) {
  if (!exchange.result) return exchange.result.message();
  const int code = exchange.response.status_code;
  std::string text = fmt::format("{} {} returned {}", request.method, url_path(request.url), code);
  if (code == 401) text += " after a token refresh";
  return text + ": " + campaign_message(exchange.response);
}

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
      continue;
    }
    out += '%';
    out += hex[u >> 4];
    out += hex[u & 0x0F];
  }
  return out;
}

namespace {

/// A basic_parser handler that keeps the top-level "PKey" of an object document.
class pkey_handler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  bool is_object = false;
  std::optional<std::string> pkey;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    if (depth_ == 0) is_object = true;
    not_a_string();
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    not_a_string();
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    --depth_;
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1) {
      key_.append(s.data(), s.size());
      at_pkey_ = key_ == "PKey";
      key_.clear();
    }
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1 && at_pkey_) text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    if (depth_ == 1 && at_pkey_) {
      text_.append(s.data(), s.size());
      pkey = std::move(text_);
      text_.clear();
      at_pkey_ = false;
    }
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, boost::system::error_code&) {
    return not_a_string();
  }
  bool on_uint64(std::uint64_t, json::string_view, boost::system::error_code&) {
    return not_a_string();
  }
  bool on_double(double, json::string_view, boost::system::error_code&) { return not_a_string(); }
  bool on_bool(bool, boost::system::error_code&) { return not_a_string(); }
  bool on_null(boost::system::error_code&) { return not_a_string(); }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

 private:
  /// A value that is not a string: a PKey with it is no longer a string PKey.
  bool not_a_string() {
    if (depth_ == 1 && at_pkey_) {
      pkey.reset();
      at_pkey_ = false;
    }
    return true;
  }

  std::size_t depth_ = 0;
  bool at_pkey_ = false;
  std::string key_;
  std::string text_;
};

}  // namespace

std::optional<std::string> top_level_pkey(std::string_view body) {
  json::basic_parser<pkey_handler> parser{json::parse_options{}};
  boost::system::error_code ec;
  // As boost::json::parser::write: one whole document, nothing after it.
  const auto consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (ec || consumed < body.size() || !parser.handler().is_object) return std::nullopt;
  return std::move(parser.handler().pkey);
}

resource_metadata parse_resource_metadata(const json::object& document, std::string_view resource) {
  const auto* content = document.if_contains("content");
  if (content == nullptr || !content->is_object()) {
    throw std::runtime_error(fmt::format(
        "the resourceType document of resource {} has no \"content\" object", resource));
  }
  resource_metadata out;
  out.schema.resource = std::string(resource);
  for (const auto& [name, value] : content->as_object()) {
    if (!value.is_object() || name == "PKey" || name == "href") continue;
    const auto& field = value.as_object();
    const auto text = [&field](std::string_view key) -> std::string_view {
      const auto* v = field.if_contains(key);
      return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
    };
    const std::string api_name =
        text("apiName").empty() ? std::string(name) : std::string(text("apiName"));
    const auto type = text("type");
    if (type == "collection") continue;  // delivery logs, subscriptions: not writable fields
    out.schema.fields[api_name] = field_type(type, text("resType"));
    if (const auto* ro = field.if_contains("readOnly");
        ro != nullptr && ro->is_bool() && ro->as_bool()) {
      out.read_only.insert(api_name);
    }
  }
  if (const auto* filters = document.if_contains("filters");
      filters != nullptr && filters->is_object()) {
    if (const auto* href = filters->as_object().if_contains("href");
        href != nullptr && href->is_string()) {
      out.filters_href = std::string(href->as_string());
    }
  }
  return out;
}

std::map<std::string, lookup_filter, std::less<>> lookup_filters(const json::object& document) {
  std::map<std::string, lookup_filter, std::less<>> out;
  for (const auto& [name, value] : document) {
    if (!value.is_object()) continue;
    const auto& filter = value.as_object();
    const auto* parameters = filter.if_contains("metadata");
    if (parameters == nullptr || !parameters->is_object() || parameters->as_object().size() != 1) {
      continue;
    }
    const std::string parameter(parameters->as_object().begin()->key());
    const auto* condition = filter.if_contains("condition");
    if (condition == nullptr) continue;
    // The condition of the parameter: {"<param>": {"expr": "@field = $(<param>)"}} or the
    // expression itself.
    const json::value* expr = condition;
    if (condition->is_object()) {
      const auto* entry = condition->as_object().if_contains(parameter);
      if (entry == nullptr) continue;
      expr = entry->is_object() ? entry->as_object().if_contains("expr") : entry;
    }
    if (expr == nullptr || !expr->is_string()) continue;
    const std::string_view text = expr->as_string();
    const std::string tail = " = $(" + parameter + ")";
    if (!text.starts_with("@") || !text.ends_with(tail)) continue;
    const auto field = text.substr(1, text.size() - 1 - tail.size());
    if (field.empty() || field.find_first_of(" ()$@") != std::string_view::npos) continue;
    out.try_emplace(std::string(field), lookup_filter{std::string(name), parameter});
  }
  return out;
}

}  // namespace switchboard::campaign
