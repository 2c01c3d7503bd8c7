// Shared emulator helpers: the token registry, JSON replies and query-string decoding.
#include "sandbox/emulator.hpp"

#include <openssl/rand.h>
#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace switchboard::sandbox {
namespace {

std::string random_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token = "sbx.";
  for (unsigned char b : bytes) token += alphabet[b & 63];
  return token;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string token_registry::issue(std::string client_id, std::string audience,
                                  std::chrono::seconds lifetime) {
  std::string token = random_token();
  std::lock_guard lock(mutex_);
  tokens_[token] =
      grant{std::move(client_id), std::move(audience), std::chrono::system_clock::now() + lifetime};
  ++issued_;
  return token;
}

std::optional<token_registry::grant> token_registry::check(std::string_view token) const {
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(token);
  if (it == tokens_.end() || it->second.expires <= std::chrono::system_clock::now()) {
    return std::nullopt;
  }
  return it->second;
}

void token_registry::expire_all() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::system_clock::now();
  for (auto& [token, g] : tokens_) g.expires = now;
}

std::size_t token_registry::issued() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

server_reply json_reply(int status, const boost::json::value& body) {
  server_reply reply;
  reply.status = status;
  reply.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  reply.body = boost::json::serialize(body);
  return reply;
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(percent_decode(part), "");
    } else {
      out.emplace_back(percent_decode(part.substr(0, eq)), percent_decode(part.substr(eq + 1)));
    }
  }
  return out;
}

std::string bearer_token(const server_request& request) {
  const auto* auth = request.header("Authorization");
  if (auth == nullptr) return {};
  constexpr std::string_view prefix = "Bearer ";
  if (auth->size() <= prefix.size()) return {};
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (sdk::http_response::ascii_lower((*auth)[i]) != sdk::http_response::ascii_lower(prefix[i])) {
      return {};
    }
  }
  return auth->substr(prefix.size());
}

}  // namespace switchboard::sandbox
