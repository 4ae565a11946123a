// ThreadSanitizer annotations for Abseil's synchronization primitives, linked into every executable of a TSan build
// (KETENBEELD_SANITIZER=thread; see the sanitizer block of the top-level CMakeLists.txt and docs/architecture.md,
// "Sanitizers").
//
// Why: Debian's Abseil is not built with -fsanitize=thread, so absl::Mutex, absl::Notification and
// absl::BlockingCounter synchronise inside code that TSan cannot see. Every field guarded by an absl::Mutex then looks
// racy. Abseil built with TSan annotates itself (ABSL_TSAN_MUTEX_* in mutex.cc); this file does the same from the
// outside: the linker's --wrap=SYMBOL sends every call that OUR objects make to SYMBOL to __wrap_SYMBOL below, which
// tells TSan what the call means and forwards to the real function (__real_SYMBOL). Calls made inside the Abseil,
// gRPC and RocksDB libraries are not redirected: what those uninstrumented libraries do is handled by TSAN_OPTIONS
// (ignore_noninstrumented_modules, Makefile) and tests/tsan.supp.
//
// How: absl::Mutex is described with TSan's mutex API (tsan_interface.h), which models a reader/writer lock exactly:
// readers synchronise with writers but not with each other, TSan reports lock-order inversions (potential deadlocks)
// and misuse (unlocking an unlocked mutex, destroying a locked one). Everything between a pre_ and post_ annotation
// is ignored by TSan, as it is inside an instrumented Abseil: the Condition functions that Abseil evaluates while it
// locks, unlocks or waits run under the mutex by contract. Notification and BlockingCounter are one-way signals:
// release on the object before the signal, acquire on it after a successful wait.
//
// The wrapped symbols must match the list in tests/tsan/CMakeLists.txt (KETENBEELD_TSAN_WRAPPED_SYMBOLS): a name
// wrapped there but not defined here, or defined here under a wrong name, fails to link (undefined __wrap_X or
// __real_X). annotations_test.cc and race_detection.cc check that the annotations work and do not hide races.
//
// Thread safety: every function is called on the thread doing the synchronisation; the only state is thread-local.
#include <sanitizer/tsan_interface.h>

#include <type_traits>

#include "absl/base/internal/spinlock_wait.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#if !defined(KETENBEELD_SANITIZED_THREAD)
#error "absl_annotations.cc is for ThreadSanitizer builds only (KETENBEELD_SANITIZER=thread)"
#endif

// Durations and times are passed by value in registers, as trivially copyable classes: the wrappers declare the same
// C++ parameter types as the real functions, so the calling convention is the same as long as this holds.
static_assert(std::is_trivially_copyable_v<absl::Duration> && std::is_trivially_copyable_v<absl::Time>);
// ReleasableMutexLock's only member is the Mutex* it releases (mutex.h); its wrapper reads it.
static_assert(sizeof(absl::ReleasableMutexLock) == sizeof(absl::Mutex*));
// A Notification is a Mutex followed by its atomic<bool> flag (notification.h); Notify's wrapper relies on it.
static_assert(sizeof(absl::Notification) == 2 * sizeof(absl::Mutex));

namespace {

// Mutexes this thread holds in reader mode, so that Await and CondVar::Wait, which release and re-acquire the mutex
// in whatever mode it is held, tell TSan the right mode. Nesting deeper than this is not tracked (treated as writer
// mode, which TSan reports as a misuse: raise the bound then).
constexpr int kMaxReaderLocksPerThread = 16;
thread_local const absl::Mutex* reader_locked[kMaxReaderLocksPerThread];
thread_local int reader_locked_count = 0;

void NoteReaderLocked(const absl::Mutex* mutex) {
  if (reader_locked_count < kMaxReaderLocksPerThread) reader_locked[reader_locked_count++] = mutex;
}

void NoteReaderUnlocked(const absl::Mutex* mutex) {
  for (int i = reader_locked_count - 1; i >= 0; --i) {
    if (reader_locked[i] == mutex) {
      reader_locked[i] = reader_locked[--reader_locked_count];
      return;
    }
  }
}

unsigned ModeFlags(const absl::Mutex* mutex) {
  for (int i = 0; i < reader_locked_count; ++i) {
    if (reader_locked[i] == mutex) return __tsan_mutex_read_lock;
  }
  return 0;
}

void* Address(const void* object) { return const_cast<void*>(object); }

// Brackets a call that locks `mutex` (in the mode `flags` says) and returns with it held.
class LockAnnotation {
 public:
  LockAnnotation(const absl::Mutex* mutex, unsigned flags) : mutex_(Address(mutex)), flags_(flags) {
    __tsan_mutex_pre_lock(mutex_, flags_);
  }
  ~LockAnnotation() { __tsan_mutex_post_lock(mutex_, flags_, 0); }
  LockAnnotation(const LockAnnotation&) = delete;
  LockAnnotation& operator=(const LockAnnotation&) = delete;

 private:
  void* mutex_;
  unsigned flags_;
};

// Brackets a call that is entered and left with `mutex` held but releases it while it waits (Await, CondVar::Wait):
// an unlock before, a lock after, so TSan sees the writes other threads made meanwhile.
class WaitAnnotation {
 public:
  explicit WaitAnnotation(const absl::Mutex* mutex) : mutex_(Address(mutex)), flags_(ModeFlags(mutex)) {
    __tsan_mutex_pre_unlock(mutex_, flags_);
  }
  ~WaitAnnotation() {
    __tsan_mutex_post_unlock(mutex_, flags_);
    __tsan_mutex_pre_lock(mutex_, flags_);
    __tsan_mutex_post_lock(mutex_, flags_, 0);
  }
  WaitAnnotation(const WaitAnnotation&) = delete;
  WaitAnnotation& operator=(const WaitAnnotation&) = delete;

 private:
  void* mutex_;
  unsigned flags_;
};

// Brackets an unlock of `mutex` in the mode `flags` says.
class UnlockAnnotation {
 public:
  UnlockAnnotation(const absl::Mutex* mutex, unsigned flags) : mutex_(Address(mutex)), flags_(flags) {
    __tsan_mutex_pre_unlock(mutex_, flags_);
  }
  ~UnlockAnnotation() { __tsan_mutex_post_unlock(mutex_, flags_); }
  UnlockAnnotation(const UnlockAnnotation&) = delete;
  UnlockAnnotation& operator=(const UnlockAnnotation&) = delete;

 private:
  void* mutex_;
  unsigned flags_;
};

// Abseil's own deadlock detector (on in Debian's build) keeps a global graph of lock orders in uninstrumented code;
// under TSan it only adds reports from inside that code (GraphCycles::GetId) and time. TSan's detector, fed by the
// mutex annotations above, reports lock-order inversions in our code instead. Runs before the C++ static initialisers.
[[gnu::constructor(101)]] void DisableAbslDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace

extern "C" {

// Mangled names of absl::debian3::... (Abseil 20220623 as Debian builds it; `nm -u` on a test binary lists them).
// The comment above each pair is the demangled name.

// Mutex::Lock()
void __real__ZN4absl7debian35Mutex4LockEv(absl::Mutex* self);
void __wrap__ZN4absl7debian35Mutex4LockEv(absl::Mutex* self) {
  LockAnnotation annotation(self, 0);
  __real__ZN4absl7debian35Mutex4LockEv(self);
}

// Mutex::Unlock()
void __real__ZN4absl7debian35Mutex6UnlockEv(absl::Mutex* self);
void __wrap__ZN4absl7debian35Mutex6UnlockEv(absl::Mutex* self) {
  UnlockAnnotation annotation(self, 0);
  __real__ZN4absl7debian35Mutex6UnlockEv(self);
}

// Mutex::TryLock()
bool __real__ZN4absl7debian35Mutex7TryLockEv(absl::Mutex* self);
bool __wrap__ZN4absl7debian35Mutex7TryLockEv(absl::Mutex* self) {
  __tsan_mutex_pre_lock(self, __tsan_mutex_try_lock);
  const bool locked = __real__ZN4absl7debian35Mutex7TryLockEv(self);
  __tsan_mutex_post_lock(self, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock_failed, 0);
  return locked;
}

// Mutex::ReaderLock()
void __real__ZN4absl7debian35Mutex10ReaderLockEv(absl::Mutex* self);
void __wrap__ZN4absl7debian35Mutex10ReaderLockEv(absl::Mutex* self) {
  {
    LockAnnotation annotation(self, __tsan_mutex_read_lock);
    __real__ZN4absl7debian35Mutex10ReaderLockEv(self);
  }
  NoteReaderLocked(self);
}

// Mutex::ReaderUnlock()
void __real__ZN4absl7debian35Mutex12ReaderUnlockEv(absl::Mutex* self);
void __wrap__ZN4absl7debian35Mutex12ReaderUnlockEv(absl::Mutex* self) {
  NoteReaderUnlocked(self);
  UnlockAnnotation annotation(self, __tsan_mutex_read_lock);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(self);
}

// Mutex::ReaderTryLock()
bool __real__ZN4absl7debian35Mutex13ReaderTryLockEv(absl::Mutex* self);
bool __wrap__ZN4absl7debian35Mutex13ReaderTryLockEv(absl::Mutex* self) {
  __tsan_mutex_pre_lock(self, __tsan_mutex_try_read_lock);
  const bool locked = __real__ZN4absl7debian35Mutex13ReaderTryLockEv(self);
  __tsan_mutex_post_lock(self, locked ? __tsan_mutex_try_read_lock : __tsan_mutex_try_read_lock_failed, 0);
  if (locked) NoteReaderLocked(self);
  return locked;
}

// Mutex::LockWhen(const Condition&)
void __real__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(absl::Mutex* self, const absl::Condition& condition);
void __wrap__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(absl::Mutex* self, const absl::Condition& condition) {
  LockAnnotation annotation(self, 0);
  __real__ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(self, condition);
}

// Mutex::LockWhenWithTimeout(const Condition&, Duration): returns with the mutex held whatever it returns.
bool __real__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* self, const absl::Condition& condition, absl::Duration timeout);
bool __wrap__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* self, const absl::Condition& condition, absl::Duration timeout) {
  LockAnnotation annotation(self, 0);
  return __real__ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(self, condition, timeout);
}

// Mutex::LockWhenWithDeadline(const Condition&, Time): returns with the mutex held whatever it returns.
bool __real__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(absl::Mutex* self,
                                                                                     const absl::Condition& condition,
                                                                                     absl::Time deadline);
bool __wrap__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(absl::Mutex* self,
                                                                                     const absl::Condition& condition,
                                                                                     absl::Time deadline) {
  LockAnnotation annotation(self, 0);
  return __real__ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(self, condition, deadline);
}

// Mutex::ReaderLockWhen(const Condition&)
void __real__ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE(absl::Mutex* self,
                                                                     const absl::Condition& condition);
void __wrap__ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE(absl::Mutex* self,
                                                                     const absl::Condition& condition) {
  {
    LockAnnotation annotation(self, __tsan_mutex_read_lock);
    __real__ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE(self, condition);
  }
  NoteReaderLocked(self);
}

// Mutex::ReaderLockWhenWithTimeout(const Condition&, Duration)
bool __real__ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* self, const absl::Condition& condition, absl::Duration timeout);
bool __wrap__ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    absl::Mutex* self, const absl::Condition& condition, absl::Duration timeout) {
  bool result;
  {
    LockAnnotation annotation(self, __tsan_mutex_read_lock);
    result = __real__ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(self, condition,
                                                                                                      timeout);
  }
  NoteReaderLocked(self);
  return result;
}

// Mutex::ReaderLockWhenWithDeadline(const Condition&, Time)
bool __real__ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    absl::Mutex* self, const absl::Condition& condition, absl::Time deadline);
bool __wrap__ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    absl::Mutex* self, const absl::Condition& condition, absl::Time deadline) {
  bool result;
  {
    LockAnnotation annotation(self, __tsan_mutex_read_lock);
    result = __real__ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(self, condition,
                                                                                                   deadline);
  }
  NoteReaderLocked(self);
  return result;
}

// Mutex::Await(const Condition&)
void __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(absl::Mutex* self, const absl::Condition& condition);
void __wrap__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(absl::Mutex* self, const absl::Condition& condition) {
  WaitAnnotation annotation(self);
  __real__ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(self, condition);
}

// Mutex::AwaitWithTimeout(const Condition&, Duration)
bool __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(absl::Mutex* self,
                                                                                     const absl::Condition& condition,
                                                                                     absl::Duration timeout);
bool __wrap__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(absl::Mutex* self,
                                                                                     const absl::Condition& condition,
                                                                                     absl::Duration timeout) {
  WaitAnnotation annotation(self);
  return __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(self, condition, timeout);
}

// Mutex::AwaitWithDeadline(const Condition&, Time)
bool __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(absl::Mutex* self,
                                                                                  const absl::Condition& condition,
                                                                                  absl::Time deadline);
bool __wrap__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(absl::Mutex* self,
                                                                                  const absl::Condition& condition,
                                                                                  absl::Time deadline) {
  WaitAnnotation annotation(self);
  return __real__ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(self, condition, deadline);
}

// Mutex::~Mutex(): TSan forgets the mutex (and reports destroying it while it is held).
void __real__ZN4absl7debian35MutexD1Ev(absl::Mutex* self);
void __wrap__ZN4absl7debian35MutexD1Ev(absl::Mutex* self) {
  __tsan_mutex_destroy(self, 0);
  __real__ZN4absl7debian35MutexD1Ev(self);
}

// ReleasableMutexLock::Release(): unlocks inside Abseil, where Unlock is not wrapped.
void __real__ZN4absl7debian319ReleasableMutexLock7ReleaseEv(absl::ReleasableMutexLock* self);
void __wrap__ZN4absl7debian319ReleasableMutexLock7ReleaseEv(absl::ReleasableMutexLock* self) {
  const absl::Mutex* mutex = *reinterpret_cast<absl::Mutex* const*>(self);
  UnlockAnnotation annotation(mutex, 0);
  __real__ZN4absl7debian319ReleasableMutexLock7ReleaseEv(self);
}

// CondVar::Wait(Mutex*)
void __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* self, absl::Mutex* mutex);
void __wrap__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* self, absl::Mutex* mutex) {
  WaitAnnotation annotation(mutex);
  __real__ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(self, mutex);
}

// CondVar::WaitWithTimeout(Mutex*, Duration)
bool __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(absl::CondVar* self,
                                                                                 absl::Mutex* mutex,
                                                                                 absl::Duration timeout);
bool __wrap__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(absl::CondVar* self,
                                                                                 absl::Mutex* mutex,
                                                                                 absl::Duration timeout) {
  WaitAnnotation annotation(mutex);
  return __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(self, mutex, timeout);
}

// CondVar::WaitWithDeadline(Mutex*, Time)
bool __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(absl::CondVar* self, absl::Mutex* mutex,
                                                                              absl::Time deadline);
bool __wrap__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(absl::CondVar* self, absl::Mutex* mutex,
                                                                              absl::Time deadline) {
  WaitAnnotation annotation(mutex);
  return __real__ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(self, mutex, deadline);
}

// Notification::Notify()
void __real__ZN4absl7debian312Notification6NotifyEv(absl::Notification* self);
void __wrap__ZN4absl7debian312Notification6NotifyEv(absl::Notification* self) {
  __tsan_release(self);
  // HasBeenNotified() is inline (instrumented): an acquire-load of the flag that follows the Mutex at the start of the
  // object (notification.h). Release on the flag's address too, so that load sees what came before Notify().
  __tsan_release(reinterpret_cast<char*>(self) + sizeof(absl::Mutex));
  __real__ZN4absl7debian312Notification6NotifyEv(self);
}

// Notification::WaitForNotification() const
void __real__ZNK4absl7debian312Notification19WaitForNotificationEv(const absl::Notification* self);
void __wrap__ZNK4absl7debian312Notification19WaitForNotificationEv(const absl::Notification* self) {
  __real__ZNK4absl7debian312Notification19WaitForNotificationEv(self);
  __tsan_acquire(Address(self));
}

// Notification::WaitForNotificationWithTimeout(Duration) const
bool __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
    const absl::Notification* self, absl::Duration timeout);
bool __wrap__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
    const absl::Notification* self, absl::Duration timeout) {
  const bool notified =
      __real__ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(self, timeout);
  if (notified) __tsan_acquire(Address(self));
  return notified;
}

// Notification::WaitForNotificationWithDeadline(Time) const
bool __real__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(const absl::Notification* self,
                                                                                        absl::Time deadline);
bool __wrap__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(const absl::Notification* self,
                                                                                        absl::Time deadline) {
  const bool notified =
      __real__ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(self, deadline);
  if (notified) __tsan_acquire(Address(self));
  return notified;
}

// BlockingCounter::DecrementCount()
bool __real__ZN4absl7debian315BlockingCounter14DecrementCountEv(absl::BlockingCounter* self);
bool __wrap__ZN4absl7debian315BlockingCounter14DecrementCountEv(absl::BlockingCounter* self) {
  __tsan_release(self);
  return __real__ZN4absl7debian315BlockingCounter14DecrementCountEv(self);
}

// BlockingCounter::Wait()
void __real__ZN4absl7debian315BlockingCounter4WaitEv(absl::BlockingCounter* self);
void __wrap__ZN4absl7debian315BlockingCounter4WaitEv(absl::BlockingCounter* self) {
  __real__ZN4absl7debian315BlockingCounter4WaitEv(self);
  __tsan_acquire(self);
}

// base_internal::SpinLockWait(std::atomic<uint32_t>*, int, const SpinLockWaitTransition*, SchedulingMode): the wait
// of absl::call_once (call_once.h, inlined into our code) for another thread running the same once-function. Its
// return means that thread stored "done" with release (instrumented, in call_once.h); acquire it here, as the
// inlined fast path's acquire-load would.
uint32_t
__real__ZN4absl7debian313base_internal12SpinLockWaitEPSt6atomicIjEiPKNS1_22SpinLockWaitTransitionENS1_14SchedulingModeE(
    std::atomic<uint32_t>* word, int transition_count, const absl::base_internal::SpinLockWaitTransition* transitions,
    absl::base_internal::SchedulingMode scheduling_mode);
uint32_t
__wrap__ZN4absl7debian313base_internal12SpinLockWaitEPSt6atomicIjEiPKNS1_22SpinLockWaitTransitionENS1_14SchedulingModeE(
    std::atomic<uint32_t>* word, int transition_count, const absl::base_internal::SpinLockWaitTransition* transitions,
    absl::base_internal::SchedulingMode scheduling_mode) {
  const uint32_t result =
      __real__ZN4absl7debian313base_internal12SpinLockWaitEPSt6atomicIjEiPKNS1_22SpinLockWaitTransitionENS1_14SchedulingModeE(
          word, transition_count, transitions, scheduling_mode);
  __tsan_acquire(word);
  return result;
}

}  // extern "C"
