#include "server/replication/etcd_log.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "ketenbeeld/server/v1/replication.pb.h"
#include "server/observability/log.h"

namespace ketenbeeld::replication {
namespace {

using etcdserverpb::Compare;

void CompareCreate(etcdserverpb::TxnRequest& txn, const std::string& key, int64_t create_revision) {
  Compare* compare = txn.add_compare();
  compare->set_target(Compare::CREATE);
  compare->set_result(Compare::EQUAL);
  compare->set_key(key);
  compare->set_create_revision(create_revision);
}

void CompareMod(etcdserverpb::TxnRequest& txn, const std::string& key, int64_t mod_revision) {
  Compare* compare = txn.add_compare();
  compare->set_target(Compare::MOD);
  compare->set_result(Compare::EQUAL);
  compare->set_key(key);
  compare->set_mod_revision(mod_revision);
}

void Put(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops, std::string key, std::string value) {
  etcdserverpb::PutRequest* put = ops.Add()->mutable_request_put();
  put->set_key(std::move(key));
  put->set_value(std::move(value));
}

void Get(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops, std::string key) {
  ops.Add()->mutable_request_range()->set_key(std::move(key));
}

// The first key-value of the `index`th response of a transaction's branch, if any.
const mvccpb::KeyValue* FirstKv(const etcdserverpb::TxnResponse& response, int index) {
  if (index >= response.responses_size()) return nullptr;
  const etcdserverpb::RangeResponse& range = response.responses(index).response_range();
  return range.kvs_size() == 0 ? nullptr : &range.kvs(0);
}

constexpr absl::string_view kRetry = "nothing was written; retry (the client library moves on to the leader by itself)";

}  // namespace

EtcdLog::EtcdLog(etcd::Client& client, Keyspace keys, Options options)
    : client_(client), keys_(std::move(keys)), options_(std::move(options)) {}

void EtcdLog::Lead(std::string leader_key, int64_t term, int64_t head, int64_t head_mod_revision) {
  absl::MutexLock lock(&mu_);
  leading_ = true;
  term_ = Term{.leader_key = std::move(leader_key), .term = term, .head = head, .head_mod_revision = head_mod_revision};
}

void EtcdLog::StepDown() {
  absl::MutexLock lock(&mu_);
  leading_ = false;
}

bool EtcdLog::leading() const {
  absl::MutexLock lock(&mu_);
  return leading_;
}

absl::Status EtcdLog::NotLeading() const {
  const std::string leader = options_.leader_address ? options_.leader_address() : std::string();
  return absl::UnavailableError(absl::StrCat("this member is not the region's leader",
                                             leader.empty() ? " (no leader is known right now)" : "; the leader is ",
                                             leader, ": ", kRetry));
}

absl::Status EtcdLog::Lose(absl::Status refusal) {
  StepDown();
  observability::LogError("leadership_lost", {{"error", refusal.ToString()}});
  if (options_.on_lost) options_.on_lost(refusal);
  return refusal;
}

absl::Status EtcdLog::Append(int64_t first_revision, int64_t last_revision, absl::Time commit_time,
                             const std::vector<std::string_view>& events) {
  const absl::Time start = absl::Now();
  absl::Status appended = AppendAsLeader(first_revision, last_revision, commit_time, events);
  if (options_.observer != nullptr) options_.observer->OnLogAppend(absl::Now() - start, appended.ok());
  return appended;
}

absl::Status EtcdLog::AppendAsLeader(int64_t first_revision, int64_t last_revision, absl::Time commit_time,
                                     const std::vector<std::string_view>& events) {
  Term term;
  {
    absl::MutexLock lock(&mu_);
    if (!leading_) return NotLeading();
    term = term_;
  }
  if (first_revision != term.head + 1) {
    // This member's store fell behind the log it wrote (its own write failed after the log's succeeded): it must
    // follow the log again before it may write.
    return Lose(absl::UnavailableError(absl::StrCat("this member's store is at revision ", first_revision - 1,
                                                    " but the region's log at ", term.head, "; ", kRetry)));
  }
  server::v1::LogGroup group;
  group.set_first_revision(first_revision);
  group.set_last_revision(last_revision);
  *group.mutable_commit_time() = ToProtoTime(commit_time);
  group.set_leader_term(term.term);
  for (std::string_view event : events) group.add_events(event.data(), event.size());
  if (group.ByteSizeLong() > options_.max_entry_bytes) {
    absl::StatusOr<int> parts = WriteParts(term, first_revision, events);
    if (!parts.ok()) return parts.status();
    group.clear_events();
    group.set_parts(*parts);
  }
  const std::string group_bytes = group.SerializeAsString();
  const std::string log_key = keys_.LogKey(first_revision);

  etcdserverpb::TxnRequest txn;
  CompareCreate(txn, term.leader_key, term.term);
  CompareMod(txn, keys_.head(), term.head_mod_revision);
  CompareCreate(txn, log_key, 0);
  Put(*txn.mutable_success(), log_key, group_bytes);
  Put(*txn.mutable_success(), keys_.head(), absl::StrCat(last_revision));
  Get(*txn.mutable_failure(), term.leader_key);
  Get(*txn.mutable_failure(), keys_.head());
  absl::StatusOr<etcdserverpb::TxnResponse> response = client_.Txn(txn, options_.timeout);
  if (response.ok() && response->succeeded()) {
    absl::MutexLock lock(&mu_);
    term_.head = last_revision;
    term_.head_mod_revision = response->header().revision();
    return absl::OkStatus();
  }
  if (response.ok()) {
    const mvccpb::KeyValue* leader = FirstKv(*response, 0);
    const bool still_leads = leader != nullptr && leader->create_revision() == term.term;
    return Lose(absl::UnavailableError(
        absl::StrCat(still_leads ? "the region's log moved on without this member (another leader wrote)"
                                 : "this member lost the leadership before the write was made",
                     "; ", kRetry)));
  }
  if (etcd::IsNoSpace(response.status())) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "etcd is out of space (NOSPACE alarm): nothing was written; writes resume once the operator has compacted "
        "and defragmented etcd and disarmed the alarm (docs/operations.md)"));
  }
  if (etcd::IsRequestTooLarge(response.status())) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this commit group (", group_bytes.size(),
        " bytes) is larger than etcd's request limit (--max-request-bytes): nothing was written; send fewer or "
        "smaller writes at once"));
  }
  if (!etcd::OutcomeUnknown(response.status())) {
    return absl::UnavailableError(
        absl::StrCat("the region's log (etcd) refused the write: ", response.status().message(), "; ", kRetry));
  }
  return Settle(term, first_revision, last_revision, group_bytes);
}

absl::StatusOr<int> EtcdLog::WriteParts(const Term& term, int64_t first_revision,
                                        const std::vector<std::string_view>& events) {
  // Each part as large as fits, in event order. Keys and framing are small beside max_entry_bytes.
  std::vector<server::v1::LogGroup> parts(1);
  for (std::string_view event : events) {
    if (event.size() > options_.max_entry_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "one event of this write is ", event.size(), " bytes, more than the region's log takes in one piece (",
          options_.max_entry_bytes, "): nothing was written; send a smaller write"));
    }
    if (parts.back().events_size() > 0 && parts.back().ByteSizeLong() + event.size() + 8 > options_.max_entry_bytes) {
      parts.emplace_back();
    }
    parts.back().add_events(event.data(), event.size());
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    // Fenced like the group itself: a deposed leader cannot write parts. Parts that end up unreferenced (the group's
    // own transaction failed) are harmless; trimming deletes them.
    etcdserverpb::TxnRequest txn;
    CompareCreate(txn, term.leader_key, term.term);
    Put(*txn.mutable_success(), keys_.PartKey(first_revision, term.term, static_cast<int>(i)),
        parts[i].SerializeAsString());
    absl::StatusOr<etcdserverpb::TxnResponse> response = client_.Txn(txn, options_.timeout);
    if (response.ok() && !response->succeeded()) {
      return Lose(
          absl::UnavailableError(absl::StrCat("this member lost the leadership before the write was made; ", kRetry)));
    }
    if (!response.ok()) {
      // Whether or not this part landed, the group is not committed until its log key is written: nothing was.
      return absl::UnavailableError(absl::StrCat("the region's log (etcd) did not take part ", i + 1, " of ",
                                                 parts.size(), " of this commit group (", response.status().message(),
                                                 "); ", kRetry));
    }
  }
  return static_cast<int>(parts.size());
}

absl::StatusOr<EtcdLog::Trimmed> EtcdLog::Trim(int64_t keep_from) {
  Term term;
  {
    absl::MutexLock lock(&mu_);
    if (!leading_) return NotLeading();
    term = term_;
  }
  // The group that holds `keep_from`: the last log key at or below LogKey(keep_from).
  etcdserverpb::RangeRequest holder;
  holder.set_key(keys_.LogKey(0));
  holder.set_range_end(keys_.LogKey(keep_from + 1));
  holder.set_limit(1);
  holder.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  holder.set_sort_target(etcdserverpb::RangeRequest::KEY);
  holder.set_keys_only(true);
  absl::StatusOr<etcdserverpb::RangeResponse> found = client_.Range(holder);
  if (!found.ok()) return found.status();
  if (found->kvs_size() == 0) return Trimmed{};  // Nothing at or below keep_from (an empty or already trimmed log).
  const std::optional<int64_t> first = keys_.LogKeyRevision(found->kvs(0).key());
  if (!first.has_value()) {
    return absl::DataLossError(absl::StrCat("etcd key ", found->kvs(0).key(), " is not a log key"));
  }

  etcdserverpb::TxnRequest txn;
  CompareCreate(txn, term.leader_key, term.term);
  etcdserverpb::DeleteRangeRequest* below = txn.mutable_success()->Add()->mutable_request_delete_range();
  below->set_key(keys_.LogKey(0));
  below->set_range_end(keys_.LogKey(*first));
  etcdserverpb::DeleteRangeRequest* parts_below = txn.mutable_success()->Add()->mutable_request_delete_range();
  parts_below->set_key(keys_.PartsFrom(0));
  parts_below->set_range_end(keys_.PartsFrom(*first));
  absl::StatusOr<etcdserverpb::TxnResponse> response = client_.Txn(txn, options_.timeout);
  if (!response.ok()) return response.status();
  if (!response->succeeded()) return NotLeading();
  return Trimmed{.first_revision = *first,
                 .groups_deleted = response->responses(0).response_delete_range().deleted(),
                 .etcd_revision = response->header().revision()};
}

absl::Status EtcdLog::Settle(const Term& term, int64_t first_revision, int64_t last_revision,
                             const std::string& group) {
  absl::Status last_error;
  for (int attempt = 0; attempt < options_.settle_attempts; ++attempt) {
    // Fenced by the leadership like the append: a member deposed meanwhile must not move head, or it would break the
    // compare of the new leader's next append (which read head at its takeover) and cost the region another election.
    etcdserverpb::TxnRequest cas;
    CompareCreate(cas, term.leader_key, term.term);
    CompareMod(cas, keys_.head(), term.head_mod_revision);
    Put(*cas.mutable_success(), keys_.head(), absl::StrCat(term.head));
    Get(*cas.mutable_failure(), term.leader_key);
    Get(*cas.mutable_failure(), keys_.head());
    Get(*cas.mutable_failure(), keys_.LogKey(first_revision));
    absl::StatusOr<etcdserverpb::TxnResponse> response = client_.Txn(cas, options_.timeout);
    if (!response.ok()) {
      last_error = response.status();
      continue;
    }
    if (response->succeeded()) {
      // head moved under this member's own fence: the lost transaction, which compares head's old mod revision, can
      // never apply now.
      {
        absl::MutexLock lock(&mu_);
        term_.head_mod_revision = response->header().revision();
      }
      observability::LogWarning("append_settled", {{"first_revision", first_revision}, {"written", false}});
      return absl::UnavailableError(absl::StrCat("the region's log (etcd) did not answer in time; settled: ", kRetry));
    }
    const mvccpb::KeyValue* leader = FirstKv(*response, 0);
    const mvccpb::KeyValue* head = FirstKv(*response, 1);
    const mvccpb::KeyValue* entry = FirstKv(*response, 2);
    const bool still_leads = leader != nullptr && leader->create_revision() == term.term;
    int64_t head_value = 0;
    const bool head_read = head != nullptr && absl::SimpleAtoi(head->value(), &head_value);
    if (entry != nullptr && entry->value() == group) {
      // The lost transaction did apply: the group is durable, whatever happened since.
      observability::LogWarning("append_settled", {{"first_revision", first_revision}, {"written", true}});
      if (still_leads && head_read && head_value == last_revision) {
        absl::MutexLock lock(&mu_);
        term_.head = last_revision;
        term_.head_mod_revision = head->mod_revision();
        return absl::OkStatus();
      }
      // Another leader has taken over (and may have written after it): the write stands, but this member no longer
      // leads. Its follower loop skips the group it applies now as a duplicate.
      Lose(absl::UnavailableError("another member took over the region's log after this member's last write"))
          .IgnoreError();
      return absl::OkStatus();
    }
    if (!still_leads) {
      // The lost transaction carries the same fence, which can no longer hold: it can never apply either.
      return Lose(absl::UnavailableError(
          absl::StrCat("this member lost the leadership before the write was made (the region's log did not answer "
                       "in time); ",
                       kRetry)));
    }
    // head moved, but not by this group: another writer wrote under this member's leadership key, which only this
    // member holds. Stop writing rather than guess.
    return Lose(absl::UnavailableError(absl::StrCat("another member took over the region's log; ", kRetry)));
  }
  return Lose(absl::UnavailableError(absl::StrCat(
      "the region's log (etcd) did not answer (", last_error.message(),
      "): whether this write was made is not known yet; this member stopped leading and applies it if it was. "
      "Check with Get before repeating it, or repeat it with expected_revision")));
}

}  // namespace ketenbeeld::replication
