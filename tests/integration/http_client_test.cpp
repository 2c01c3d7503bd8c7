// The host HTTPS client against host::https_server over real TLS on loopback.
#include "switchboard/host/http_client.hpp"
#include "sandbox/tls_identity.hpp"
#include "support/test_support.hpp"
#include "switchboard/host/http_server.hpp"
#include "switchboard/host/metrics.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace switchboard::test {
namespace {

namespace net = boost::asio;
using host::server_reply;
using host::server_request;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using clock = std::chrono::steady_clock;

// What the server saw: request count, distinct client connections, arrival times.
class server_log {
 public:
  void note(const server_request& r) {
    std::lock_guard lock(mutex_);
    remotes_.insert(r.remote);
    arrivals_.push_back(clock::now());
  }
  std::size_t requests() const {
    std::lock_guard lock(mutex_);
    return arrivals_.size();
  }
  std::size_t connections() const {
    std::lock_guard lock(mutex_);
    return remotes_.size();
  }
  std::vector<clock::time_point> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> remotes_;
  std::vector<clock::time_point> arrivals_;
};

// A token provider that hands out "t1", then "t2" after invalidate(), and counts calls.
class counting_tokens final : public sdk::token_provider {
 public:
  sdk::status get(std::string& token) override {
    gets.fetch_add(1);
    token = fmt::format("t{}", invalidations.load() + 1);
    return sdk::status::ok();
  }
  void invalidate() override { invalidations.fetch_add(1); }
  std::atomic<int> gets{0};
  std::atomic<int> invalidations{0};
};

// Accepts TLS connections and answers every request with the same raw bytes, for answers the
// real server cannot produce.
class raw_tls_server {
 public:
  raw_tls_server(const sandbox::tls_identity& identity, std::string answer)
      : answer_(std::move(answer)) {
    tls_.use_certificate_chain(net::buffer(identity.server_certificate_pem));
    tls_.use_private_key(net::buffer(identity.server_private_key_pem), net::ssl::context::pem);
    acceptor_.open(net::ip::tcp::v4());
    acceptor_.bind({net::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~raw_tls_server() {
    stopping_ = true;
    boost::system::error_code ignored;
    net::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url(std::string_view path) const {
    return fmt::format("https://127.0.0.1:{}{}", acceptor_.local_endpoint().port(), path);
  }

 private:
  void serve() {
    while (!stopping_) {
      net::ssl::stream<net::ip::tcp::socket> stream(io_, tls_);
      boost::system::error_code ec;
      acceptor_.accept(stream.next_layer(), ec);
      if (ec || stopping_) return;
      stream.handshake(net::ssl::stream_base::server, ec);
      if (ec) continue;
      net::streambuf request;
      net::read_until(stream, request, "\r\n\r\n", ec);
      if (ec) continue;
      net::write(stream, net::buffer(answer_), ec);
      stream.shutdown(ec);
    }
  }

  std::string answer_;
  net::io_context io_;
  net::ssl::context tls_{net::ssl::context::tls_server};
  net::ip::tcp::acceptor acceptor_{io_};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class HttpClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<temp_dir>();
    identity_ = sandbox::tls_identity::generate();
    identity_.write_ca(*dir_ / "ca.pem");
  }
  static void TearDownTestSuite() { dir_.reset(); }

  void serve(host::request_handler handler, unsigned threads = 2) {
    host::server_options o;
    o.threads = threads;
    server_ = std::make_unique<host::https_server>(
        identity_.credentials(),
        [this, handler = std::move(handler)](const server_request& r) {
          log_.note(r);
          return handler(r);
        },
        o);
  }

  static host::http_client_options fast_options() {
    host::http_client_options o;
    o.ca_file = (*dir_ / "ca.pem").string();
    o.retry.initial_backoff = milliseconds(10);
    o.retry.max_backoff = milliseconds(40);
    o.connect_timeout = milliseconds(5000);
    o.read_timeout = milliseconds(5000);
    return o;
  }

  std::unique_ptr<host::https_client> client(const host::http_client_options& o = fast_options()) {
    return host::make_http_client(o, &metrics_);
  }

  std::string url(std::string_view path) const { return server_->base_url() + std::string(path); }

  static sdk::http_request get(std::string url) {
    sdk::http_request r;
    r.url = std::move(url);
    r.timeout = milliseconds(10000);
    return r;
  }

  static server_reply ok(std::string body = "{}") {
    server_reply r;
    r.body = std::move(body);
    r.headers.push_back({"Content-Type", "application/json"});
    return r;
  }

  static server_reply status(int code) {
    server_reply r;
    r.status = code;
    return r;
  }

  static inline std::unique_ptr<temp_dir> dir_;
  static inline sandbox::tls_identity identity_;
  server_log log_;
  host::metrics_registry metrics_;
  std::unique_ptr<host::https_server> server_;
};

TEST_F(HttpClient, GetsAResponse) {
  serve([](const server_request& r) { return ok(fmt::format("{} {}", r.method, r.target)); });
  auto c = client();
  auto x = c->send(get(url("/a/b?c=d%20e")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 200);
  EXPECT_EQ(x.response.body, "GET /a/b?c=d%20e");
  ASSERT_NE(x.response.header("content-type"), nullptr);
  EXPECT_EQ(*x.response.header("content-type"), "application/json");
}

TEST_F(HttpClient, SendsMethodHeadersAndBody) {
  serve([](const server_request& r) {
    const std::string* prefer = r.header("Prefer");
    const std::string* length = r.header("Content-Length");
    return ok(fmt::format("{}|{}|{}|{}", r.method, prefer ? *prefer : "-", length ? *length : "-",
                          r.body));
  });
  auto c = client();
  sdk::http_request r = get(url("/items"));
  r.method = "PATCH";
  r.headers = {{"Prefer", "return=representation"}, {"Content-Length", "999"}};
  r.body = R"({"a":1})";
  auto x = c->send(r);
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.body, R"(PATCH|return=representation|7|{"a":1})");
}

TEST_F(HttpClient, VerificationFailsWhenTheCaIsNotTrusted) {
  serve([](const server_request&) { return ok(); });
  auto other = sandbox::tls_identity::generate();
  other.write_ca(*dir_ / "other-ca.pem");
  auto o = fast_options();
  o.ca_file = (*dir_ / "other-ca.pem").string();
  auto c = client(o);
  auto x = c->send(get(url("/")));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(x.result.message(), HasSubstr("certificate of 127.0.0.1 could not be verified"));
  EXPECT_EQ(log_.requests(), 0u);
  EXPECT_EQ(c->stats().retries, 0u);
}

TEST_F(HttpClient, VerificationFailsWhenTheHostNameDoesNotMatch) {
  auto elsewhere = sandbox::tls_identity::generate({"elsewhere.invalid"}, {"192.0.2.7"});
  elsewhere.write_ca(*dir_ / "elsewhere-ca.pem");
  server_ = std::make_unique<host::https_server>(elsewhere.credentials(),
                                                 [](const server_request&) { return ok(); });
  auto o = fast_options();
  o.ca_file = (*dir_ / "elsewhere-ca.pem").string();
  auto c = client(o);
  auto x = c->send(get(url("/")));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(x.result.message(), HasSubstr("could not be verified"));
  EXPECT_THAT(x.result.message(), HasSubstr("mismatch"));
}

TEST_F(HttpClient, VerifiesAHostNameWithSni) {
  serve([](const server_request& r) { return ok(*r.header("Host")); });
  auto c = client();
  auto x = c->send(get(fmt::format("https://localhost:{}/", server_->port())));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.body, fmt::format("localhost:{}", server_->port()));
}

TEST_F(HttpClient, ReusesKeepAliveConnections) {
  serve([](const server_request&) { return ok(); });
  auto c = client();
  for (int i = 0; i < 10; ++i) {
    auto x = c->send(get(url("/")));
    ASSERT_TRUE(x.result) << x.result.message();
  }
  EXPECT_EQ(log_.requests(), 10u);
  EXPECT_EQ(log_.connections(), 1u);
  EXPECT_EQ(c->stats().connections_opened, 1u);
}

TEST_F(HttpClient, BoundsConnectionsPerOrigin) {
  serve([](const server_request&) {
    server_reply r = ok();
    r.delay = milliseconds(5);
    return r;
  });
  auto o = fast_options();
  o.max_connections_per_origin = 3;
  auto c = client(o);
  std::vector<sdk::http_request> requests(30, get(url("/")));
  auto outcomes = c->send_many(requests, 16);
  for (const auto& x : outcomes) ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_LE(log_.connections(), 3u);
  EXPECT_LE(c->stats().connections_opened, 3u);
}

TEST_F(HttpClient, HonoursRetryAfterOn429) {
  std::atomic<int> calls{0};
  serve([&](const server_request&) {
    if (calls++ == 0) return status(429).with_header("Retry-After", "1");
    return ok();
  });
  auto c = client();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 200);
  auto arrivals = log_.arrivals();
  ASSERT_EQ(arrivals.size(), 2u);
  auto waited = arrivals[1] - arrivals[0];
  EXPECT_GE(waited, milliseconds(990)) << fmt::format("{}", waited);
  EXPECT_LT(waited, milliseconds(2000)) << fmt::format("{}", waited);
  EXPECT_EQ(c->stats().retries, 1u);
}

TEST_F(HttpClient, HonoursRetryAfterAsHttpDate) {
  std::atomic<int> calls{0};
  serve([&](const server_request&) {
    if (calls++ > 0) return ok();
    auto at = std::chrono::system_clock::now() + std::chrono::seconds(2);
    return status(503).with_header("Retry-After",
                                   fmt::format("{:%a, %d %b %Y %H:%M:%S} GMT", fmt::gmtime(at)));
  });
  auto c = client();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 200);
  auto arrivals = log_.arrivals();
  ASSERT_EQ(arrivals.size(), 2u);
  // The date has whole seconds: the wait is between one and two seconds, less the time the
  // answer took; the 10–40 ms backoff would be far shorter.
  EXPECT_GE(arrivals[1] - arrivals[0], milliseconds(500));
  EXPECT_LT(arrivals[1] - arrivals[0], milliseconds(3000));
}

TEST_F(HttpClient, ReturnsA429WhoseRetryAfterIsTooLong) {
  serve([](const server_request&) { return status(429).with_header("Retry-After", "3600"); });
  auto c = client();
  const auto started = clock::now();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 429);
  EXPECT_EQ(log_.requests(), 1u);
  EXPECT_LT(clock::now() - started, milliseconds(1000));
}

TEST_F(HttpClient, Retries503ThenSucceeds) {
  std::atomic<int> calls{0};
  serve([&](const server_request&) { return calls++ == 0 ? status(503) : ok("done"); });
  auto c = client();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 200);
  EXPECT_EQ(x.response.body, "done");
  EXPECT_EQ(log_.requests(), 2u);
}

TEST_F(HttpClient, Retries500UpToMaxAttemptsThenReturnsIt) {
  serve([](const server_request&) { return status(500); });
  auto c = client();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 500);
  EXPECT_EQ(log_.requests(), 4u);
  EXPECT_EQ(c->stats().retries, 3u);
  const host::metric_labels labels{"", server_->base_url(), "5xx"};
  EXPECT_EQ(metrics_.value("http_client_requests_total", labels), 1);
  EXPECT_EQ(metrics_.value("http_client_retries_total", {"", server_->base_url(), ""}), 3);
  EXPECT_EQ(metrics_.value("http_client_request_seconds", {"", server_->base_url(), ""}), 1);
}

TEST_F(HttpClient, DoesNotRetry404) {
  serve([](const server_request&) { return status(404); });
  auto c = client();
  auto x = c->send(get(url("/missing")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 404);
  EXPECT_EQ(log_.requests(), 1u);
  EXPECT_EQ(metrics_.value("http_client_requests_total", {"", server_->base_url(), "4xx"}), 1);
}

TEST_F(HttpClient, RetriesAReset) {
  std::atomic<int> calls{0};
  serve([&](const server_request&) {
    server_reply r = ok("after reset");
    if (calls++ == 0) r.fault = host::reply_fault::reset;
    return r;
  });
  auto c = client();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.body, "after reset");
  EXPECT_EQ(log_.requests(), 2u);
  EXPECT_EQ(c->stats().retries, 1u);
}

TEST_F(HttpClient, ReplacesAStaleKeepAliveConnectionAtOnce) {
  std::atomic<int> calls{0};
  serve([&](const server_request&) {
    server_reply r = ok();
    if (calls++ == 1) r.fault = host::reply_fault::reset;
    return r;
  });
  auto o = fast_options();
  o.retry.initial_backoff = milliseconds(5000);
  o.retry.max_backoff = milliseconds(5000);
  auto c = client(o);
  ASSERT_TRUE(c->send(get(url("/"))).result);
  const auto started = clock::now();
  auto x = c->send(get(url("/")));
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_LT(clock::now() - started, milliseconds(2000));
  EXPECT_EQ(c->stats().stale_replaced, 1u);
  EXPECT_EQ(c->stats().retries, 0u);
  EXPECT_EQ(log_.connections(), 2u);
}

TEST_F(HttpClient, ReportsATruncatedBody) {
  serve([](const server_request&) {
    server_reply r = ok(std::string(4000, 'x'));
    r.fault = host::reply_fault::truncate_body;
    return r;
  });
  auto c = client();
  auto x = c->send(get(url("/t")));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::retryable);
  EXPECT_THAT(x.result.message(), HasSubstr("GET " + url("/t") + " failed after 4 attempts"));
  EXPECT_THAT(x.result.message(), HasSubstr("truncated response"));
}

TEST_F(HttpClient, ReportsAGarbageResponse) {
  raw_tls_server raw(identity_, "this is not http\r\n\r\n");
  auto c = client();
  auto x = c->send(get(raw.url("/g")));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(x.result.message(), HasSubstr("malformed response"));
  EXPECT_THAT(x.result.message(), HasSubstr(raw.url("/g")));
}

TEST_F(HttpClient, ReportsAContentLengthLongerThanTheBody) {
  raw_tls_server raw(identity_, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  auto c = client();
  auto x = c->send(get(raw.url("/short")));
  ASSERT_FALSE(x.result);
  EXPECT_THAT(x.result.message(), HasSubstr("truncated response"));
}

TEST_F(HttpClient, EnforcesTheResponseBodyLimit) {
  serve([](const server_request&) { return ok(std::string(4096, 'x')); });
  auto o = fast_options();
  o.max_response_body = 1024;
  auto c = client(o);
  auto x = c->send(get(url("/big")));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(x.result.message(), HasSubstr("limit of 1024 bytes"));
  EXPECT_THAT(x.result.message(), HasSubstr(url("/big")));
  EXPECT_EQ(log_.requests(), 1u);
}

TEST_F(HttpClient, EnforcesTheTotalTimeout) {
  serve([](const server_request&) {
    server_reply r = ok();
    r.delay = milliseconds(3000);
    return r;
  });
  auto c = client();
  auto r = get(url("/slow"));
  r.timeout = milliseconds(300);
  const auto started = clock::now();
  auto x = c->send(r);
  const auto took = clock::now() - started;
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::retryable);
  EXPECT_THAT(x.result.message(), HasSubstr("timed out"));
  EXPECT_THAT(x.result.message(), HasSubstr("300 ms"));
  EXPECT_GE(took, milliseconds(290));
  EXPECT_LT(took, milliseconds(1500));
}

TEST_F(HttpClient, SendManyIsConcurrentAndKeepsOrder) {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int most_inside = 0;
  serve([&](const server_request& r) {
    std::unique_lock lock(mutex);
    most_inside = std::max(most_inside, ++inside);
    changed.notify_all();
    // Hold the first requests until a second one is in a handler at the same time.
    changed.wait_for(lock, std::chrono::seconds(2), [&] { return most_inside >= 2; });
    --inside;
    return ok(std::string(r.query()));
  });
  auto c = client();
  std::vector<sdk::http_request> requests;
  for (int i = 0; i < 100; ++i) requests.push_back(get(url(fmt::format("/n?{}", i))));
  auto outcomes = c->send_many(requests, 16);
  ASSERT_EQ(outcomes.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(outcomes[i].result) << outcomes[i].result.message();
    EXPECT_EQ(outcomes[i].response.body, std::to_string(i));
  }
  EXPECT_GE(most_inside, 2);
  EXPECT_LE(log_.connections(), 16u);
}

TEST_F(HttpClient, RenewsTheTokenOnceAfter401) {
  serve([](const server_request& r) {
    const std::string* auth = r.header("Authorization");
    if (auth && *auth == "Bearer t2") return ok("welcome");
    return status(401);
  });
  auto c = client();
  counting_tokens tokens;
  auto r = get(url("/secure"));
  r.authorization = &tokens;
  auto x = c->send(r);
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.body, "welcome");
  EXPECT_EQ(tokens.invalidations.load(), 1);
  EXPECT_EQ(log_.requests(), 2u);
  EXPECT_EQ(c->stats().token_refreshes, 1u);
}

TEST_F(HttpClient, Returns401WhenTheRenewedTokenIsRefusedToo) {
  serve([](const server_request&) { return status(401); });
  auto c = client();
  counting_tokens tokens;
  auto r = get(url("/secure"));
  r.authorization = &tokens;
  auto x = c->send(r);
  ASSERT_TRUE(x.result) << x.result.message();
  EXPECT_EQ(x.response.status_code, 401);
  EXPECT_EQ(tokens.invalidations.load(), 1);
  EXPECT_EQ(log_.requests(), 2u);
}

TEST_F(HttpClient, SpacesRequestsByTheRateLimit) {
  serve([](const server_request&) { return ok(); });
  auto o = fast_options();
  o.rate_limit.requests_per_second = 20;
  o.rate_limit.burst = 1;
  o.max_connections_per_origin = 1;  // one warm connection: arrivals show the pacing alone
  auto c = client(o);
  ASSERT_TRUE(c->send(get(url("/"))).result);
  std::vector<sdk::http_request> requests(6, get(url("/")));
  auto outcomes = c->send_many(requests, 6);
  for (const auto& x : outcomes) ASSERT_TRUE(x.result) << x.result.message();
  auto arrivals = log_.arrivals();
  ASSERT_EQ(arrivals.size(), 7u);
  // One token every 50 ms: the six paced requests span five gaps (250 ms).
  EXPECT_GE(arrivals.back() - arrivals[1], milliseconds(200));
  EXPECT_LT(arrivals.back() - arrivals.front(), milliseconds(1500));
  EXPECT_EQ(log_.connections(), 1u);
}

TEST_F(HttpClient, RejectsInvalidRequestsWithoutSending) {
  serve([](const server_request&) { return ok(); });
  auto c = client();
  auto plain = c->send(get("http://127.0.0.1:1/"));
  ASSERT_FALSE(plain.result);
  EXPECT_EQ(plain.result.kind(), sdk::error_kind::permanent);
  EXPECT_THAT(plain.result.message(), HasSubstr("only https"));
  auto r = get(url("/"));
  r.headers.push_back({"X-Bad", "a\r\nInjected: yes"});
  auto injected = c->send(r);
  ASSERT_FALSE(injected.result);
  EXPECT_THAT(injected.result.message(), HasSubstr("invalid character in the value of header"));
  EXPECT_EQ(log_.requests(), 0u);
}

TEST_F(HttpClient, ReportsAnUnreachableServerAsRetryable) {
  serve([](const server_request&) { return ok(); });
  const std::string gone = url("/");
  server_.reset();
  auto o = fast_options();
  o.retry.max_attempts = 2;
  auto c = client(o);
  auto x = c->send(get(gone));
  ASSERT_FALSE(x.result);
  EXPECT_EQ(x.result.kind(), sdk::error_kind::retryable);
  EXPECT_THAT(x.result.message(), HasSubstr("GET " + gone + " failed after 2 attempts"));
  EXPECT_THAT(x.result.message(), HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace switchboard::test
