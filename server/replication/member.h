// One member of a replicated region (../shared/SCALE-OUT.md section 1, docs/replication.md): campaigns for the
// region's leadership in etcd, leads (its committer appends through EtcdLog) or follows (Follower applies the log),
// and moves between the two.
//
// Takeover: Campaign (returns once every older leader key is gone, so the old leader's transactions fail) → a
// linearizable read of head → the follower applies the log up to head → the follower stops → EtcdLog leads from
// head + 1. The committer continues at exactly head + 1, with the last group's commit time as its floor. The
// leadership ends when the lease is lost (not renewed within its TTL), when an append finds it deposed, or at Stop,
// which resigns so that another member takes over at once.
//
// Thread safety: all public methods may be called from any thread.
#ifndef KETENBEELD_SERVER_REPLICATION_MEMBER_H_
#define KETENBEELD_SERVER_REPLICATION_MEMBER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "etcd/client.h"
#include "server/observability/observers.h"
#include "server/pipeline/committer.h"
#include "server/replication/etcd_log.h"
#include "server/replication/follower.h"
#include "server/replication/forwarding.h"
#include "server/replication/keyspace.h"

namespace ketenbeeld::replication {

// TLS to etcd (etcd's --cert-file/--key-file, and --client-cert-auth with --trusted-ca-file). The files are read when
// the member connects (EtcdClientOptions).
struct EtcdTlsOptions {
  // The etcd endpoints are https://: every connection to etcd is TLS. False: plaintext (loopback development, tests).
  bool enabled = false;
  // The CA of etcd's server certificates (PEM); empty: the system's roots (gRPC's default).
  std::string ca_file{};
  // This member's client certificate and key for etcd's --client-cert-auth (PEM), both or neither.
  std::string cert_file{};
  std::string key_file{};
};

// TLS credentials for the etcd channels: null when !tls.enabled. INVALID_ARGUMENT naming the configuration field
// (replication.etcd_ca_file, etcd_cert_file, etcd_key_file) when a file cannot be read or holds no PEM, or when only
// one of the certificate and the key is given.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> EtcdChannelCredentials(const EtcdTlsOptions& tls);

struct MemberOptions {
  // etcd client endpoints, host:port (without the scheme: `etcd_tls.enabled` says whether they are https://).
  std::vector<std::string> etcd_endpoints{};
  EtcdTlsOptions etcd_tls{};
  // This member's name (logs, metrics).
  std::string member_id{};
  // host:port of this member's gRPC API, proclaimed while it leads.
  std::string advertise{};
  // "/ketenbeeld/<region>/".
  std::string key_prefix{};
  absl::Duration lease_ttl = absl::Seconds(5);
  absl::Duration etcd_timeout = absl::Seconds(2);
  // How long Connect waits for a connection to any etcd endpoint before it fails with UNAVAILABLE.
  absl::Duration etcd_dial_timeout = absl::Seconds(5);
  // Proves this member to the others when it forwards a write (forwarding.h); empty: none (development mode).
  std::string member_token{};
  // How to reach the other members' gRPC API: null for plaintext (loopback development).
  std::shared_ptr<grpc::ChannelCredentials> member_credentials{};
  // How long a new leader may take to apply the log up to head before it resigns and tries again.
  absl::Duration catch_up_timeout = absl::Seconds(30);
  // How often the member reads etcd's status (database size, alarms) and where the log starts, and the leader trims
  // the log.
  absl::Duration monitor_interval = absl::Seconds(5);
  // The leader keeps at least this many of the newest revisions in the region's log, deletes older groups and
  // compacts etcd's history behind them (docs/replication.md, "Trimming"). A member further behind re-seeds from a
  // peer's checkpoint. 0: never trim.
  int64_t log_retention_revisions = 100000;
  // Told of every append to the log; null: none. Must outlive the member.
  observability::ReplicationObserver* observer = nullptr;
  // Called (on the member's monitor thread) when this running member fell behind the start of the log, which was
  // trimmed past it: it can no longer follow, and must restart to re-seed from a peer. Null: it only reports it.
  std::function<void(absl::Status)> on_behind_log{};
};

// The etcd client's options for a member: endpoints, request timeout and TLS credentials (EtcdChannelCredentials's
// errors).
absl::StatusOr<etcd::ClientOptions> EtcdClientOptions(const MemberOptions& options);

// An UNAVAILABLE from etcd, with what to check when the connection is TLS (the CA and client certificate fields);
// other statuses unchanged.
absl::Status ExplainEtcdTlsFailure(const absl::Status& status, const EtcdTlsOptions& tls);

enum class Role { kFollower, kLeader };

// A follower that has not heard from etcd for this long reports itself cut off from the region's log (health,
// metrics): it reads head every second while it follows well.
inline constexpr absl::Duration kLogContactTimeout = absl::Seconds(5);

class Member {
 public:
  // Connects to etcd and compares this member's store (at `local_revision`) with the region's log. INVALID_ARGUMENT
  // naming the field when a TLS file cannot be read (EtcdClientOptions); UNAVAILABLE when etcd cannot be reached
  // (over TLS, naming the TLS fields to check: a certificate from another CA fails the handshake); DATA_LOSS when the
  // store is ahead of the log (etcd was restored from an older backup, or this is another region's or a new cluster):
  // the member must not start, or it would serve revisions the log does not have.
  static absl::StatusOr<std::unique_ptr<Member>> Connect(MemberOptions options, int64_t local_revision);
  ~Member();  // Stop().
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  // For Committer::Options::replicated_log and ::forwarder; owned by the member.
  pipeline::ReplicatedLog* log() { return log_.get(); }
  pipeline::WriteForwarder* forwarder() { return forwarder_.get(); }

  // Starts following the log and campaigning. `committer` must have been built with log() and must outlive the
  // member (or Stop() must be called before the committer stops).
  void Start(pipeline::Committer& committer);
  // Stops leading (resigning, so another member takes over at once), following and campaigning. Idempotent.
  void Stop();

  struct Status {
    Role role = Role::kFollower;
    // The leader's advertised address ("" when unknown); this member's own while it leads.
    std::string leader_address;
    // The region's log as last seen (followers) or written (the leader): its last revision.
    int64_t log_revision = 0;
    // Times this member became the leader.
    int64_t leaderships = 0;
    // The follower's last error (OK while following well or leading).
    absl::Status follower_error;
    // When this member last heard from the region's log in etcd: now while it leads (its lease would end without
    // etcd), else its follower's last read or watch response (Follower::Status::last_contact). A follower that has not
    // heard for a few seconds is cut off: log_revision is only what it saw last, and its picture may be old.
    absl::Time log_contact = absl::InfinitePast();
    // Whether this member heard from the log within kLogContactTimeout of `now` (the leader always has).
    bool LogReachable(absl::Time now) const { return now - log_contact <= kLogContactTimeout; }
    // From etcd's status, refreshed every monitor_interval (-1 while not known yet): the database file of the etcd
    // member this one talks to, the part of it in use, and the cluster's alarms.
    int64_t etcd_db_bytes = -1;
    int64_t etcd_db_in_use_bytes = -1;
    int64_t etcd_alarms = -1;
    // The first revision the log still holds (0 while not known); older groups were trimmed.
    int64_t log_first_revision = 0;
  };
  Status status() const;
  const MemberOptions& options() const { return options_; }

  // A checkpoint of this member's store at `revision` was sent to a member that re-seeds from it: while this member
  // leads, it trims no group the re-seeded member still needs to follow on (from revision + 1) for kCheckpointHold
  // (two minutes: time to start and catch up). Without the hold, a busy leader could trim past the checkpoint
  // before its receiver started, and the receiver would have to re-seed again. Thread-safe.
  void HoldTrimForCheckpoint(int64_t revision);

 private:
  Member(MemberOptions options, std::unique_ptr<etcd::Client> client);
  void Run();
  // One term: lease, campaign, catch up, lead until the leadership ends. Returns when it has ended.
  void CampaignAndLead();
  void WatchLeader();
  // Every monitor_interval until Stop: etcd's status, the start of the log, trimming (leader), falling behind it.
  void Monitor();
  void MonitorOnce();
  // The leader's trimming: deletes the groups wholly below head - log_retention_revisions + 1, then compacts etcd.
  void TrimLog();
  void SetLost();
  bool stopping() const;

  const MemberOptions options_;
  const Keyspace keys_;
  std::unique_ptr<etcd::Client> client_;
  std::unique_ptr<EtcdLog> log_;
  std::unique_ptr<Forwarder> forwarder_;
  pipeline::Committer* committer_ = nullptr;  // Set by Start.
  std::unique_ptr<Follower> follower_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The current term's leadership or lease has ended.
  bool lost_ ABSL_GUARDED_BY(mu_) = false;
  Role role_ ABSL_GUARDED_BY(mu_) = Role::kFollower;
  // The leader's address as etcd's election last told it (WatchLeader).
  std::string leader_address_ ABSL_GUARDED_BY(mu_);
  bool observer_ended_ ABSL_GUARDED_BY(mu_) = false;
  int64_t leaderships_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  // Cancels the campaign in progress (Stop, or the lease ending while campaigning).
  etcd::CancelToken* campaign_cancel_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t etcd_db_bytes_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t etcd_db_in_use_bytes_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t etcd_alarms_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t log_first_revision_ ABSL_GUARDED_BY(mu_) = 0;
  // HoldTrimForCheckpoint: checkpoint revision and when it was sent.
  std::vector<std::pair<int64_t, absl::Time>> checkpoint_holds_ ABSL_GUARDED_BY(mu_);
  bool reported_behind_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  std::thread leader_watch_thread_;
  std::thread monitor_thread_;
};

}  // namespace ketenbeeld::replication

#endif  // KETENBEELD_SERVER_REPLICATION_MEMBER_H_
