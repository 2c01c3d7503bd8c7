// The HTTPS server: Beast over OpenSSL, one coroutine per connection on a small io pool.
#include "switchboard/host/http_server.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <mutex>
#include <thread>

namespace switchboard::host {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (sdk::http_response::ascii_lower(a[i]) != sdk::http_response::ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::string* server_request::header(std::string_view name) const noexcept {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::string_view server_request::path() const noexcept {
  const std::string_view t(target);
  return t.substr(0, t.find('?'));
}

std::string_view server_request::query() const noexcept {
  const std::string_view t(target);
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

server_reply& server_reply::with_header(std::string name, std::string value) {
  headers.push_back({std::move(name), std::move(value)});
  return *this;
}

struct https_server::impl {
  // Order matters: connections (coroutine frames owned by io) use tls and handler, so those
  // are declared first and destroyed last.
  request_handler handler;
  server_options options;
  std::once_flag stopped;
  ssl::context tls{ssl::context::tls_server};
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      // Answers are written in one go; Nagle would hold back their last segment ~40 ms.
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      net::co_spawn(io, serve(std::move(socket)), net::detached);
    }
  }

  server_reply call_handler(const server_request& request) {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      server_reply reply;
      reply.status = 500;
      reply.body = fmt::format("handler failed: {}", e.what());
      reply.headers.push_back({"Content-Type", "text/plain"});
      return reply;
    }
  }

  static server_request to_request(const http::request<http::string_body>& req,
                                   const std::string& remote) {
    server_request out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    for (const auto& field : req) {
      out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body = req.body();
    out.remote = remote;
    return out;
  }

  /// Headers, then half the body, for reply_fault::truncate_body.
  static std::string truncated_wire(const server_reply& reply) {
    std::string wire =
        fmt::format("HTTP/1.1 {} {}\r\n", reply.status,
                    std::string(http::obsolete_reason(static_cast<http::status>(reply.status))));
    for (const auto& h : reply.headers) wire += h.name + ": " + h.value + "\r\n";
    wire += fmt::format("Content-Length: {}\r\nConnection: close\r\n\r\n", reply.body.size());
    wire += reply.body.substr(0, reply.body.size() / 2);
    return wire;
  }

  net::awaitable<void> serve(tcp::socket socket) {
    std::string remote;
    {
      boost::system::error_code ec;
      const auto endpoint = socket.remote_endpoint(ec);
      if (!ec) remote = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    tcp::socket* raw = &beast::get_lowest_layer(stream).socket();

    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    auto [hs_ec] = co_await stream.async_handshake(ssl::stream_base::server,
                                                   net::as_tuple(net::use_awaitable));
    if (hs_ec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_request_body);
      beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
      auto [read_ec, read_bytes] =
          co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
      if (read_ec) co_return;
      const auto& req = parser.get();
      const server_reply reply = call_handler(to_request(req, remote));
      if (reply.delay.count() > 0) {
        net::steady_timer timer(co_await net::this_coro::executor);
        timer.expires_after(reply.delay);
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
      }
      if (reply.fault == reply_fault::reset) {
        boost::system::error_code ignored;
        raw->set_option(net::socket_base::linger(true, 0), ignored);
        raw->close(ignored);
        co_return;
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
      if (reply.fault == reply_fault::truncate_body) {
        const std::string wire = truncated_wire(reply);
        co_await net::async_write(stream, net::buffer(wire), net::as_tuple(net::use_awaitable));
        boost::system::error_code ignored;
        raw->close(ignored);
        co_return;
      }
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      for (const auto& h : reply.headers) res.insert(h.name, h.value);
      res.body() = reply.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [write_ec, written] =
          co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
      if (write_ec || !res.keep_alive()) break;
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await stream.async_shutdown(net::as_tuple(net::use_awaitable));
  }
};

https_server::https_server(const tls_credentials& tls, request_handler handler,
                           server_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->handler = std::move(handler);
  impl_->options = std::move(options);
  try {
    impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
    impl_->tls.use_certificate_chain(net::buffer(tls.certificate_chain_pem));
    impl_->tls.use_private_key(net::buffer(tls.private_key_pem), ssl::context::pem);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("https server: invalid TLS credentials: {}", e.what()));
  }
  const auto address = net::ip::make_address(impl_->options.address);
  const tcp::endpoint endpoint(address, impl_->options.port);
  try {
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("https server: cannot listen on {}:{}: {}",
                                         impl_->options.address, impl_->options.port, e.what()));
  }
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  const unsigned threads = std::max(1u, impl_->options.threads);
  for (unsigned i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

https_server::~https_server() { stop(); }

std::uint16_t https_server::port() const noexcept {
  boost::system::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::string https_server::base_url() const {
  return fmt::format("https://{}:{}", impl_->options.address, port());
}

void https_server::stop() {
  // Stopping the io_context abandons every connection; their coroutine frames (and sockets)
  // are destroyed with it.
  std::call_once(impl_->stopped, [this] {
    impl_->io.stop();
    for (auto& t : impl_->threads) t.join();
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
}

}  // namespace switchboard::host
