// The etcd client's tests run against a real etcd (tests/support/etcd_cluster.h): a fixture that starts a cluster
// and connects a client, and helpers to build transactions and wait for conditions.
#ifndef KETENBEELD_TESTS_ETCD_FIXTURE_H_
#define KETENBEELD_TESTS_ETCD_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "etcd/client.h"
#include "gtest/gtest.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/eventually.h"

namespace ketenbeeld::etcd_test {

using ::ketenbeeld::testing::Eventually;

// Starts a cluster (skipping the test when etcd is missing) and connects `client` to every member.
class EtcdTest : public ::testing::Test {
 protected:
  // Called by SetUp; a test fixture may change them in its constructor.
  ketenbeeld::testing::EtcdClusterOptions cluster_options_;
  absl::Duration request_timeout_ = absl::Seconds(2);

  void SetUp() override {
    if (!ketenbeeld::testing::EtcdCluster::Available()) GTEST_SKIP() << ketenbeeld::testing::EtcdCluster::kMissing;
    absl::StatusOr<std::unique_ptr<ketenbeeld::testing::EtcdCluster>> cluster =
        ketenbeeld::testing::EtcdCluster::Start(cluster_options_);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    client_ = Connect();
    ASSERT_NE(client_, nullptr);
  }

  std::unique_ptr<etcd::Client> Connect() {
    absl::StatusOr<std::unique_ptr<etcd::Client>> client = etcd::Client::Connect(
        {.endpoints = cluster_->endpoints(), .dial_timeout = absl::Seconds(5), .request_timeout = request_timeout_});
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // The clients before the cluster: destroyed in reverse order of declaration.
  std::unique_ptr<ketenbeeld::testing::EtcdCluster> cluster_;
  std::unique_ptr<etcd::Client> client_;
};

inline etcdserverpb::RequestOp PutOp(const std::string& key, const std::string& value) {
  etcdserverpb::RequestOp op;
  op.mutable_request_put()->set_key(key);
  op.mutable_request_put()->set_value(value);
  return op;
}

inline etcdserverpb::Compare CreateRevisionIs(const std::string& key, int64_t revision) {
  etcdserverpb::Compare compare;
  compare.set_key(key);
  compare.set_target(etcdserverpb::Compare::CREATE);
  compare.set_result(etcdserverpb::Compare::EQUAL);
  compare.set_create_revision(revision);
  return compare;
}

}  // namespace ketenbeeld::etcd_test

#endif  // KETENBEELD_TESTS_ETCD_FIXTURE_H_
