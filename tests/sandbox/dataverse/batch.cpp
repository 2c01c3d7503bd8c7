// $batch of the Dataverse emulator: multipart parsing, change sets, the multipart response.
#include "sandbox/dataverse/batch.hpp"

#include "sandbox/dataverse/cell_values.hpp"
#include "sandbox/dataverse/odata_errors.hpp"

namespace switchboard::sandbox::dataverse {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

[[noreturn]] void malformed(std::string what) {
  fail(query_error("The batch request is malformed: " + std::move(what) + "."));
}

/// Reads one line (without its CR LF or LF) and advances.
std::string_view next_line(std::string_view& text) {
  const auto end = text.find('\n');
  auto line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

/// Header lines up to the blank line.
std::vector<sdk::http_header> read_headers(std::string_view& text) {
  std::vector<sdk::http_header> headers;
  while (!text.empty()) {
    const auto line = next_line(text);
    if (line.empty()) return headers;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) malformed("header line without ':'");
    headers.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return headers;
}

const std::string* find_header(const std::vector<sdk::http_header>& headers,
                               std::string_view name) {
  for (const auto& h : headers) {
    if (lowercase(h.name) == lowercase(name)) return &h.value;
  }
  return nullptr;
}

/// The bodies between "--boundary" delimiter lines.
std::vector<std::string_view> split_parts(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<std::string_view> parts;
  std::size_t at = body.find(delimiter);
  if (at == std::string_view::npos) malformed("no part starts with --" + std::string(boundary));
  while (true) {
    std::size_t after = at + delimiter.size();
    if (body.substr(after, 2) == "--") return parts;
    const auto line_end = body.find('\n', after);
    if (line_end == std::string_view::npos) malformed("a delimiter line does not end");
    const auto start = line_end + 1;
    auto next = body.find("\n" + delimiter, start);
    if (next == std::string_view::npos) malformed("the closing delimiter is missing");
    auto end = next;
    if (end > start && body[end - 1] == '\r') --end;
    parts.push_back(body.substr(start, end - start));
    at = next + 1;
  }
}

batch_request read_request(std::string_view part, const std::vector<sdk::http_header>& mime) {
  batch_request request;
  if (const auto* id = find_header(mime, "Content-ID")) request.content_id = *id;
  const auto line = next_line(part);
  const auto first_space = line.find(' ');
  const auto second_space = line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos) malformed("a request line is missing");
  request.method = std::string(line.substr(0, first_space));
  request.target = std::string(trim(line.substr(first_space + 1, second_space - first_space - 1)));
  request.headers = read_headers(part);
  request.body = std::string(part);
  return request;
}

std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 412:
      return "Precondition Failed";
    case 429:
      return "Too Many Requests";
    case 501:
      return "Not Implemented";
    default:
      return "Internal Server Error";
  }
}

/// One application/http response part (ends with CRLF).
std::string response_part(const batch_request& request, const server_reply& reply) {
  std::string out = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n";
  if (!request.content_id.empty()) out += "Content-ID: " + request.content_id + "\r\n";
  out += "\r\nHTTP/1.1 " + std::to_string(reply.status) + " " + std::string(reason(reply.status)) +
         "\r\n";
  for (const auto& h : reply.headers) {
    if (h.name == "OData-EntityId" && request.method == "POST") {
      out += "Location: " + h.value + "\r\n";
    }
    out += h.name + ": " + h.value + "\r\n";
  }
  out += "\r\n" + reply.body + "\r\n";
  return out;
}

server_request inner_request(const odata_call& call, const batch_request& request) {
  server_request inner;
  inner.method = request.method;
  inner.headers = request.headers;
  inner.body = request.body;
  inner.remote = call.request.remote;
  for (const char* name : {"Authorization", "Host"}) {
    if (const auto* value = call.request.header(name); value && !find_header(inner.headers, name)) {
      inner.headers.push_back({name, *value});
    }
  }
  std::string_view target = request.target;
  if (const auto api = target.find("/api/data/"); api != std::string_view::npos) {
    inner.target = std::string(target.substr(api));
    return inner;
  }
  const auto root_path = call.root.substr(call.root.find("/api/data/"));
  inner.target = root_path + "/" + std::string(target);
  return inner;
}

}  // namespace

std::string multipart_boundary(std::string_view content_type) {
  const auto lower = lowercase(content_type);
  if (lower.rfind("multipart/mixed", 0) != 0) return "";
  const auto at = lower.find("boundary=");
  if (at == std::string::npos) return "";
  auto value = content_type.substr(at + 9);
  value = value.substr(0, value.find(';'));
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

std::vector<batch_part> parse_batch(std::string_view body, std::string_view boundary) {
  std::vector<batch_part> out;
  for (auto part : split_parts(body, boundary)) {
    const auto mime = read_headers(part);
    const auto* type = find_header(mime, "Content-Type");
    if (type == nullptr) malformed("a part has no Content-Type");
    const auto nested = multipart_boundary(*type);
    batch_part item;
    if (!nested.empty()) {
      item.change_set = true;
      for (auto inner : split_parts(part, nested)) {
        const auto inner_mime = read_headers(inner);
        item.requests.push_back(read_request(inner, inner_mime));
      }
    } else {
      if (lowercase(*type).rfind("application/http", 0) != 0) {
        malformed("a part is neither application/http nor multipart/mixed");
      }
      item.requests.push_back(read_request(part, mime));
    }
    out.push_back(std::move(item));
  }
  return out;
}

server_reply execute_batch(service_state& state, const odata_call& call) {
  if (call.batch != nullptr) fail(query_error("A $batch request cannot be nested in a $batch."));
  const auto* content_type = call.request.header("Content-Type");
  const auto boundary = content_type ? multipart_boundary(*content_type) : "";
  if (boundary.empty()) {
    fail(query_error(
        "The content type of a $batch request must be multipart/mixed with a boundary."));
  }
  const auto parts = parse_batch(call.request.body, boundary);
  std::size_t total = 0;
  for (const auto& p : parts) total += p.requests.size();
  if (total > state.options.max_batch_requests) {
    const auto limit = std::to_string(state.options.max_batch_requests);
    fail(
        query_error("The current batch message contains too many parts. Only batch messages with "
                    "a maximum number of '" +
                    limit +
                    "' query operations and a maximum number "
                    "of '" +
                    limit + "' changesets are allowed."));
  }
  const bool continue_on_error = call.prefer.continue_on_error;
  const std::string batch_boundary = "batchresponse_" + state.store.new_id();
  std::string body;
  auto failure = [&](const std::string& part) {
    server_reply reply;
    reply.status = 400;
    reply.headers.push_back({"Content-Type", "multipart/mixed; boundary=" + batch_boundary});
    reply.headers.push_back({"OData-Version", "4.0"});
    reply.body = "--" + batch_boundary + "\r\n" + part + "--" + batch_boundary + "--\r\n";
    return reply;
  };
  for (const auto& part : parts) {
    batch_context context;
    if (!part.change_set) {
      const auto& request = part.requests.front();
      const auto inner = inner_request(call, request);
      ++state.operations[classify_target(inner.method, inner.target)];
      const auto reply = serve(state, inner, &context);
      const auto text = response_part(request, reply);
      if (reply.status >= 400 && !continue_on_error) return failure(text);
      body += "--" + batch_boundary + "\r\n" + text;
      continue;
    }
    const std::string change_boundary = "changesetresponse_" + state.store.new_id();
    std::string change_body;
    std::string failed;
    state.store.begin_change_set();
    for (const auto& request : part.requests) {
      const auto inner = inner_request(call, request);
      ++state.operations[classify_target(inner.method, inner.target)];
      server_reply reply;
      if (inner.method == "GET") {
        reply = error_reply(query_error(
            "The HTTP method 'GET' is invalid for a request in a change set. Only DELETE, PATCH, "
            "POST and PUT requests are allowed in a change set."));
      } else {
        context.entity_url.clear();
        reply = serve(state, inner, &context);
      }
      if (reply.status >= 400) {
        failed = response_part(request, reply);
        break;
      }
      if (!request.content_id.empty() && !context.entity_url.empty()) {
        context.content_ids["$" + request.content_id] = context.entity_url;
      }
      change_body += "--" + change_boundary + "\r\n" + response_part(request, reply);
    }
    if (!failed.empty()) {
      state.store.rollback_change_set();
      if (!continue_on_error) return failure(failed);
      body += "--" + batch_boundary + "\r\n" + failed;
      continue;
    }
    state.store.commit_change_set();
    body += "--" + batch_boundary +
            "\r\nContent-Type: multipart/mixed; boundary=" + change_boundary + "\r\n\r\n" +
            change_body + "--" + change_boundary + "--\r\n";
  }
  server_reply reply;
  reply.status = 200;
  reply.headers.push_back({"Content-Type", "multipart/mixed; boundary=" + batch_boundary});
  reply.headers.push_back({"OData-Version", "4.0"});
  if (continue_on_error) reply.headers.push_back({"Preference-Applied", "odata.continue-on-error"});
  reply.body = body + "--" + batch_boundary + "--\r\n";
  return reply;
}

}  // namespace switchboard::sandbox::dataverse
