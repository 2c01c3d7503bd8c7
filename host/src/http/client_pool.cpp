// Connection hand-over between requests of one origin, idle expiry and rate-limit pacing.
#include "client_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace switchboard::host::http_detail {
namespace {

namespace net = boost::asio;
using clock = std::chrono::steady_clock;

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

}  // namespace

// A request waiting for a connection. Its timer lives on the request's strand, so the
// wake-up posted there cannot overtake the request starting to wait.
struct origin_pool::waiter {
  explicit waiter(net::any_io_executor executor) : timer(std::move(executor)) {}
  net::steady_timer timer;
  std::shared_ptr<client_connection> handed;  // guarded by the pool mutex
};

origin_pool::origin_pool(std::size_t max_connections, std::chrono::milliseconds idle_timeout,
                         const http_rate_limit& rate_limit, connection_factory make_connection)
    : max_connections_(max_connections),
      idle_timeout_(idle_timeout),
      make_connection_(std::move(make_connection)),
      bucket_(rate_limit) {}

origin_pool::~origin_pool() = default;

net::awaitable<std::shared_ptr<client_connection>> origin_pool::acquire(
    clock::time_point deadline) {
  auto executor = co_await net::this_coro::executor;
  std::vector<std::shared_ptr<client_connection>> expired;  // closed outside the lock
  std::shared_ptr<waiter> self;
  {
    std::lock_guard lock(mutex_);
    const auto now = clock::now();
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (now - connection->last_used() < idle_timeout_) co_return connection;
      expired.push_back(std::move(connection));
      --open_;
    }
    if (open_ < max_connections_) {
      ++open_;
      co_return make_connection_();
    }
    self = std::make_shared<waiter>(executor);
    waiters_.push_back(self);
  }
  expired.clear();
  self->timer.expires_at(deadline);
  co_await self->timer.async_wait(tuple_awaitable);

  std::shared_ptr<client_connection> handed;
  {
    std::lock_guard lock(mutex_);
    handed = std::move(self->handed);
    if (!handed) {
      waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), self), waiters_.end());
      co_return nullptr;
    }
  }
  if (clock::now() < deadline) co_return handed;
  release(std::move(handed), true);  // handed over just as the wait timed out: pass it on
  co_return nullptr;
}

void origin_pool::release(std::shared_ptr<client_connection> connection, bool reusable) {
  std::shared_ptr<client_connection> closing;
  std::shared_ptr<waiter> next;
  {
    std::lock_guard lock(mutex_);
    if (!reusable) closing = std::move(connection);
    if (waiters_.empty()) {
      if (connection) {
        idle_.push_back(std::move(connection));
      } else {
        --open_;
      }
      return;
    }
    next = std::move(waiters_.front());
    waiters_.pop_front();
    next->handed = connection ? std::move(connection) : make_connection_();
  }
  net::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

void origin_pool::drop_idle() {
  std::vector<std::shared_ptr<client_connection>> closing;
  std::lock_guard lock(mutex_);
  open_ -= idle_.size();
  closing.swap(idle_);
}

net::awaitable<bool> origin_pool::pace(clock::time_point deadline) {
  if (!bucket_.enabled()) co_return true;
  clock::duration wait{};
  {
    std::lock_guard lock(mutex_);
    const auto now = clock::now();
    wait = bucket_.reserve(now);
    if (now + wait > deadline) {
      bucket_.give_back();
      co_return false;
    }
  }
  if (wait <= clock::duration::zero()) co_return true;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(wait);
  co_await timer.async_wait(tuple_awaitable);
  co_return true;
}

}  // namespace switchboard::host::http_detail
