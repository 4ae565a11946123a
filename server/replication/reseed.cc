#include "server/replication/reseed.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "etcd/client.h"
#include "server/observability/log.h"
#include "server/replication/forwarding.h"
#include "server/replication/keyspace.h"

namespace ketenbeeld::replication {
namespace {

namespace fs = std::filesystem;

// Chunks of 1 MiB: well under gRPC's default message limit of 4 MiB.
constexpr size_t kChunkBytes = size_t{1} << 20;

// One checkpoint at a time per process: each holds hard links to the store's files until it is sent.
std::atomic<bool> g_sending{false};

class Refusal final : public grpc::ServerWriteReactor<server::v1::CheckpointChunk> {
 public:
  explicit Refusal(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

class CheckpointSender final : public grpc::ServerWriteReactor<server::v1::CheckpointChunk> {
 public:
  CheckpointSender(const storage::Store& store, std::string dir, std::function<void(int64_t)> on_made)
      : store_(store), dir_(std::move(dir)), on_made_(std::move(on_made)) {
    worker_ = std::thread([this] { Run(); });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_ok_ = ok;
    writing_ = false;
  }
  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  void OnDone() override {
    worker_.join();  // The worker's last step is Finish(): it returns at once.
    g_sending = false;
    delete this;
  }

 private:
  void Run() {
    const grpc::Status status = Send();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    if (!status.ok()) observability::LogError("checkpoint_not_sent", {{"error", status.error_message()}});
    Finish(status);
  }

  grpc::Status Send() {
    absl::StatusOr<storage::BackupInfo> backup = store_.Backup(dir_);
    if (!backup.ok()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("this member could not make a checkpoint: ", backup.status().message()));
    }
    std::vector<fs::path> files;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir_, error)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    if (error)
      return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("listing the checkpoint: ", error.message()));
    std::sort(files.begin(), files.end());
    if (on_made_) on_made_(backup->revision);
    observability::LogInfo("checkpoint_sending", {{"revision", backup->revision}, {"files", files.size()}});

    server::v1::CheckpointChunk chunk;
    chunk.set_revision(backup->revision);
    std::string buffer(kChunkBytes, '\0');
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      if (!in) return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("cannot read ", file.string()));
      bool sent_any = false;
      while (true) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto read = static_cast<size_t>(in.gcount());
        if (read == 0 && sent_any) break;
        chunk.set_file(file.filename().string());
        chunk.set_data(buffer.data(), read);
        if (!Write(chunk)) return grpc::Status(grpc::StatusCode::CANCELLED, "the receiver went away");
        chunk.clear_revision();
        sent_any = true;
        if (read < buffer.size()) break;
      }
    }
    return grpc::Status::OK;
  }

  // Writes one chunk and waits until gRPC is done with it. False when the call was cancelled or broke.
  bool Write(const server::v1::CheckpointChunk& chunk) {
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return false;
      writing_ = true;
    }
    StartWrite(&chunk);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* writing) { return !*writing; }, &writing_));
    return write_ok_;
  }

  const storage::Store& store_;
  const std::string dir_;
  const std::function<void(int64_t)> on_made_;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Inside the data directory, so that it works where only that directory is writable (systemd's StateDirectory, a
// Kubernetes volume), and on the same file system (hard links, renames).
constexpr char kStagingName[] = ".reseed";
constexpr char kCheckpointPrefix[] = ".checkpoint";
// Markers in the staging directory: the checkpoint is complete and verified; the old database's files are removed.
constexpr char kComplete[] = "RESEED-COMPLETE";
constexpr char kOldRemoved[] = "RESEED-OLD-REMOVED";

std::string StagingDir(const std::string& data_dir) { return absl::StrCat(data_dir, "/", kStagingName); }

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("opening", dir);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced ? absl::OkStatus() : Errno("syncing", dir);
}

// An empty file `name` in `dir`, durable.
absl::Status WriteMarker(const std::string& dir, const char* name) {
  const std::string path = absl::StrCat(dir, "/", name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("creating", path);
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Errno("syncing", path);
  return SyncDirectory(dir);
}

// Writes the fetched files into `dir`, each fsynced, then fsyncs the directory.
class CheckpointFiles {
 public:
  explicit CheckpointFiles(std::string dir) : dir_(std::move(dir)) {}
  ~CheckpointFiles() { Close().IgnoreError(); }  // After an error: the staging directory is removed anyway.
  CheckpointFiles(const CheckpointFiles&) = delete;
  CheckpointFiles& operator=(const CheckpointFiles&) = delete;

  absl::Status Append(const std::string& name, const std::string& data) {
    if (name != current_) {
      if (absl::Status closed = Close(); !closed.ok()) return closed;
      if (name.empty() || name == "." || name == ".." || absl::StrContains(name, '/') ||
          std::find(done_.begin(), done_.end(), name) != done_.end()) {
        return absl::DataLossError(
            absl::StrCat("the checkpoint names a file \"", name, "\" that is not a plain new file name: refused"));
      }
      const std::string path = absl::StrCat(dir_, "/", name);
      fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd_ < 0) return Errno("creating", path);
      current_ = name;
    }
    size_t written = 0;
    while (written < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + written, data.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("writing", absl::StrCat(dir_, "/", name));
      written += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  // Closes the last file and makes the directory's entries durable.
  absl::Status Finish() {
    if (absl::Status closed = Close(); !closed.ok()) return closed;
    return SyncDirectory(dir_);
  }

 private:
  absl::Status Close() {
    if (fd_ < 0) return absl::OkStatus();
    const bool synced = ::fsync(fd_) == 0;
    const std::string path = absl::StrCat(dir_, "/", current_);
    ::close(fd_);
    fd_ = -1;
    done_.push_back(current_);
    current_.clear();
    return synced ? absl::OkStatus() : Errno("syncing", path);
  }

  const std::string dir_;
  std::string current_;
  std::vector<std::string> done_;
  int fd_ = -1;
};

// The store's last revision; 0 for a data directory that holds no database yet.
absl::StatusOr<int64_t> LocalRevision(const std::string& data_dir) {
  if (!fs::exists(fs::path(data_dir) / "CURRENT")) return 0;
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open(storage::StoreOptions{.path = data_dir, .read_only = true});
  if (!store.ok()) return store.status();
  return (*store)->last_revision();
}

// The first revision of the log's first group; 0 for an empty log.
absl::StatusOr<int64_t> LogFirstRevision(etcd::Client& client, const Keyspace& keys) {
  etcdserverpb::RangeRequest first;
  first.set_key(keys.log_prefix());
  first.set_range_end(etcd::PrefixEnd(keys.log_prefix()));
  first.set_limit(1);
  first.set_keys_only(true);
  absl::StatusOr<etcdserverpb::RangeResponse> range = client.Range(first);
  if (!range.ok()) return range.status();
  if (range->kvs_size() == 0) return 0;
  const std::optional<int64_t> revision = keys.LogKeyRevision(range->kvs(0).key());
  if (!revision.has_value())
    return absl::DataLossError(absl::StrCat("etcd key ", range->kvs(0).key(), " is not a log key"));
  return *revision;
}

// The leader's advertised address, once one other than this member leads.
absl::StatusOr<std::string> AwaitLeader(etcd::Client& client, const Keyspace& keys, const std::string& self,
                                        absl::Duration wait) {
  const absl::Time deadline = absl::Now() + wait;
  absl::Status last = absl::UnavailableError("no leader is elected");
  while (absl::Now() < deadline) {
    absl::StatusOr<mvccpb::KeyValue> leader = client.Leader(keys.election());
    if (leader.ok() && leader->value() != self) return leader->value();
    // This member's own key from before its restart lives until its lease expires; another member then leads.
    last = leader.ok() ? absl::UnavailableError(
                             "the election still names this member (its lease from before the "
                             "restart has not expired yet)")
                       : leader.status();
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::UnavailableError(
      absl::StrCat("no other member leads the region within ", absl::FormatDuration(wait), ": ", last.message()));
}

// Fetches the checkpoint of the member at `address` into `dir` (which must exist and be empty). Returns its revision.
absl::StatusOr<int64_t> Fetch(const MemberOptions& options, const std::string& address, const std::string& dir) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      options.member_credentials != nullptr ? options.member_credentials : grpc::InsecureChannelCredentials();
  std::unique_ptr<server::v1::MemberService::Stub> stub =
      server::v1::MemberService::NewStub(grpc::CreateChannel(address, credentials));
  grpc::ClientContext context;
  if (!options.member_token.empty()) context.AddMetadata(kMemberTokenHeader, options.member_token);
  std::unique_ptr<grpc::ClientReader<server::v1::CheckpointChunk>> reader =
      stub->FetchCheckpoint(&context, server::v1::FetchCheckpointRequest());
  CheckpointFiles files(dir);
  server::v1::CheckpointChunk chunk;
  int64_t revision = -1;
  absl::Status written;
  while (written.ok() && reader->Read(&chunk)) {
    if (revision < 0) revision = chunk.revision();
    written = files.Append(chunk.file(), chunk.data());
  }
  if (!written.ok()) {
    context.TryCancel();
    while (reader->Read(&chunk)) {
    }
  }
  const grpc::Status finished = reader->Finish();
  if (!written.ok()) return written;
  if (!finished.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(finished.error_code()),
                        absl::StrCat("fetching a checkpoint from ", address, ": ", finished.error_message()));
  }
  if (revision < 0) return absl::DataLossError(absl::StrCat("the checkpoint from ", address, " was empty"));
  if (absl::Status synced = files.Finish(); !synced.ok()) return synced;
  return revision;
}

absl::Status InstallCheckpoint(const std::string& data_dir) {
  const std::string staging = StagingDir(data_dir);
  std::error_code error;
  // Step 1, once: remove the old database's files. A crash after it finds kOldRemoved and does not repeat it, so the
  // checkpoint's files already moved in are never taken for old ones.
  if (!fs::exists(fs::path(staging) / kOldRemoved)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(data_dir, error)) {
      if (entry.is_regular_file() && IsDatabaseFile(entry.path().filename().string())) {
        fs::remove(entry.path(), error);
        if (error) return absl::InternalError(absl::StrCat("removing ", entry.path().string(), ": ", error.message()));
      }
    }
    if (error) return absl::InternalError(absl::StrCat("listing ", data_dir, ": ", error.message()));
    if (absl::Status synced = SyncDirectory(data_dir); !synced.ok()) return synced;
    if (absl::Status marked = WriteMarker(staging, kOldRemoved); !marked.ok()) return marked;
  }
  // Step 2: move the checkpoint's files in, CURRENT last, so the database opens only once every file is there.
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(staging, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name != kComplete && name != kOldRemoved) files.push_back(entry.path());
  }
  if (error) return absl::InternalError(absl::StrCat("listing ", staging, ": ", error.message()));
  std::stable_partition(files.begin(), files.end(), [](const fs::path& file) { return file.filename() != "CURRENT"; });
  for (const fs::path& file : files) {
    fs::rename(file, fs::path(data_dir) / file.filename(), error);
    if (error)
      return absl::InternalError(absl::StrCat("moving ", file.string(), " into ", data_dir, ": ", error.message()));
  }
  if (absl::Status synced = SyncDirectory(data_dir); !synced.ok()) return synced;
  fs::remove_all(staging, error);
  if (error) return absl::InternalError(absl::StrCat("removing ", staging, ": ", error.message()));
  return SyncDirectory(data_dir);
}

// Finishes a re-seed that a crash interrupted after its checkpoint was complete, and removes what is left of an
// unfinished fetch or of checkpoints this member was sending.
absl::Status RecoverInterruptedReseed(const std::string& data_dir) {
  std::error_code error;
  if (!fs::exists(data_dir, error)) return absl::OkStatus();
  const std::string staging = StagingDir(data_dir);
  if (fs::exists(fs::path(staging) / kComplete, error)) {
    observability::LogInfo("reseed_resumed", {{"data_dir", data_dir}});
    if (absl::Status installed = InstallCheckpoint(data_dir); !installed.ok()) return installed;
  } else {
    fs::remove_all(staging, error);
  }
  for (const fs::directory_entry& entry : fs::directory_iterator(data_dir, error)) {
    if (entry.is_directory() && absl::StartsWith(entry.path().filename().string(), kCheckpointPrefix)) {
      fs::remove_all(entry.path(), error);
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsDatabaseFile(absl::string_view name) {
  return name == "CURRENT" || name == "IDENTITY" || name == "LOCK" || name == "LOG" ||
         absl::StartsWith(name, "LOG.old.") || absl::StartsWith(name, "MANIFEST-") ||
         absl::StartsWith(name, "OPTIONS-") || absl::EndsWith(name, ".sst") || absl::EndsWith(name, ".log") ||
         absl::EndsWith(name, ".blob") || absl::EndsWith(name, ".dbtmp");
}

grpc::ServerWriteReactor<server::v1::CheckpointChunk>* RefuseCheckpoint(const grpc::Status& status) {
  return new Refusal(status);
}

grpc::ServerWriteReactor<server::v1::CheckpointChunk>* StartCheckpointSender(const storage::Store& store,
                                                                             std::string staging_prefix,
                                                                             std::function<void(int64_t)> on_made) {
  if (g_sending.exchange(true)) {
    return RefuseCheckpoint(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                         "this member is sending another checkpoint; retry in a moment"));
  }
  static std::atomic<int> counter{0};
  return new CheckpointSender(store, absl::StrCat(staging_prefix, "-", ::getpid(), "-", ++counter), std::move(on_made));
}

std::string CheckpointStagingPrefix(const std::string& data_dir) {
  return absl::StrCat(data_dir, "/", kCheckpointPrefix);
}

absl::StatusOr<ReseedOutcome> ReseedIfBehind(const MemberOptions& options, const std::string& data_dir,
                                             absl::Duration leader_wait) {
  if (absl::Status recovered = RecoverInterruptedReseed(data_dir); !recovered.ok()) return recovered;
  ReseedOutcome outcome;
  absl::StatusOr<int64_t> local = LocalRevision(data_dir);
  if (!local.ok()) return local.status();
  outcome.local_revision = *local;
  absl::StatusOr<etcd::ClientOptions> client_options = EtcdClientOptions(options);
  if (!client_options.ok()) return client_options.status();
  absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect(*std::move(client_options));
  if (!client.ok()) return ExplainEtcdTlsFailure(client.status(), options.etcd_tls);
  const Keyspace keys(options.key_prefix);
  absl::StatusOr<int64_t> first = LogFirstRevision(**client, keys);
  if (!first.ok()) return ExplainEtcdTlsFailure(first.status(), options.etcd_tls);
  outcome.log_first_revision = *first;
  if (*first == 0 || *local + 1 >= *first) return outcome;  // The log holds what this member needs next.

  observability::LogInfo("reseed_needed", {{"local_revision", *local}, {"log_first_revision", *first}});
  absl::StatusOr<std::string> leader = AwaitLeader(**client, keys, options.advertise, leader_wait);
  if (!leader.ok()) return leader.status();
  const std::string staging = StagingDir(data_dir);
  std::error_code error;
  fs::create_directories(staging, error);
  if (error) return absl::InternalError(absl::StrCat("creating ", staging, ": ", error.message()));
  absl::StatusOr<int64_t> revision = Fetch(options, *leader, staging);
  if (!revision.ok()) {
    fs::remove_all(staging, error);
    return revision.status();
  }
  {
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open(storage::StoreOptions{.path = staging, .read_only = true});
    if (!store.ok() || (*store)->last_revision() != *revision || *revision + 1 < *first) {
      const std::string why = !store.ok() ? std::string(store.status().message())
                                          : absl::StrCat("it holds revision ", (*store)->last_revision());
      fs::remove_all(staging, error);
      return absl::DataLossError(absl::StrCat("the checkpoint from ", *leader, " (revision ", *revision,
                                              ") is not usable: ", why, "; the log starts at ", *first));
    }
  }
  // From here on a crash does not lose the checkpoint: the next start finishes installing it.
  if (absl::Status marked = WriteMarker(staging, kComplete); !marked.ok()) return marked;
  if (absl::Status installed = InstallCheckpoint(data_dir); !installed.ok()) return installed;
  outcome.reseeded = true;
  outcome.checkpoint_revision = *revision;
  observability::LogInfo(
      "reseeded",
      {{"from", *leader}, {"revision", *revision}, {"previous_revision", *local}, {"log_first_revision", *first}});
  return outcome;
}

}  // namespace ketenbeeld::replication
