#include "base/work_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace ketenbeeld {

WorkPool::WorkPool(Options options)
    : capacity_(static_cast<size_t>(std::max(0, options.queue))),
      per_caller_(std::max(1, options.per_caller)),
      limit_(std::move(options.limit)),
      tasks_(std::move(options.tasks)) {
  const int count = std::max(1, options.threads);
  threads_.reserve(count);
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { Work(); });
}

WorkPool::~WorkPool() { Stop(); }

absl::Status WorkPool::Submit(const std::string& caller, absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down; retry");
  if (waiting_ >= capacity_) {
    return absl::ResourceExhaustedError(
        absl::StrCat(limit_, ": ", waiting_, " ", tasks_, " are already waiting (at most ", capacity_,
                     " server-wide); retry in a moment"));
  }
  Caller& entry = callers_[caller];
  const int pending = static_cast<int>(entry.waiting.size()) + entry.running;
  if (!caller.empty() && pending >= per_caller_) {
    return absl::ResourceExhaustedError(absl::StrCat(limit_, ": this identity already has ", pending, " ", tasks_,
                                                     " waiting or running (at most ", per_caller_,
                                                     "); wait for their answers"));
  }
  if (entry.waiting.empty()) turns_.push_back(caller);
  entry.waiting.push_back(std::move(task));
  ++waiting_;
  return absl::OkStatus();
}

void WorkPool::Stop() {
  absl::MutexLock join(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void WorkPool::Work() {
  while (true) {
    absl::AnyInvocable<void()> task;
    std::string caller;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !turns_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (turns_.empty()) return;  // Stopping, and everything queued has run.
      caller = std::move(turns_.front());
      turns_.pop_front();
      Caller& entry = callers_[caller];
      task = std::move(entry.waiting.front());
      entry.waiting.pop_front();
      ++entry.running;
      --waiting_;
      if (!entry.waiting.empty()) turns_.push_back(caller);  // Its next task waits for the other callers' turns.
    }
    task();
    task = nullptr;  // Whatever the task holds goes before its place is given back.
    absl::MutexLock lock(&mu_);
    auto it = callers_.find(caller);
    if (--it->second.running == 0 && it->second.waiting.empty()) callers_.erase(it);
  }
}

}  // namespace ketenbeeld
