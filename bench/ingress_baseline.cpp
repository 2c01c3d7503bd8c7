// The ingress benchmark's reference client: Beast coroutines over keep-alive TLS connections,
// the contact-to-profile mapping written out by hand.
#include "ingress_baseline.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <future>
#include <initializer_list>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

namespace switchboard::bench {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

/// "https://host:port/rest" → host, port and the rest ("" or "/…").
struct url_parts {
  std::string host;
  std::string port;
  std::string path;
};

url_parts split_url(std::string_view url) {
  constexpr std::string_view scheme = "https://";
  if (!url.starts_with(scheme)) throw std::runtime_error(fmt::format("not an https URL: {}", url));
  url.remove_prefix(scheme.size());
  const auto slash = url.find('/');
  const auto authority = url.substr(0, slash);
  const auto colon = authority.rfind(':');
  url_parts out;
  out.host = std::string(authority.substr(0, colon));
  out.port = colon == std::string_view::npos ? "443" : std::string(authority.substr(colon + 1));
  out.path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  return out;
}

std::string form_encode(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    for (const unsigned char c : value) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
  }
  return out;
}

/// One keep-alive TLS connection, opened on first use; one request at a time.
class connection {
 public:
  connection(net::any_io_executor executor, ssl::context& tls, url_parts origin)
      : stream_(std::move(executor), tls), origin_(std::move(origin)) {}

  net::any_io_executor executor() { return stream_.get_executor(); }

  net::awaitable<http::response<http::string_body>> exchange(
      http::request<http::string_body>& request) {
    auto& socket = beast::get_lowest_layer(stream_);
    if (!socket.socket().is_open()) co_await open();
    request.set(http::field::host, origin_.host + ":" + origin_.port);
    request.keep_alive(true);
    request.prepare_payload();
    socket.expires_after(std::chrono::seconds(60));
    auto [write_ec, written] = co_await http::async_write(stream_, request, tuple_awaitable);
    if (write_ec) throw std::runtime_error(fmt::format("write failed: {}", write_ec.message()));
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    auto [read_ec, read] = co_await http::async_read(stream_, buffer_, parser, tuple_awaitable);
    if (read_ec) throw std::runtime_error(fmt::format("read failed: {}", read_ec.message()));
    co_return parser.release();
  }

 private:
  net::awaitable<void> open() {
    auto& socket = beast::get_lowest_layer(stream_);
    tcp::resolver resolver(co_await net::this_coro::executor);
    auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(origin_.host, origin_.port, tuple_awaitable);
    if (resolve_ec) throw std::runtime_error(resolve_ec.message());
    socket.expires_after(std::chrono::seconds(10));
    auto [connect_ec, endpoint] = co_await socket.async_connect(endpoints, tuple_awaitable);
    if (connect_ec) throw std::runtime_error(fmt::format("connect: {}", connect_ec.message()));
    socket.socket().set_option(tcp::no_delay(true));
    SSL_set1_host(stream_.native_handle(), origin_.host.c_str());
    auto [handshake_ec] =
        co_await stream_.async_handshake(ssl::stream_base::client, tuple_awaitable);
    if (handshake_ec) throw std::runtime_error(fmt::format("TLS: {}", handshake_ec.message()));
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  url_parts origin_;
  beast::flat_buffer buffer_;
};

/// One page: the profile bodies of its rows and the link to the next page ("" on the last).
struct page {
  std::vector<std::string> profiles;
  std::string next_link;
};

/// contact-to-profile.json by hand: externalId = contactid, seven fields, gendercode 1/2/null
/// → male/female/unknown.
std::string profile_body(const json::object& row) {
  const auto field = [&row](std::string_view name) -> json::value {
    const auto* v = row.if_contains(name);
    return v == nullptr ? json::value(nullptr) : *v;
  };
  json::value gender = field("gendercode");
  if (gender.is_null()) {
    gender = "unknown";
  } else if (gender.is_int64() && gender.get_int64() == 1) {
    gender = "male";
  } else if (gender.is_int64() && gender.get_int64() == 2) {
    gender = "female";
  }
  json::object body;
  body.reserve(8);
  body["externalId"] = field("contactid");
  body["firstName"] = field("firstname");
  body["lastName"] = field("lastname");
  body["email"] = field("emailaddress1");
  body["phone"] = field("telephone1");
  body["birthDate"] = field("birthdate");
  body["gender"] = std::move(gender);
  body["blackListEmail"] = field("donotemail");
  return json::serialize(body);
}

/// CPU time the calling thread has used so far.
double own_cpu_seconds() {
  timespec used{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &used);
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

class client {
 public:
  /// `io_cpu` gets the CPU time of each I/O thread as it ends.
  client(const baseline_options& options, std::atomic<double>& io_cpu)
      : options_(options),
        dataverse_(split_url(options.dataverse_url)),
        campaign_(split_url(options.campaign_url)),
        tls_(ssl::context::tls_client),
        work_(net::make_work_guard(io_)) {
    tls_.load_verify_file(options.ca_file);
    tls_.set_verify_mode(ssl::verify_peer);
    for (unsigned i = 0; i < options.io_threads; ++i) {
      threads_.emplace_back([this, &io_cpu] {
        io_.run();
        io_cpu += own_cpu_seconds();
      });
    }
  }

  ~client() {
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  baseline_result run() {
    baseline_result result;
    const double caller_cpu_before = own_cpu_seconds();
    const auto started = clock_type::now();
    dataverse_token_ =
        token(options_.entra_url, fmt::format("/{}/oauth2/v2.0/token", options_.entra_tenant),
              form_encode({{"grant_type", "client_credentials"},
                           {"client_id", options_.entra_client_id},
                           {"client_secret", options_.entra_client_secret},
                           {"scope", options_.dataverse_url + "/.default"}}));
    campaign_token_ = token(options_.ims_url, "/ims/token/v3",
                            form_encode({{"grant_type", "client_credentials"},
                                         {"client_id", options_.ims_client_id},
                                         {"client_secret", options_.ims_client_secret},
                                         {"scope",
                                          "openid,AdobeID,campaign_sdk,"
                                          "additional_info.projectedProductContext"}}));
    reader_ = std::make_unique<connection>(net::make_strand(io_), tls_, dataverse_);
    for (std::size_t i = 0; i < options_.concurrency; ++i) {
      writers_.push_back(std::make_unique<connection>(net::make_strand(io_), tls_, campaign_));
    }
    auto next = fetch(
        fmt::format("{}/api/data/v9.2/contacts?$select={}", dataverse_.path, options_.select));
    for (;;) {
      page current = next.get();
      ++result.pages;
      result.rows += current.profiles.size();
      const bool last = current.next_link.empty();
      if (!last) next = fetch(split_url(current.next_link).path);
      result.created += write(current.profiles);
      if (last) break;
    }
    result.seconds = std::chrono::duration<double>(clock_type::now() - started).count();
    result.cpu_seconds = own_cpu_seconds() - caller_cpu_before;
    return result;
  }

 private:
  /// A client-credentials token from `base` + `path`, synchronously.
  std::string token(const std::string& base, const std::string& path, std::string form) {
    const auto origin = split_url(base);
    auto task = [&]() -> net::awaitable<std::string> {
      connection c(co_await net::this_coro::executor, tls_, origin);
      http::request<http::string_body> request{http::verb::post, origin.path + path, 11};
      request.set(http::field::content_type, "application/x-www-form-urlencoded");
      request.body() = std::move(form);
      const auto response = co_await c.exchange(request);
      if (response.result_int() != 200) {
        throw std::runtime_error(fmt::format("POST {}{} answered {}: {}", base, path,
                                             response.result_int(), response.body()));
      }
      co_return std::string(json::parse(response.body()).at("access_token").as_string());
    };
    return net::co_spawn(net::make_strand(io_), task(), net::use_future).get();
  }

  std::future<page> fetch(std::string target) {
    return net::co_spawn(reader_->executor(), read_page(std::move(target)), net::use_future);
  }

  net::awaitable<page> read_page(std::string target) {
    http::request<http::string_body> request{http::verb::get, target, 11};
    request.set(http::field::authorization, "Bearer " + dataverse_token_);
    request.set(http::field::accept, "application/json");
    request.set("OData-MaxVersion", "4.0");
    request.set("OData-Version", "4.0");
    request.set("Prefer",
                fmt::format("odata.track-changes,odata.maxpagesize={}", options_.page_size));
    const auto response = co_await reader_->exchange(request);
    if (response.result_int() != 200) {
      throw std::runtime_error(fmt::format("GET {} answered {}: {:.300}", target,
                                           response.result_int(), response.body()));
    }
    auto doc = json::parse(response.body());
    auto& body = doc.as_object();
    page out;
    const auto& rows = body.at("value").as_array();
    out.profiles.reserve(rows.size());
    for (const auto& row : rows) out.profiles.push_back(profile_body(row.as_object()));
    if (const auto* next = body.if_contains("@odata.nextLink"); next != nullptr) {
      out.next_link = std::string(next->as_string());
    } else if (body.if_contains("@odata.deltaLink") == nullptr) {
      throw std::runtime_error("the last page carries no @odata.deltaLink");
    }
    co_return out;
  }

  /// POSTs every profile, `concurrency` at a time; returns how many were created.
  std::size_t write(const std::vector<std::string>& profiles) {
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> created{0};
    std::latch done(static_cast<std::ptrdiff_t>(writers_.size()));
    std::mutex failure_mutex;
    std::exception_ptr failure;
    for (auto& w : writers_) {
      net::co_spawn(w->executor(), write_some(*w, profiles, next, created),
                    [&](const std::exception_ptr& e) {
                      if (e) {
                        std::lock_guard lock(failure_mutex);
                        if (!failure) failure = e;
                      }
                      done.count_down();
                    });
    }
    done.wait();
    if (failure) std::rethrow_exception(failure);
    return created.load();
  }

  net::awaitable<void> write_some(connection& c, const std::vector<std::string>& profiles,
                                  std::atomic<std::size_t>& next,
                                  std::atomic<std::size_t>& created) {
    const std::string target = campaign_.path + "/campaign/profileAndServicesExt/profile";
    for (std::size_t i = next++; i < profiles.size(); i = next++) {
      http::request<http::string_body> request{http::verb::post, target, 11};
      request.set(http::field::authorization, "Bearer " + campaign_token_);
      request.set("X-Api-Key", options_.ims_client_id);
      request.set(http::field::cache_control, "no-cache");
      request.set(http::field::accept, "application/json");
      request.set(http::field::content_type, "application/json");
      request.body() = profiles[i];
      const auto response = co_await c.exchange(request);
      if (response.result_int() != 201) {
        throw std::runtime_error(fmt::format("POST {} answered {}: {:.300}", target,
                                             response.result_int(), response.body()));
      }
      const auto doc = json::parse(response.body());
      const auto* pkey = doc.as_object().if_contains("PKey");
      if (pkey == nullptr || !pkey->is_string() || pkey->as_string().empty()) {
        throw std::runtime_error(fmt::format("POST {} answered without a PKey", target));
      }
      ++created;
    }
  }

  const baseline_options& options_;
  const url_parts dataverse_;
  const url_parts campaign_;
  net::io_context io_;
  ssl::context tls_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::string dataverse_token_;
  std::string campaign_token_;
  std::unique_ptr<connection> reader_;
  std::vector<std::unique_ptr<connection>> writers_;
};

}  // namespace

baseline_result run_baseline(const baseline_options& options) {
  std::atomic<double> io_cpu{0};
  baseline_result result;
  {
    client c(options, io_cpu);
    result = c.run();
  }  // the I/O threads end here and add their CPU time
  result.cpu_seconds += io_cpu.load();
  return result;
}

}  // namespace switchboard::bench
