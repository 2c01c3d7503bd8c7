// Stop/abort flags with condition-variable waits, propagated from parent to children.
#include "switchboard/host/stop_control.hpp"

#include <algorithm>

namespace switchboard::host {

stop_control::stop_control(stop_control& parent) : parent_(&parent) {
  std::lock_guard lock(parent.mutex_);
  parent.children_.push_back(this);
}

stop_control::~stop_control() {
  if (parent_ == nullptr) return;
  std::lock_guard lock(parent_->mutex_);
  std::erase(parent_->children_, this);
}

void stop_control::request_stop() {
  stop_.store(true);
  notify();
}

void stop_control::request_abort() {
  stop_.store(true);
  abort_.store(true);
  notify();
}

bool stop_control::stop_requested() const noexcept {
  return stop_.load(std::memory_order_relaxed) || (parent_ != nullptr && parent_->stop_requested());
}

bool stop_control::abort_requested() const noexcept {
  return abort_.load(std::memory_order_relaxed) ||
         (parent_ != nullptr && parent_->abort_requested());
}

void stop_control::notify() {
  // Children are notified under this mutex: a child unregisters (in its destructor) under the
  // same mutex, so none can be destroyed while it is being notified. Locks are always taken
  // parent first, then child.
  std::lock_guard lock(mutex_);
  cv_.notify_all();
  for (auto* child : children_) child->notify();
}

bool stop_control::wait_for(std::chrono::milliseconds duration, stop_level level) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, duration, [&] { return requested(level); });
}

}  // namespace switchboard::host
