// An HTTPS server (Boost.Beast + OpenSSL) that hands each request to a handler function.
#pragma once

#include "switchboard/sdk/http.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::host {

/// A request as the handler sees it: the whole body read, header names as sent.
struct server_request {
  std::string method;  ///< "GET", "POST", …
  std::string target;  ///< path and query as sent, e.g. "/api/data/v9.2/contacts?$top=5"
  std::vector<sdk::http_header> headers;
  std::string body;
  std::string remote;  ///< peer address "ip:port"

  /// The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const noexcept;
  /// The target before '?', percent-decoding NOT applied.
  std::string_view path() const noexcept;
  /// The target after '?', or "".
  std::string_view query() const noexcept;
};

/// Something a handler may ask the server to do instead of (or to) a well-formed response;
/// used by emulators to inject faults.
enum class reply_fault : std::uint8_t {
  none,
  reset,          ///< close the TCP connection without answering
  truncate_body,  ///< send the headers with the full Content-Length, half the body, then close
};

/// What the handler answers. The server adds Content-Length and Connection.
struct server_reply {
  int status = 200;
  std::vector<sdk::http_header> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  ///< wait before answering (does not block other requests)
  reply_fault fault = reply_fault::none;

  /// Adds a header; returns *this for chaining.
  server_reply& with_header(std::string name, std::string value);
};

/// Handles one request. Called concurrently from the server's threads: must be thread-safe.
/// An exception becomes a 500 with the message as a plain-text body.
using request_handler = std::function<server_reply(const server_request&)>;

/// Certificate chain and private key in PEM.
struct tls_credentials {
  std::string certificate_chain_pem;
  std::string private_key_pem;
};

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: the system picks one; see https_server::port()
  unsigned threads = 2;
  std::size_t max_request_body = 64u << 20;
  std::chrono::seconds idle_timeout{30};  ///< keep-alive connections idle longer are closed
};

/// Listens on construction, serves on its own threads until stop() or destruction.
/// Connections are kept alive (HTTP/1.1) and served one request at a time each.
class https_server {
 public:
  /// Throws std::runtime_error when the credentials are invalid or the address cannot be bound.
  https_server(const tls_credentials& tls, request_handler handler, server_options options = {});
  ~https_server();
  https_server(const https_server&) = delete;
  https_server& operator=(const https_server&) = delete;

  /// The bound port.
  std::uint16_t port() const noexcept;
  /// "https://127.0.0.1:<port>"
  std::string base_url() const;
  /// Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace switchboard::host
