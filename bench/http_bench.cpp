// Requests/s of the host HTTPS client next to a minimal hand-written Beast client, same server.
#include "sandbox/tls_identity.hpp"
#include "switchboard/host/http_client.hpp"
#include "switchboard/host/http_server.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
namespace host = switchboard::host;
namespace sdk = switchboard::sdk;
namespace sandbox = switchboard::sandbox;

constexpr std::size_t in_flight = 16;
constexpr unsigned io_threads = 2;
constexpr std::size_t requests_per_round = 4000;
// Paired rounds, alternating which client goes first, so both see the same background load.
constexpr int rounds = 9;
constexpr double target_ratio = 0.8;

std::string json_kilobyte() {
  std::string body = R"({"value":[)";
  for (int i = 0; body.size() < 960; ++i) {
    body +=
        fmt::format(R"({}{{"contactid":"{:08d}","fullname":"Contact {}"}})", i ? "," : "", i, i);
  }
  body += "]}";
  return body;
}

// The host client: send_many with 16 in flight over its keep-alive pool.
double host_client_rate(host::https_client& client, const std::string& url) {
  sdk::http_request request;
  request.url = url;
  std::vector<sdk::http_request> requests(requests_per_round, request);
  const auto started = clock_type::now();
  auto outcomes = client.send_many(requests, in_flight);
  const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  for (const auto& o : outcomes) {
    if (!o.result || o.response.status_code != 200) {
      throw std::runtime_error(fmt::format("host client request failed: {}", o.result.message()));
    }
  }
  return static_cast<double>(requests.size()) / seconds;
}

// The reference: 16 keep-alive connections, each doing sequential GETs, nothing else.
class beast_reference {
 public:
  beast_reference(const std::string& ca_file, std::uint16_t port)
      : tls_(ssl::context::tls_client), port_(port) {
    tls_.load_verify_file(ca_file);
    tls_.set_verify_mode(ssl::verify_peer);
    for (std::size_t i = 0; i < in_flight; ++i) {
      streams_.push_back(std::make_unique<stream>(net::make_strand(io_), tls_));
    }
  }

  double rate() {
    std::atomic<std::size_t> failures{0};
    std::latch done(static_cast<std::ptrdiff_t>(streams_.size()));
    const std::size_t each = requests_per_round / streams_.size();
    const auto started = clock_type::now();
    for (auto& s : streams_) {
      net::co_spawn(s->get_executor(), run(*s, each, failures),
                    [&done](const std::exception_ptr&) { done.count_down(); });
    }
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < io_threads; ++i) threads.emplace_back([this] { io_.run(); });
    for (auto& t : threads) t.join();
    done.wait();
    io_.restart();
    const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
    if (failures > 0) throw std::runtime_error("reference client requests failed");
    return static_cast<double>(each * streams_.size()) / seconds;
  }

 private:
  using stream = beast::ssl_stream<beast::tcp_stream>;

  net::awaitable<void> run(stream& s, std::size_t count, std::atomic<std::size_t>& failures) {
    auto& socket = beast::get_lowest_layer(s);
    if (!socket.socket().is_open()) {
      auto [ec] =
          co_await socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
                                        net::as_tuple(net::use_awaitable));
      socket.socket().set_option(tcp::no_delay(true));
      SSL_set1_host(s.native_handle(), "127.0.0.1");
      auto [hec] =
          co_await s.async_handshake(ssl::stream_base::client, net::as_tuple(net::use_awaitable));
      if (ec || hec) {
        ++failures;
        co_return;
      }
    }
    beast::flat_buffer buffer;
    http::request<http::empty_body> req{http::verb::get, "/bench", 11};
    req.set(http::field::host, fmt::format("127.0.0.1:{}", port_));
    req.keep_alive(true);
    for (std::size_t i = 0; i < count; ++i) {
      socket.expires_after(std::chrono::seconds(30));
      auto [wec, w] = co_await http::async_write(s, req, net::as_tuple(net::use_awaitable));
      http::response<http::string_body> res;
      auto [rec, r] = co_await http::async_read(s, buffer, res, net::as_tuple(net::use_awaitable));
      if (wec || rec || res.result_int() != 200) {
        ++failures;
        co_return;
      }
    }
  }

  net::io_context io_;
  ssl::context tls_;
  std::uint16_t port_;
  std::vector<std::unique_ptr<stream>> streams_;
};

}  // namespace

int main() {
  try {
    const auto dir = std::filesystem::temp_directory_path() /
                     fmt::format("switchboard-http-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);
    const auto ca_file = (dir / "ca.pem").string();
    const auto identity = sandbox::tls_identity::generate();
    identity.write_ca(ca_file);

    const std::string body = json_kilobyte();
    host::https_server server(identity.credentials(), [&body](const host::server_request&) {
      host::server_reply reply;
      reply.body = body;
      reply.headers.push_back({"Content-Type", "application/json"});
      return reply;
    });
    const std::string url = server.base_url() + "/bench";

    host::http_client_options options;
    options.ca_file = ca_file;
    options.io_threads = io_threads;
    options.max_connections_per_origin = in_flight;
    auto client = host::make_http_client(options, nullptr);
    beast_reference reference(ca_file, server.port());

    // Warm-up: connections and TLS sessions established on both sides.
    host_client_rate(*client, url);
    reference.rate();

    std::vector<double> host_rates;
    std::vector<double> reference_rates;
    std::vector<double> ratios;
    for (int i = 0; i < rounds; ++i) {
      double host_rate = 0;
      double reference_rate = 0;
      if (i % 2 == 0) {
        host_rate = host_client_rate(*client, url);
        reference_rate = reference.rate();
      } else {
        reference_rate = reference.rate();
        host_rate = host_client_rate(*client, url);
      }
      host_rates.push_back(host_rate);
      reference_rates.push_back(reference_rate);
      ratios.push_back(host_rate / reference_rate);
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double ratio = median(ratios);
    fmt::print(
        "http_bench: {} requests/round, {} in flight, {} io threads, {}-byte JSON body, "
        "medians of {} paired rounds\n",
        requests_per_round, in_flight, io_threads, body.size(), rounds);
    fmt::print("  host client (send_many):     {:>9.0f} requests/s\n", median(host_rates));
    fmt::print("  hand-written Beast client:   {:>9.0f} requests/s\n", median(reference_rates));
    fmt::print("  ratio (median of per-round ratios): {:.2f} (target >= {:.2f}) {}\n", ratio,
               target_ratio, ratio >= target_ratio ? "ok" : "MISSED");
    std::filesystem::remove_all(dir);
    return ratio >= target_ratio ? EXIT_SUCCESS : EXIT_FAILURE;
  } catch (const std::exception& e) {
    fmt::print(stderr, "http_bench: {}\n", e.what());
    return EXIT_FAILURE;
  }
}
