#include "server/api/scan_executor.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::api {

ScanExecutor::ScanExecutor(int threads, int queue_capacity)
    : capacity_(static_cast<size_t>(queue_capacity > 0 ? queue_capacity : kDefaultScanQueue)) {
  const int count = threads > 0 ? threads : kDefaultScanThreads;
  threads_.reserve(count);
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { Work(); });
}

ScanExecutor::~ScanExecutor() { Stop(); }

absl::Status ScanExecutor::Submit(absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down; retry");
  if (queue_.size() >= capacity_) {
    return absl::ResourceExhaustedError(absl::StrCat("scans: ", queue_.size(),
                                                     " reads of past revisions or history are already waiting (at "
                                                     "most ",
                                                     capacity_, " server-wide); retry in a moment"));
  }
  queue_.push_back(std::move(task));
  return absl::OkStatus();
}

void ScanExecutor::Stop() {
  absl::MutexLock join(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ScanExecutor::Work() {
  while (true) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // Stopping, and everything queued has run.
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace ketenbeeld::api
