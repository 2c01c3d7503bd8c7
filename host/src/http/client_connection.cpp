// The Beast side of the HTTP client: connect, TLS handshake with verification, write, read.
#include "client_connection.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>

namespace switchboard::host::http_detail {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t max_response_header = 64 * 1024;

clock::time_point op_deadline(std::chrono::milliseconds limit, clock::time_point total) noexcept {
  return std::min(clock::now() + limit, total);
}

bool is_closed_error(const error_code& ec) noexcept {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::connection_aborted || ec == net::error::broken_pipe ||
         ec == net::error::not_connected || ec == ssl::error::stream_truncated ||
         ec == http::error::end_of_stream;
}

// The socket has no strand of its own: every handler of an exchange (the composed operations'
// intermediate ones included) runs on the calling request's strand, and so does the deadline
// timer's, which therefore may close the socket without racing them.
class tls_connection final : public client_connection,
                             public std::enable_shared_from_this<tls_connection> {
 public:
  tls_connection(net::io_context& io, ssl::context& tls, const request_target& origin,
                 const connection_settings& settings, client_counters& counters)
      : stream_(io.get_executor(), tls),
        deadline_(io.get_executor()),
        host_(origin.host),
        port_(origin.port),
        host_is_address_(origin.host_is_address),
        settings_(settings),
        counters_(counters),
        last_used_(clock::now()) {}

  net::awaitable<attempt_result> exchange(const attempt_request& request) override {
    executor_ = co_await net::this_coro::executor;
    expired_ = false;
    attempt_result result = co_await exchange_here(request);
    disarm();
    if (expired_) result.reusable = false;  // the deadline closed it just as the answer came
    last_used_ = clock::now();
    co_return result;
  }

  clock::time_point last_used() const noexcept override { return last_used_; }

 private:
  // Closes the socket if `at` passes before disarm(); the pending operation then fails and
  // expired_ (sticky for the exchange) tells it was the deadline. disarm() runs on the same strand
  // as the handler, so a handler that still sees its generation belongs to the exchange in
  // progress.
  void arm(clock::time_point at) {
    const std::uint64_t armed = ++generation_;
    deadline_.expires_at(at);
    deadline_.async_wait(
        net::bind_executor(executor_, [self = shared_from_this(), armed](const error_code& ec) {
          if (ec || armed != self->generation_) return;
          self->expired_ = true;
          error_code ignored;
          beast::get_lowest_layer(self->stream_).close(ignored);
        }));
  }

  void disarm() {
    ++generation_;
    deadline_.cancel();
  }

  net::awaitable<attempt_result> exchange_here(const attempt_request& r) {
    const bool reused = connected_;
    if (!connected_) {
      attempt_result failed = co_await connect(r.deadline);
      if (failed.failure != attempt_failure::none) co_return failed;
      connected_ = true;
    }

    http::request<http::string_body> req;
    req.method_string(r.request->method);
    req.target(r.target->target);
    req.version(11);
    req.set(http::field::host, r.target->host_header);
    for (const auto& h : r.request->headers) {
      if (is_managed_header(h.name)) continue;
      if (!r.bearer_token.empty() && beast::iequals(h.name, "authorization")) continue;
      req.insert(h.name, h.value);
    }
    if (req.find(http::field::user_agent) == req.end()) {
      req.set(http::field::user_agent, "switchboard");
    }
    if (!r.bearer_token.empty()) {
      req.set(http::field::authorization, fmt::format("Bearer {}", r.bearer_token));
    }
    req.body() = r.request->body;
    req.prepare_payload();
    req.keep_alive(true);

    // One deadline for writing the request and reading the answer: a request is small next to
    // the socket's buffers, so its write takes no time the read timeout would miss, and every
    // re-arming of the timer costs a cancelled wait (a handler run) per request.
    arm(op_deadline(settings_.read_timeout, r.deadline));
    counters_.attempts.fetch_add(1, std::memory_order_relaxed);
    auto [wec, written] = co_await http::async_write(stream_, req, tuple_awaitable);
    if (wec) co_return io_failure(wec, reused, false, r.deadline);

    http::response_parser<http::string_body> parser;
    parser.header_limit(max_response_header);
    parser.body_limit(settings_.max_response_body);
    if (r.request->method == "HEAD") parser.skip(true);
    auto [rec, read] = co_await http::async_read(stream_, buffer_, parser, tuple_awaitable);
    if (rec) {
      co_return io_failure(rec, reused, parser.got_some() || buffer_.size() > 0, r.deadline);
    }

    attempt_result result;
    result.reusable = parser.keep_alive();
    auto message = parser.release();
    sdk::http_response response;
    response.status_code = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    response.body = std::move(message.body());
    result.response = std::move(response);
    co_return result;
  }

  net::awaitable<attempt_result> connect(clock::time_point total_deadline) {
    const auto deadline = op_deadline(settings_.connect_timeout, total_deadline);
    auto& socket = beast::get_lowest_layer(stream_);

    // The resolver has no deadline of its own: a timer cancels it.
    auto resolver = std::make_shared<tcp::resolver>(executor_);
    net::steady_timer guard(executor_);
    guard.expires_at(deadline);
    guard.async_wait([resolver](const error_code& ec) {
      if (!ec) resolver->cancel();
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(host_, port_, tuple_awaitable);
    guard.cancel();
    if (rec) {
      if (rec == net::error::operation_aborted) {
        co_return timeout_failure("resolving", total_deadline);
      }
      co_return failure(attempt_failure::connect,
                        fmt::format("cannot resolve {}: {}", host_, rec.message()));
    }

    arm(deadline);
    auto [cec, endpoint] = co_await net::async_connect(socket, endpoints, tuple_awaitable);
    if (cec) {
      if (expired_) co_return timeout_failure("connecting", total_deadline);
      co_return failure(attempt_failure::connect,
                        fmt::format("cannot connect to {}:{}: {}", host_, port_, cec.message()));
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);

    if (auto problem = prepare_tls(); !problem.empty()) {
      co_return failure(attempt_failure::tls, std::move(problem));
    }
    auto [hec] = co_await stream_.async_handshake(ssl::stream_base::client, tuple_awaitable);
    if (hec) co_return handshake_failure(hec, total_deadline);
    counters_.connections_opened.fetch_add(1, std::memory_order_relaxed);
    co_return attempt_result{};
  }

  // SNI for host names; the name or address the certificate must carry.
  std::string prepare_tls() {
    SSL* ssl = stream_.native_handle();
    // SSL_set_tlsext_host_name without its macro's C-style cast.
    if (!host_is_address_ && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                      const_cast<char*>(host_.c_str())) != 1) {
      return fmt::format("cannot set the tls server name {}", host_);
    }
    if (!settings_.verify_peer) return {};
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = host_is_address_ ? X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str())
                              : X509_VERIFY_PARAM_set1_host(param, host_.c_str(), host_.size());
    if (ok != 1) return fmt::format("cannot set the expected certificate name {}", host_);
    return {};
  }

  attempt_result handshake_failure(const error_code& ec, clock::time_point total_deadline) {
    if (expired_) return timeout_failure("the tls handshake", total_deadline);
    long verify = SSL_get_verify_result(stream_.native_handle());
    if (settings_.verify_peer && verify != X509_V_OK) {
      return failure(attempt_failure::tls_verify,
                     fmt::format("the server certificate of {} could not be verified: {}", host_,
                                 X509_verify_cert_error_string(verify)));
    }
    if (ec.category() == net::error::get_ssl_category()) {
      return failure(attempt_failure::tls,
                     fmt::format("tls handshake with {} failed: {}", host_, ec.message()));
    }
    return failure(attempt_failure::closed,
                   fmt::format("tls handshake with {} failed: {}", host_, ec.message()));
  }

  attempt_result io_failure(const error_code& ec, bool reused, bool got_some,
                            clock::time_point total_deadline) const {
    if (expired_) {
      return timeout_failure(got_some ? "reading the response" : "waiting for the response",
                             total_deadline);
    }
    if (ec == http::error::body_limit) {
      return failure(attempt_failure::body_limit,
                     fmt::format("the response body exceeds the limit of {} bytes",
                                 settings_.max_response_body));
    }
    if (ec == http::error::header_limit) {
      return failure(
          attempt_failure::malformed,
          fmt::format("the response header exceeds the limit of {} bytes", max_response_header));
    }
    if (ec == http::error::partial_message || (got_some && is_closed_error(ec))) {
      return failure(attempt_failure::truncated,
                     fmt::format("the connection closed before the response was complete "
                                 "(truncated response: {})",
                                 ec.message()));
    }
    if (is_closed_error(ec)) {
      attempt_result r = failure(attempt_failure::closed,
                                 fmt::format("the connection was closed: {}", ec.message()));
      r.stale = reused && !got_some;
      return r;
    }
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {
      return failure(attempt_failure::malformed,
                     fmt::format("malformed response: {}", ec.message()));
    }
    return failure(attempt_failure::closed, fmt::format("the connection failed: {}", ec.message()));
  }

  static attempt_result timeout_failure(std::string_view during, clock::time_point total_deadline) {
    attempt_result r = failure(attempt_failure::timeout, fmt::format("timed out {}", during));
    r.total_deadline = clock::now() >= total_deadline;
    return r;
  }

  static attempt_result failure(attempt_failure kind, std::string cause) {
    attempt_result r;
    r.failure = kind;
    r.cause = std::move(cause);
    return r;
  }

  beast::ssl_stream<tcp::socket> stream_;
  net::steady_timer deadline_;
  net::any_io_executor executor_;  // the strand of the request using the connection
  // Atomic because a stale timer handler may still read it on the previous user's strand.
  std::atomic<std::uint64_t> generation_{0};
  bool expired_ = false;
  beast::flat_buffer buffer_;
  std::string host_;
  std::string port_;
  bool host_is_address_;
  connection_settings settings_;
  client_counters& counters_;
  bool connected_ = false;
  clock::time_point last_used_;
};

}  // namespace

std::shared_ptr<client_connection> make_client_connection(net::io_context& io, ssl::context& tls,
                                                          const request_target& origin,
                                                          const connection_settings& settings,
                                                          client_counters& counters) {
  return std::make_shared<tls_connection>(io, tls, origin, settings, counters);
}

}  // namespace switchboard::host::http_detail
