// Storage fault injection: a hook that makes the store's file writes fail, so tests can drive the server through
// I/O errors and a full disk exactly where they want them.
//
// A FaultInjector is given to Store::Open (StoreOptions::fault_injector). The store then wraps RocksDB's file system
// and asks the injector before every append to and sync of a file it writes (WAL, MANIFEST, SST, OPTIONS); a fault
// makes that one call fail with an I/O error or "no space left on device", as a real disk would. Reads are never
// affected. Production never sets one (the wrapper is then not installed at all).
//
// No RocksDB types here: the store translates faults into RocksDB's IOStatus.
//
// Thread safety: FaultInjector::Check() is called concurrently from RocksDB's writer and background threads; an
// implementation must be thread safe. SwitchableFaultInjector is.
#ifndef KETENBEELD_STORAGE_FAULT_INJECTOR_H_
#define KETENBEELD_STORAGE_FAULT_INJECTOR_H_

#include <atomic>
#include <cstdint>
#include <string_view>

namespace ketenbeeld::storage {

// What a file write is about to do.
enum class FileOperation {
  // Data written to the file (it reaches the operating system's cache; not yet durable).
  kAppend,
  // The file's data made durable (fsync/fdatasync). When only this fails, the data may still be on disk: after a
  // crash or a reopen it can reappear, which is exactly the case the commit pipeline must handle.
  kSync,
  // The file renamed (`file_name` is its path before the rename). Only the audit trail asks this, for each rename of
  // a rotation (server/policy/audit.h); the store never does.
  kRename,
};

enum class Fault {
  kNone,
  // A generic I/O error (EIO).
  kIoError,
  // The disk is full (ENOSPC).
  kNoSpace,
};

class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  // Called before `operation` on the file `file_name` (a path inside the database directory). Return kNone to let
  // it happen, or the fault to report instead (the operation is then not performed).
  virtual Fault Check(FileOperation operation, std::string_view file_name) = 0;
};

// A FaultInjector switched on and off by a test: while set, every append and/or every sync fails with the chosen
// fault. Thread safe.
class SwitchableFaultInjector : public FaultInjector {
 public:
  // Every append (and therefore every sync after it too) fails with `fault`.
  void FailAppends(Fault fault) { append_fault_.store(fault); }
  // Every sync fails with `fault`; appends succeed (the data reaches the OS cache, durability is unknown).
  void FailSyncs(Fault fault) { sync_fault_.store(fault); }
  // Only the next sync fails (a transient fault), then syncs succeed again.
  void FailNextSync(Fault fault) { next_sync_fault_.store(fault); }
  void Clear() {
    append_fault_.store(Fault::kNone);
    sync_fault_.store(Fault::kNone);
    next_sync_fault_.store(Fault::kNone);
  }
  // How many operations failed because of this injector.
  int64_t injected() const { return injected_.load(); }

  Fault Check(FileOperation operation, std::string_view /*file_name*/) override {
    Fault fault = Fault::kNone;
    if (operation == FileOperation::kRename) {
      return Fault::kNone;  // Not switched by this injector.
    }
    if (operation == FileOperation::kAppend) {
      fault = append_fault_.load();
    } else {
      fault = next_sync_fault_.exchange(Fault::kNone);
      if (fault == Fault::kNone) fault = sync_fault_.load();
      if (fault == Fault::kNone) fault = append_fault_.load();
    }
    if (fault != Fault::kNone) injected_.fetch_add(1);
    return fault;
  }

 private:
  std::atomic<Fault> append_fault_{Fault::kNone};
  std::atomic<Fault> sync_fault_{Fault::kNone};
  std::atomic<Fault> next_sync_fault_{Fault::kNone};
  std::atomic<int64_t> injected_{0};
};

}  // namespace ketenbeeld::storage

#endif  // KETENBEELD_STORAGE_FAULT_INJECTOR_H_
