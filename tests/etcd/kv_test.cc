// etcd::Client's KV calls, transactions and etcd's errors against a real single-member etcd; options and helpers that
// need no etcd.
#include <string>

#include "absl/strings/str_cat.h"
#include "etcd/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/etcd/fixture.h"

namespace ketenbeeld::etcd_test {
namespace {

using ::testing::HasSubstr;

TEST(PrefixEndTest, IncrementsTheLastByteBelow0xff) {
  EXPECT_EQ(etcd::PrefixEnd("a/"), "a0");
  EXPECT_EQ(etcd::PrefixEnd("abc"), "abd");
  EXPECT_EQ(etcd::PrefixEnd("a\xff"), "b");
  EXPECT_EQ(etcd::PrefixEnd(std::string("a\xff\xff", 3)), "b");
  // No byte to increment: every key from the prefix on.
  EXPECT_EQ(etcd::PrefixEnd(""), std::string(1, '\0'));
  EXPECT_EQ(etcd::PrefixEnd("\xff\xff"), std::string(1, '\0'));
}

TEST(ClientOptionsTest, ConnectRejectsBadOptionsNamingTheField) {
  absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect({});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(client.status().message()), HasSubstr("endpoints"));

  client = etcd::Client::Connect({.endpoints = {"127.0.0.1"}});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(client.status().message()), HasSubstr("\"127.0.0.1\" is not host:port"));

  client = etcd::Client::Connect({.endpoints = {"127.0.0.1:2379"}, .request_timeout = absl::ZeroDuration()});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(client.status().message()), HasSubstr("request_timeout"));
}

TEST(ClientOptionsTest, ConnectFailsWithinDialTimeoutWhenNobodyListens) {
  // Port 1 on loopback: nothing listens there, and an unprivileged test cannot start anything on it.
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<etcd::Client>> client =
      etcd::Client::Connect({.endpoints = {"127.0.0.1:1"}, .dial_timeout = absl::Milliseconds(300)});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(client.status().message()), HasSubstr("127.0.0.1:1"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

using KvTest = EtcdTest;

TEST_F(KvTest, PutGetAndRangeByPrefixAndRevision) {
  ASSERT_TRUE(client_->Put("app/a", "1").ok());
  absl::StatusOr<etcdserverpb::PutResponse> second = client_->Put("app/b", "2");
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(client_->Put("other", "x").ok());
  ASSERT_TRUE(client_->Put("app/a", "1b").ok());

  etcdserverpb::RangeRequest prefix;
  prefix.set_key("app/");
  prefix.set_range_end(etcd::PrefixEnd("app/"));
  absl::StatusOr<etcdserverpb::RangeResponse> range = client_->Range(prefix);
  ASSERT_TRUE(range.ok()) << range.status();
  ASSERT_EQ(range->kvs_size(), 2);
  EXPECT_EQ(range->kvs(0).key(), "app/a");
  EXPECT_EQ(range->kvs(0).value(), "1b");
  EXPECT_EQ(range->kvs(0).version(), 2);
  EXPECT_EQ(range->kvs(1).key(), "app/b");

  // The same range as of the second put: app/a still had its first value.
  prefix.set_revision(second->header().revision());
  range = client_->Range(prefix);
  ASSERT_TRUE(range.ok()) << range.status();
  ASSERT_EQ(range->kvs_size(), 2);
  EXPECT_EQ(range->kvs(0).value(), "1");

  absl::StatusOr<etcd::GetResult> got = client_->Get("app/b");
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->kv.has_value());
  EXPECT_EQ(got->kv->value(), "2");
  EXPECT_EQ(got->kv->create_revision(), second->header().revision());
  EXPECT_GE(got->revision, second->header().revision() + 2);

  got = client_->Get("app/missing");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->kv.has_value());
  EXPECT_GT(got->revision, 0);

  etcdserverpb::DeleteRangeRequest del;
  del.set_key("app/");
  del.set_range_end(etcd::PrefixEnd("app/"));
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> deleted = client_->DeleteRange(del);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->deleted(), 2);
}

TEST_F(KvTest, TxnWhoseCompareFailsWritesNothing) {
  absl::StatusOr<etcdserverpb::PutResponse> head = client_->Put("log/head", "7");
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(client_->Put("log/head", "8").ok());  // head moved on: a compare on the old mod revision fails

  etcdserverpb::TxnRequest txn;
  etcdserverpb::Compare& compare = *txn.add_compare();
  compare.set_key("log/head");
  compare.set_target(etcdserverpb::Compare::MOD);
  compare.set_result(etcdserverpb::Compare::EQUAL);
  compare.set_mod_revision(head->header().revision());
  *txn.add_success() = PutOp("log/0009", "group");
  *txn.add_success() = PutOp("log/head", "9");
  txn.add_failure()->mutable_request_range()->set_key("log/head");

  absl::StatusOr<etcdserverpb::TxnResponse> response = client_->Txn(txn);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->succeeded());
  ASSERT_EQ(response->responses_size(), 1);
  ASSERT_EQ(response->responses(0).response_range().kvs_size(), 1);
  EXPECT_EQ(response->responses(0).response_range().kvs(0).value(), "8");
  absl::StatusOr<etcd::GetResult> entry = client_->Get("log/0009");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_FALSE(entry->kv.has_value());

  // With the current mod revision it commits both puts at one revision.
  absl::StatusOr<etcd::GetResult> current = client_->Get("log/head");
  ASSERT_TRUE(current.ok() && current->kv.has_value());
  txn.mutable_compare(0)->set_mod_revision(current->kv->mod_revision());
  response = client_->Txn(txn, absl::Seconds(5));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->succeeded());
  entry = client_->Get("log/0009");
  ASSERT_TRUE(entry.ok() && entry->kv.has_value());
  EXPECT_EQ(entry->kv->mod_revision(), response->header().revision());
}

TEST_F(KvTest, ReadBelowTheCompactionIsOutOfRange) {
  absl::StatusOr<etcdserverpb::PutResponse> first = client_->Put("k", "1");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<etcdserverpb::PutResponse> last = client_->Put("k", "2");
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_TRUE(client_->Compact(last->header().revision(), /*physical=*/true).ok());

  etcdserverpb::RangeRequest old;
  old.set_key("k");
  old.set_revision(first->header().revision());
  absl::StatusOr<etcdserverpb::RangeResponse> range = client_->Range(old);
  EXPECT_EQ(range.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(etcd::IsCompacted(range.status())) << range.status();
  EXPECT_THAT(std::string(range.status().message()), HasSubstr(cluster_->endpoint(0)));
  EXPECT_FALSE(etcd::OutcomeUnknown(range.status()));

  // Compacting again at the same revision is refused the same way.
  EXPECT_TRUE(etcd::IsCompacted(client_->Compact(last->header().revision(), false).status()));
}

TEST_F(KvTest, StatusReportsSizeLeaderAndRaftState) {
  absl::StatusOr<etcdserverpb::StatusResponse> status = client_->Status(cluster_->endpoint(0));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_GT(status->dbsize(), 0);
  EXPECT_GT(status->dbsizeinuse(), 0);
  EXPECT_EQ(status->leader(), status->header().member_id());  // one member: it leads
  EXPECT_GT(status->raftterm(), 0u);
  EXPECT_GT(status->raftindex(), 0u);
  EXPECT_TRUE(status->errors().empty());

  EXPECT_EQ(client_->Status("127.0.0.1:1").status().code(), absl::StatusCode::kInvalidArgument);
}

class SmallRequestLimitTest : public EtcdTest {
 protected:
  SmallRequestLimitTest() { cluster_options_.max_request_bytes = 64 * 1024; }
};

TEST_F(SmallRequestLimitTest, PutAboveMaxRequestBytesIsTooLarge) {
  absl::StatusOr<etcdserverpb::PutResponse> put = client_->Put("big", std::string(100 * 1024, 'x'));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(etcd::IsRequestTooLarge(put.status())) << put.status();
  EXPECT_FALSE(etcd::OutcomeUnknown(put.status()));
  EXPECT_TRUE(client_->Put("small", std::string(16 * 1024, 'x')).ok());
}

class TinyQuotaTest : public EtcdTest {
 protected:
  TinyQuotaTest() { cluster_options_.quota_backend_bytes = 2 * 1024 * 1024; }
};

TEST_F(TinyQuotaTest, NoSpaceUntilCompactedDefragmentedAndDisarmed) {
  // Rewrite one key with 100 KiB values: the history fills the 2 MiB quota. etcd compares the quota with its backend
  // file, which grows only when a batch is committed (every 100 ms), so a fast client can write well past 2 MiB
  // before the first refusal: 100 writes were not always enough (bounded: at most 400 writes, 40 MiB).
  const std::string value(100 * 1024, 'v');
  absl::Status put_status;
  int writes = 0;
  for (; writes < 400 && put_status.ok(); ++writes) put_status = client_->Put("filler", value).status();
  ASSERT_FALSE(put_status.ok()) << "the quota was never reached in " << writes << " writes";
  EXPECT_EQ(put_status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(etcd::IsNoSpace(put_status)) << put_status;

  absl::StatusOr<std::vector<etcdserverpb::AlarmMember>> alarms = client_->AlarmList();
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  ASSERT_EQ(alarms->size(), 1u);
  EXPECT_EQ((*alarms)[0].alarm(), etcdserverpb::NOSPACE);
  absl::StatusOr<etcdserverpb::StatusResponse> status = client_->Status(cluster_->endpoint(0));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_FALSE(status->errors().empty());
  // Reads still work, and so does a transaction that only reads.
  EXPECT_TRUE(client_->Get("filler").ok());
  // Still refused: the alarm stays until disarmed.
  EXPECT_TRUE(etcd::IsNoSpace(client_->Put("other", "x").status()));

  absl::StatusOr<etcd::GetResult> latest = client_->Get("filler");
  ASSERT_TRUE(latest.ok()) << latest.status();
  ASSERT_TRUE(client_->Compact(latest->revision, /*physical=*/true).ok());
  ASSERT_TRUE(client_->Defragment(cluster_->endpoint(0)).ok());
  status = client_->Status(cluster_->endpoint(0));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_LT(status->dbsize(), cluster_options_.quota_backend_bytes);
  for (const etcdserverpb::AlarmMember& alarm : *alarms) ASSERT_TRUE(client_->AlarmDisarm(alarm).ok());

  alarms = client_->AlarmList();
  ASSERT_TRUE(alarms.ok()) << alarms.status();
  EXPECT_TRUE(alarms->empty());
  EXPECT_TRUE(client_->Put("other", "x").ok());
}

}  // namespace
}  // namespace ketenbeeld::etcd_test
