// The host's HTTPS client: io threads, TLS context, origin pools, the retry loop and metrics.
#include "switchboard/host/http_client.hpp"

#include "client_connection.hpp"
#include "client_policy.hpp"
#include "client_pool.hpp"
#include "switchboard/host/metrics.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace switchboard::host::http_detail {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using clock = std::chrono::steady_clock;

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
// Token providers may block (they fetch over HTTP): they run here, never on an io thread.
constexpr unsigned token_threads = 2;
// Longer request timeouts are cut to this, which keeps deadline arithmetic far from overflow.
constexpr std::chrono::hours max_request_timeout{24 * 7};

void validate(const http_client_options& o) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument(fmt::format("http client options: {}", what));
  };
  if (o.io_threads == 0) fail("io_threads must be at least 1");
  if (o.max_connections_per_origin == 0) fail("max_connections_per_origin must be at least 1");
  if (o.connect_timeout.count() <= 0) fail("connect_timeout must be positive");
  if (o.read_timeout.count() <= 0) fail("read_timeout must be positive");
  if (o.max_response_body == 0) fail("max_response_body must be positive");
  if (o.retry.max_attempts == 0) fail("retry.max_attempts must be at least 1");
  if (o.retry.initial_backoff.count() < 0 || o.retry.max_backoff < o.retry.initial_backoff) {
    fail("retry backoffs must satisfy 0 <= initial_backoff <= max_backoff");
  }
  if (!(o.rate_limit.requests_per_second >= 0)) fail("rate_limit.requests_per_second must be >= 0");
}

std::string attempts_text(unsigned n) { return fmt::format("{} attempt{}", n, n == 1 ? "" : "s"); }

/// The access tokens one send_many call has got, by provider. Getting a token means a hop to
/// the token threads and back (two thread wake-ups); with it, a call gets each provider's token
/// once, not once per request. A renewal after a 401 replaces the entry, as the provider's
/// own cache would have.
class call_tokens {
 public:
  std::optional<std::string> find(const sdk::token_provider* provider) {
    std::lock_guard lock(mutex_);
    for (const auto& [p, token] : tokens_) {
      if (p == provider) return token;
    }
    return std::nullopt;
  }
  void store(const sdk::token_provider* provider, const std::string& token) {
    std::lock_guard lock(mutex_);
    for (auto& [p, t] : tokens_) {
      if (p == provider) {
        t = token;
        return;
      }
    }
    tokens_.emplace_back(provider, token);
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<const sdk::token_provider*, std::string>> tokens_;
};

/// The last URL a send_many worker parsed: a sink sends many requests to one URL (every POST
/// of a batch of creates), and parsing is a good part of a request's own cost.
struct parsed_url {
  bool filled = false;
  std::string url;
  std::optional<request_target> target;
  std::string problem;
};

class client_impl final : public https_client {
 public:
  client_impl(const http_client_options& options, metrics_registry* metrics)
      : options_(options),
        metrics_(metrics),
        tls_(ssl::context::tls_client),
        work_(net::make_work_guard(io_)),
        token_pool_(token_threads) {
    settings_.connect_timeout = options.connect_timeout;
    settings_.read_timeout = options.read_timeout;
    settings_.max_response_body = options.max_response_body;
    settings_.verify_peer = options.verify_peer;
    configure_tls();
    threads_.reserve(options.io_threads);
    for (unsigned i = 0; i < options.io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~client_impl() override {
    work_.reset();
    {
      std::lock_guard lock(pools_mutex_);
      for (auto& [origin, pool] : pools_) pool->drop_idle();
    }
    io_.stop();
    for (auto& t : threads_) t.join();
    token_pool_.join();
    std::lock_guard lock(pools_mutex_);
    pools_.clear();
  }

  sdk::http_exchange send(const sdk::http_request& request) override {
    return std::move(send_many(std::span(&request, 1), 1).front());
  }

  std::vector<sdk::http_exchange> send_many(std::span<const sdk::http_request> requests,
                                            std::size_t max_in_flight) override {
    std::vector<sdk::http_exchange> outcomes(requests.size());
    if (requests.empty()) return outcomes;
    if (io_.get_executor().running_in_this_thread()) {
      for (auto& o : outcomes) {
        o.result = sdk::status::permanent(
            "http client: send called from one of the client's own io threads");
      }
      return outcomes;
    }
    const std::size_t workers = std::clamp<std::size_t>(max_in_flight, 1, requests.size());
    std::atomic<std::size_t> next{0};
    call_tokens tokens;
    std::latch done(static_cast<std::ptrdiff_t>(workers));
    for (std::size_t w = 0; w < workers; ++w) {
      net::co_spawn(net::make_strand(io_), work_through(requests, outcomes, next, tokens),
                    [&done](const std::exception_ptr&) { done.count_down(); });
    }
    done.wait();
    return outcomes;
  }

  http_client_stats stats() const override {
    http_client_stats s;
    s.connections_opened = counters_.connections_opened.load();
    s.attempts = counters_.attempts.load();
    s.retries = counters_.retries.load();
    s.stale_replaced = counters_.stale_replaced.load();
    s.token_refreshes = counters_.token_refreshes.load();
    return s;
  }

 private:
  void configure_tls() {
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION);
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (!options_.verify_peer) {
      tls_.set_verify_mode(ssl::verify_none);
      return;
    }
    tls_.set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (options_.ca_file.empty()) {
      tls_.set_default_verify_paths(ec);
      if (ec) {
        throw std::runtime_error(
            fmt::format("http client: cannot load the system certificate store: {}", ec.message()));
      }
      return;
    }
    tls_.load_verify_file(options_.ca_file, ec);
    if (ec) {
      throw std::runtime_error(
          fmt::format("http client: cannot load ca_file {}: {}", options_.ca_file, ec.message()));
    }
  }

  // One worker of send_many: takes the next request until none is left.
  net::awaitable<void> work_through(std::span<const sdk::http_request> requests,
                                    std::vector<sdk::http_exchange>& outcomes,
                                    std::atomic<std::size_t>& next, call_tokens& tokens) {
    parsed_url last_url;
    for (std::size_t i = next++; i < requests.size(); i = next++) {
      try {
        outcomes[i] = co_await perform(requests[i], tokens, last_url);
      } catch (const std::exception& e) {
        outcomes[i].result = sdk::status::retryable(fmt::format(
            "{} {}: http client failure: {}", requests[i].method, requests[i].url, e.what()));
      }
    }
  }

  origin_pool& pool_for(const request_target& target) {
    std::lock_guard lock(pools_mutex_);
    auto& pool = pools_[target.origin];
    if (!pool) {
      pool = std::make_unique<origin_pool>(
          options_.max_connections_per_origin, options_.idle_timeout, options_.rate_limit,
          [this, target] {
            return make_client_connection(io_, tls_, target, settings_, counters_);
          });
    }
    return *pool;
  }

  // Runs the provider on the token threads; `renew` invalidates the cached token first.
  net::awaitable<sdk::status> fetch_token(sdk::token_provider& provider, std::string& token,
                                          bool renew) {
    co_return co_await net::co_spawn(
        token_pool_.get_executor(),
        [&provider, &token, renew]() -> net::awaitable<sdk::status> {
          try {
            if (renew) provider.invalidate();
            co_return provider.get(token);
          } catch (const std::exception& e) {
            co_return sdk::status::permanent(fmt::format("token provider failed: {}", e.what()));
          }
        },
        net::use_awaitable);
  }

  static net::awaitable<void> wait_for(clock::duration delay) {
    net::steady_timer timer(co_await net::this_coro::executor);
    timer.expires_after(delay);
    co_await timer.async_wait(tuple_awaitable);
  }

  // The wait before retrying `response`, or nullopt when it must come back as it is.
  std::optional<clock::duration> response_retry_delay(const sdk::http_response& response,
                                                      unsigned attempt) const {
    if (response.status_code == 429 || response.status_code == 503) {
      if (const std::string* value = response.header("Retry-After")) {
        auto wait = parse_retry_after(*value, std::chrono::system_clock::now());
        if (wait) {
          if (*wait > options_.retry.max_retry_after) return std::nullopt;
          return *wait;
        }
      }
    }
    return backoff_delay(options_.retry, attempt, random_unit());
  }

  net::awaitable<sdk::http_exchange> perform(const sdk::http_request& request, call_tokens& tokens,
                                             parsed_url& parsed) {
    const auto started = clock::now();
    const auto deadline = started + std::clamp(request.timeout, std::chrono::milliseconds(0),
                                               std::chrono::milliseconds(max_request_timeout));
    sdk::http_exchange out;
    if (!parsed.filled || parsed.url != request.url) {
      parsed.problem.clear();
      parsed.target = parse_request_url(request.url, parsed.problem);
      parsed.url = request.url;
      parsed.filled = true;
    }
    // The worker's next request replaces `parsed` only after this one is done.
    const std::optional<request_target>& target = parsed.target;
    std::string problem = parsed.problem;
    if (target) {
      for (const auto& h : request.headers) {
        if (problem = check_header(h); !problem.empty()) break;
      }
      if (problem.empty() && check_header({request.method, ""}) != "") {
        problem = fmt::format("invalid method '{}'", request.method);
      }
    }
    if (!problem.empty()) {
      out.result = sdk::status::permanent(
          fmt::format("{} {}: invalid request: {}", request.method, request.url, problem));
      record(target ? target->origin : "", "error", started);
      co_return out;
    }

    origin_pool& pool = pool_for(*target);
    std::string token;
    if (request.authorization) {
      if (auto known = tokens.find(request.authorization)) {
        token = std::move(*known);
      } else {
        auto got = co_await fetch_token(*request.authorization, token, false);
        if (!got) co_return token_failure(request, *target, got, started);
        tokens.store(request.authorization, token);
      }
    }

    attempt_result last;
    unsigned attempt = 0;
    bool renewed_token = false;
    bool replaced_stale = false;
    for (;;) {
      ++attempt;
      if (!co_await pool.pace(deadline)) {
        last = timeout_result("timed out waiting for the rate limit");
        --attempt;
        break;
      }
      auto connection = co_await pool.acquire(deadline);
      if (!connection) {
        last = timeout_result("timed out waiting for a free connection");
        --attempt;
        break;
      }
      const attempt_request sent{&request, &*target, token, deadline};
      last = co_await connection->exchange(sent);
      pool.release(std::move(connection), last.reusable);

      if (last.stale && !replaced_stale && is_idempotent(request.method)) {
        replaced_stale = true;
        --attempt;
        counters_.stale_replaced.fetch_add(1, std::memory_order_relaxed);
        pool.drop_idle();
        continue;
      }
      std::optional<clock::duration> delay;
      if (last.response) {
        const int code = last.response->status_code;
        if (code == 401 && request.authorization && !renewed_token) {
          renewed_token = true;
          --attempt;
          counters_.token_refreshes.fetch_add(1, std::memory_order_relaxed);
          auto got = co_await fetch_token(*request.authorization, token, true);
          if (!got) co_return token_failure(request, *target, got, started);
          tokens.store(request.authorization, token);
          continue;
        }
        if (!is_retryable_status(code)) break;
        delay = response_retry_delay(*last.response, attempt);
      } else {
        if (!is_retryable(last.failure) || last.total_deadline) break;
        delay = backoff_delay(options_.retry, attempt, random_unit());
      }
      if (!delay || attempt >= options_.retry.max_attempts) break;
      if (clock::now() + *delay >= deadline) break;
      counters_.retries.fetch_add(1, std::memory_order_relaxed);
      if (metrics_) metrics_->add("http_client_retries_total", {"", target->origin, ""}, 1);
      co_await wait_for(*delay);
    }

    if (last.response) {
      out.response = std::move(*last.response);
      record(target->origin, status_class(out.response.status_code), started);
      co_return out;
    }
    std::string message = fmt::format("{} {} failed after {}: {}", request.method, request.url,
                                      attempts_text(attempt), last.cause);
    if (last.total_deadline) {
      message += fmt::format(" (request timeout of {} ms reached)", request.timeout.count());
    }
    out.result = is_retryable(last.failure) ? sdk::status::retryable(std::move(message))
                                            : sdk::status::permanent(std::move(message));
    record(target->origin, "error", started);
    co_return out;
  }

  static attempt_result timeout_result(std::string cause) {
    attempt_result r;
    r.failure = attempt_failure::timeout;
    r.cause = std::move(cause);
    r.total_deadline = true;
    return r;
  }

  sdk::http_exchange token_failure(const sdk::http_request& request, const request_target& target,
                                   const sdk::status& got, clock::time_point started) {
    sdk::http_exchange out;
    out.result =
        sdk::status::error(got.kind(), fmt::format("{} {}: cannot get an access token: {}",
                                                   request.method, request.url, got.message()));
    record(target.origin, "error", started);
    return out;
  }

  void record(const std::string& origin, std::string_view outcome, clock::time_point started) {
    if (!metrics_) return;
    metric_labels labels{"", origin, std::string(outcome)};
    metrics_->add("http_client_requests_total", labels, 1);
    labels.component.clear();
    metrics_->observe("http_client_request_seconds", labels,
                      std::chrono::duration<double>(clock::now() - started).count());
  }

  const http_client_options options_;
  metrics_registry* const metrics_;
  connection_settings settings_;
  client_counters counters_;
  net::io_context io_;
  ssl::context tls_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  std::mutex pools_mutex_;
  std::map<std::string, std::unique_ptr<origin_pool>, std::less<>> pools_;
  net::thread_pool token_pool_;
  std::vector<std::thread> threads_;
};

}  // namespace
}  // namespace switchboard::host::http_detail

namespace switchboard::host {

std::unique_ptr<https_client> make_http_client(const http_client_options& options,
                                               metrics_registry* metrics) {
  http_detail::validate(options);
  return std::make_unique<http_detail::client_impl>(options, metrics);
}

}  // namespace switchboard::host
