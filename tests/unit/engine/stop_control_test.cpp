// Stop and abort requests, waits, and propagation from parent to child.
#include "switchboard/host/stop_control.hpp"
#include "engine/bounded_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace switchboard::host {
namespace {

using namespace std::chrono_literals;

TEST(StopControl, WaitRunsItsFullTimeWhenNothingIsRequested) {
  stop_control stop;
  EXPECT_TRUE(stop.wait_for(1ms, stop_level::stop));
}

TEST(StopControl, StopInterruptsStopWaitsButNotAbortWaits) {
  stop_control stop;
  stop.request_stop();
  EXPECT_FALSE(stop.wait_for(10s, stop_level::stop));
  EXPECT_TRUE(stop.wait_for(1ms, stop_level::abort));
  EXPECT_FALSE(stop.abort_requested());
}

TEST(StopControl, ParentRequestsReachWaitingChildren) {
  stop_control parent;
  stop_control child(parent);
  std::thread waiter([&] { EXPECT_FALSE(child.wait_for(60s, stop_level::abort)); });
  parent.request_abort();
  waiter.join();
  EXPECT_TRUE(child.stop_requested());
}

TEST(StopControl, ChildRequestsDoNotReachTheParent) {
  stop_control parent;
  stop_control child(parent);
  child.request_abort();
  EXPECT_FALSE(parent.stop_requested());
}

TEST(StopControl, ChildrenMayEndWhileTheParentNotifies) {
  // Under ThreadSanitizer this caught a child destroyed while its parent notified it.
  stop_control parent;
  std::atomic<bool> done{false};
  std::thread churn([&] {
    for (int i = 0; i < 2000; ++i) {
      stop_control child(parent);
      EXPECT_FALSE(child.wait_for(0ms, stop_level::abort) && child.abort_requested());
    }
    done = true;
  });
  while (!done) parent.request_stop();
  churn.join();
  EXPECT_TRUE(parent.stop_requested());
}

TEST(BoundedQueue, PushBlocksWhenFullUntilAPop) {
  detail::bounded_queue<int> q(1);
  ASSERT_TRUE(q.push(1));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.push(2);
    pushed = true;
  });
  EXPECT_EQ(q.pop(), 1);
  producer.join();
  EXPECT_TRUE(pushed);
  EXPECT_EQ(q.pop(), 2);
}

TEST(BoundedQueue, CloseWakesABlockedProducerAndDrainsForTheConsumer) {
  detail::bounded_queue<int> q(1);
  ASSERT_TRUE(q.push(1));
  std::thread producer([&] { EXPECT_FALSE(q.push(2)); });
  q.close();
  producer.join();
  EXPECT_EQ(q.pop(), 1);
  EXPECT_EQ(q.pop(), std::nullopt);
}

}  // namespace
}  // namespace switchboard::host
