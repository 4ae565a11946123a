#include "server/replication/member.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/credentials.h"
#include "server/observability/log.h"

namespace ketenbeeld::replication {
namespace {

// Pause between attempts when etcd refuses a lease or a campaign.
constexpr absl::Duration kRetryPause = absl::Milliseconds(500);
// How long a sent checkpoint holds back trimming (Member::HoldTrimForCheckpoint).
constexpr absl::Duration kCheckpointHold = absl::Minutes(2);

// head's value and mod revision (0 and 0 when the log is empty).
absl::StatusOr<std::pair<int64_t, int64_t>> ReadHead(etcd::Client& client, const Keyspace& keys) {
  absl::StatusOr<etcd::GetResult> head = client.Get(keys.head());
  if (!head.ok()) return head.status();
  if (!head->kv.has_value()) return std::make_pair(int64_t{0}, int64_t{0});
  int64_t value = 0;
  if (!absl::SimpleAtoi(head->kv->value(), &value) || value < 0) {
    return absl::DataLossError(absl::StrCat("etcd key ", keys.head(), " holds \"", head->kv->value(),
                                            "\", not a revision: the region's log is damaged"));
  }
  return std::make_pair(value, head->kv->mod_revision());
}

// A PEM file's contents; INVALID_ARGUMENT naming `field` when it cannot be read or holds no PEM block.
absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view field) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  if (!file.is_open() || file.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("replication.", field, ": cannot read \"", path, "\""));
  }
  if (!absl::StrContains(content.str(), "-----BEGIN ")) {
    return absl::InvalidArgumentError(absl::StrCat("replication.", field, ": \"", path, "\" holds no PEM data"));
  }
  return content.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> EtcdChannelCredentials(const EtcdTlsOptions& tls) {
  if (!tls.enabled) return nullptr;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("replication.",
                                                   tls.cert_file.empty() ? "etcd_cert_file" : "etcd_key_file",
                                                   ": etcd_cert_file and etcd_key_file go together (both or neither)"));
  }
  grpc::SslCredentialsOptions ssl;
  if (!tls.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(tls.ca_file, "etcd_ca_file");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!tls.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(tls.cert_file, "etcd_cert_file");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(tls.key_file, "etcd_key_file");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

absl::StatusOr<etcd::ClientOptions> EtcdClientOptions(const MemberOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = EtcdChannelCredentials(options.etcd_tls);
  if (!credentials.ok()) return credentials.status();
  return etcd::ClientOptions{.endpoints = options.etcd_endpoints,
                             .dial_timeout = options.etcd_dial_timeout,
                             .request_timeout = options.etcd_timeout,
                             .credentials = *credentials};
}

absl::Status ExplainEtcdTlsFailure(const absl::Status& status, const EtcdTlsOptions& tls) {
  if (!tls.enabled || status.code() != absl::StatusCode::kUnavailable) return status;
  return absl::UnavailableError(absl::StrCat(
      status.message(),
      ". The connection to etcd is TLS: check that etcd serves https:// on these endpoints, that its server "
      "certificate is issued by replication.etcd_ca_file and names the endpoint's host, and that etcd's "
      "--trusted-ca-file accepts this member's client certificate (replication.etcd_cert_file, etcd_key_file)"));
}

absl::StatusOr<std::unique_ptr<Member>> Member::Connect(MemberOptions options, int64_t local_revision) {
  absl::StatusOr<etcd::ClientOptions> client_options = EtcdClientOptions(options);
  if (!client_options.ok()) return client_options.status();
  absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect(*std::move(client_options));
  if (!client.ok()) return ExplainEtcdTlsFailure(client.status(), options.etcd_tls);
  std::unique_ptr<Member> member(new Member(std::move(options), *std::move(client)));
  absl::StatusOr<std::pair<int64_t, int64_t>> head = ReadHead(*member->client_, member->keys_);
  if (!head.ok()) {
    return ExplainEtcdTlsFailure(
        absl::Status(head.status().code(),
                     absl::StrCat("reading the region's log head from etcd: ", head.status().message())),
        member->options_.etcd_tls);
  }
  if (local_revision > head->first) {
    return absl::DataLossError(absl::StrCat(
        "this member's store is at revision ", local_revision, " but the region's log in etcd (", member->keys_.head(),
        ") ends at ", head->first,
        ": etcd was restored from an older backup, or this data directory belongs to another cluster. Refusing to "
        "start: serving revisions the log does not have would fork the region's picture (docs/operations.md)"));
  }
  {
    absl::MutexLock lock(&member->mu_);
    member->head_ = head->first;
  }
  return member;
}

Member::Member(MemberOptions options, std::unique_ptr<etcd::Client> client)
    : options_(std::move(options)), keys_(options_.key_prefix), client_(std::move(client)) {
  log_ = std::make_unique<EtcdLog>(*client_, keys_,
                                   EtcdLog::Options{.timeout = options_.etcd_timeout,
                                                    .settle_attempts = 3,
                                                    .on_lost = [this](const absl::Status&) { SetLost(); },
                                                    .leader_address =
                                                        [this] {
                                                          absl::MutexLock lock(&mu_);
                                                          return leader_address_;
                                                        },
                                                    .observer = options_.observer});
  forwarder_ = std::make_unique<Forwarder>(Forwarder::Options{.leader_address =
                                                                  [this] {
                                                                    absl::MutexLock lock(&mu_);
                                                                    return leader_address_;
                                                                  },
                                                              .member_token = options_.member_token,
                                                              .credentials = options_.member_credentials,
                                                              .timeout = absl::Seconds(10)});
}

Member::~Member() { Stop(); }

void Member::Start(pipeline::Committer& committer) {
  committer_ = &committer;
  follower_ = std::make_unique<Follower>(*client_, keys_, committer, Follower::Options{});
  follower_->Start();
  thread_ = std::thread([this] { Run(); });
  leader_watch_thread_ = std::thread([this] { WatchLeader(); });
  monitor_thread_ = std::thread([this] { Monitor(); });
}

void Member::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    if (campaign_cancel_ != nullptr) campaign_cancel_->Cancel();
  }
  if (thread_.joinable()) thread_.join();  // Resigns if leading.
  if (leader_watch_thread_.joinable()) leader_watch_thread_.join();
  if (monitor_thread_.joinable()) monitor_thread_.join();
  if (follower_ != nullptr) follower_->Stop();
  forwarder_->Stop();  // Forwarded writes in flight complete (against the still running committer).
}

bool Member::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void Member::SetLost() {
  absl::MutexLock lock(&mu_);
  lost_ = true;
  if (campaign_cancel_ != nullptr) campaign_cancel_->Cancel();
}

Member::Status Member::status() const {
  Status status;
  Follower::Status follower = follower_ != nullptr ? follower_->status() : Follower::Status{};
  absl::MutexLock lock(&mu_);
  status.role = role_;
  status.leader_address = role_ == Role::kLeader ? options_.advertise : leader_address_;
  status.leaderships = leaderships_;
  status.log_revision = std::max(head_, follower.log_revision);
  if (role_ == Role::kLeader && committer_ != nullptr) status.log_revision = committer_->applied_revision();
  status.follower_error = role_ == Role::kLeader ? absl::OkStatus() : follower.error;
  status.log_contact = role_ == Role::kLeader ? absl::Now() : follower.last_contact;
  status.etcd_db_bytes = etcd_db_bytes_;
  status.etcd_db_in_use_bytes = etcd_db_in_use_bytes_;
  status.etcd_alarms = etcd_alarms_;
  status.log_first_revision = log_first_revision_;
  return status;
}

void Member::Monitor() {
  while (true) {
    MonitorOnce();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.monitor_interval)) return;
  }
}

void Member::MonitorOnce() {
  // etcd's own figures, from the member this one talks to. A failure leaves the last known ones: the next call
  // goes to another member.
  absl::StatusOr<etcdserverpb::StatusResponse> etcd_status = client_->Status(client_->current_endpoint());
  absl::StatusOr<std::vector<etcdserverpb::AlarmMember>> alarms = client_->AlarmList();
  {
    absl::MutexLock lock(&mu_);
    if (etcd_status.ok()) {
      etcd_db_bytes_ = etcd_status->dbsize();
      etcd_db_in_use_bytes_ = etcd_status->dbsizeinuse();
    }
    if (alarms.ok()) etcd_alarms_ = static_cast<int64_t>(alarms->size());
  }
  if (log_->leading()) TrimLog();

  // Where the log starts now.
  etcdserverpb::RangeRequest first;
  first.set_key(keys_.log_prefix());
  first.set_range_end(etcd::PrefixEnd(keys_.log_prefix()));
  first.set_limit(1);
  first.set_keys_only(true);
  absl::StatusOr<etcdserverpb::RangeResponse> range = client_->Range(first);
  if (!range.ok() || range->kvs_size() == 0) return;
  const std::optional<int64_t> first_revision = keys_.LogKeyRevision(range->kvs(0).key());
  if (!first_revision.has_value()) return;
  const int64_t applied = committer_->applied_revision();
  const bool behind = !log_->leading() && applied + 1 < *first_revision;
  {
    absl::MutexLock lock(&mu_);
    log_first_revision_ = *first_revision;
    if (!behind || reported_behind_ || stopping_) return;
    reported_behind_ = true;
  }
  const absl::Status status = absl::FailedPreconditionError(
      absl::StrCat("this member applied the region's log up to revision ", applied,
                   ", but the log now starts at revision ", *first_revision,
                   " (older groups were trimmed): it cannot follow any more and must restart to re-seed from a "
                   "peer's checkpoint (docs/replication.md, \"Trimming and re-seeding\")"));
  observability::LogError("behind_log", {{"error", status.ToString()}});
  if (options_.on_behind_log) options_.on_behind_log(status);
}

void Member::HoldTrimForCheckpoint(int64_t revision) {
  absl::MutexLock lock(&mu_);
  checkpoint_holds_.emplace_back(revision, absl::Now());
}

void Member::TrimLog() {
  if (options_.log_retention_revisions <= 0) return;
  int64_t keep_from = committer_->applied_revision() - options_.log_retention_revisions + 1;
  {
    absl::MutexLock lock(&mu_);
    // Keep what a recently re-seeded member needs to follow on from its checkpoint.
    const absl::Time now = absl::Now();
    std::erase_if(checkpoint_holds_, [&](const auto& hold) { return now - hold.second > kCheckpointHold; });
    for (const auto& [revision, sent_at] : checkpoint_holds_) keep_from = std::min(keep_from, revision + 1);
    // Trim in steps of at least a tenth of the retention (and never below the start already trimmed to): one
    // transaction and one compaction per step, not per group.
    if (keep_from <= 1 ||
        keep_from < log_first_revision_ + std::max<int64_t>(1, options_.log_retention_revisions / 10)) {
      return;
    }
  }
  absl::StatusOr<EtcdLog::Trimmed> trimmed = log_->Trim(keep_from);
  if (!trimmed.ok()) {
    observability::LogError("log_trim_failed", {{"error", trimmed.status().ToString()}});
    return;
  }
  if (trimmed->groups_deleted == 0) return;
  // Free the space of the deleted groups (and of every older value of head): compact etcd's history up to the
  // deletion. Physical=false: etcd compacts in the background; defragmentation gives the file space back.
  absl::StatusOr<etcdserverpb::CompactionResponse> compacted = client_->Compact(trimmed->etcd_revision, false);
  observability::LogInfo("log_trimmed", {{"first_revision", trimmed->first_revision},
                                         {"groups_deleted", trimmed->groups_deleted},
                                         {"etcd_compacted_to", trimmed->etcd_revision},
                                         {"compaction", compacted.ok() ? "ok" : compacted.status().ToString()}});
  absl::MutexLock lock(&mu_);
  log_first_revision_ = trimmed->first_revision;
}

void Member::Run() {
  while (!stopping()) {
    CampaignAndLead();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kRetryPause);
  }
}

void Member::CampaignAndLead() {
  absl::StatusOr<etcd::Lease> lease = client_->Grant(options_.lease_ttl);
  if (!lease.ok()) {
    observability::LogError("lease_refused", {{"error", lease.status().ToString()}});
    return;
  }
  etcd::CancelToken cancel;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    lost_ = false;
    campaign_cancel_ = &cancel;
  }
  // Revoked on destruction: a member that stops or loses its term frees its election key at once.
  std::unique_ptr<etcd::LeaseKeeper> keeper = client_->KeepAlive(
      *lease, [this](const absl::Status&) { SetLost(); }, /*revoke_on_destroy=*/true);
  absl::StatusOr<v3electionpb::LeaderKey> leader =
      client_->Campaign(keys_.election(), lease->id, options_.advertise, absl::InfiniteFuture(), &cancel);
  {
    absl::MutexLock lock(&mu_);
    campaign_cancel_ = nullptr;
  }
  if (!leader.ok()) {
    if (!stopping()) observability::LogError("campaign_failed", {{"error", leader.status().ToString()}});
    return;
  }

  // Elected: every older leader key is gone, so the old leader can no longer append. Catch up to head, then lead.
  absl::StatusOr<std::pair<int64_t, int64_t>> head = ReadHead(*client_, keys_);
  if (!head.ok()) {
    observability::LogError("takeover_failed", {{"error", head.status().ToString()}});
    client_->Resign(*leader).IgnoreError();
    return;
  }
  const absl::Time catch_up_deadline = absl::Now() + options_.catch_up_timeout;
  while (committer_->applied_revision() < head->first) {
    absl::MutexLock lock(&mu_);
    if (stopping_ || lost_ || absl::Now() > catch_up_deadline) break;
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(5));
  }
  if (committer_->applied_revision() != head->first) {
    observability::LogError(
        "takeover_failed",
        {{"error", absl::StrCat("this member applied the log up to revision ", committer_->applied_revision(),
                                ", not up to head ", head->first, "; resigning")}});
    client_->Resign(*leader).IgnoreError();
    return;
  }
  follower_->Stop();
  log_->Lead(leader->key(), leader->rev(), head->first, head->second);
  {
    absl::MutexLock lock(&mu_);
    role_ = Role::kLeader;
    ++leaderships_;
    head_ = head->first;
  }
  observability::LogInfo("leading", {{"member", options_.member_id},
                                     {"term", leader->rev()},
                                     {"next_revision", head->first + 1},
                                     {"advertise", options_.advertise}});

  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Member* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) { return m->stopping_ || m->lost_; }, this));
  }
  log_->StepDown();
  client_->Resign(*leader).IgnoreError();  // The key may already be gone (lease lost): that is fine.
  {
    absl::MutexLock lock(&mu_);
    role_ = Role::kFollower;
    if (leader_address_ == options_.advertise) leader_address_.clear();
  }
  observability::LogInfo("stopped_leading", {{"member", options_.member_id}, {"stopping", stopping()}});
  if (!stopping()) follower_->Start();
}

void Member::WatchLeader() {
  while (!stopping()) {
    std::unique_ptr<etcd::Observer> observer = client_->Observe(
        keys_.election(),
        [this](const v3electionpb::LeaderResponse& response) {
          absl::MutexLock lock(&mu_);
          leader_address_ = response.kv().value();
        },
        [this](const absl::Status&) {
          absl::MutexLock lock(&mu_);
          observer_ended_ = true;
        });
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Member* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->mu_) { return m->stopping_ || m->observer_ended_; }, this));
      observer_ended_ = false;
    }
    observer.reset();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kRetryPause);
  }
}

}  // namespace ketenbeeld::replication
