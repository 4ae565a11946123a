// Races that Abseil's primitives do not prevent must still be reported in a TSan build with absl_annotations.cc:
// ctest passes when the output holds TSan's report (tests/tsan/CMakeLists.txt). Usage: tsan_race_detection SCENARIO.
#include <cstdio>
#include <cstring>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace {

int shared_value = 0;

// Each thread holds a lock, but not the same one.
void DifferentMutexes() {
  absl::Mutex first;
  absl::Mutex second;
  std::thread one([&] {
    absl::MutexLock lock(&first);
    ++shared_value;
  });
  std::thread two([&] {
    absl::MutexLock lock(&second);
    ++shared_value;
  });
  one.join();
  two.join();
}

// Reader locks do not order readers among themselves: writing under one is a race (an acquire/release model of
// ReaderLock would hide it).
void WritesUnderReaderLocks() {
  absl::Mutex mutex;
  auto write = [&] {
    absl::ReaderMutexLock lock(&mutex);
    ++shared_value;
  };
  std::thread one(write);
  std::thread two(write);
  one.join();
  two.join();
}

// Two locks taken in both orders: a potential deadlock, which TSan reports now that Abseil's detector is off.
void LockOrderInversion() {
  absl::Mutex first;
  absl::Mutex second;
  std::thread([&] {
    absl::MutexLock outer(&first);
    absl::MutexLock inner(&second);
  }).join();
  std::thread([&] {
    absl::MutexLock outer(&second);
    absl::MutexLock inner(&first);
  }).join();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "different_mutexes") == 0) {
    DifferentMutexes();
  } else if (argc == 2 && std::strcmp(argv[1], "writes_under_reader_locks") == 0) {
    WritesUnderReaderLocks();
  } else if (argc == 2 && std::strcmp(argv[1], "lock_order_inversion") == 0) {
    LockOrderInversion();
  } else {
    std::fprintf(stderr, "usage: %s different_mutexes|writes_under_reader_locks|lock_order_inversion\n", argv[0]);
    return 2;
  }
  std::printf("shared_value=%d\n", shared_value);
  return 0;
}
