// The committer's replicated mode (server/pipeline/replicated_log.h): a leader appends each group to the replicated
// log before anything else happens, and a follower applies the log's groups through the same path, so both end with
// byte-identical logs and the same picture.
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/committer_fixture.h"
#include "tests/support/eventually.h"

namespace ketenbeeld::testing {
namespace {

using ::testing::HasSubstr;

// Every event in the store's log, as stored.
std::vector<std::string> LogBytes(const storage::Store& store) {
  std::vector<std::string> bytes;
  if (store.last_revision() == 0) return bytes;
  absl::StatusOr<std::vector<storage::StoredEvent>> events = store.ReadLog(1, store.last_revision(), size_t{1} << 30);
  EXPECT_TRUE(events.ok()) << events.status();
  if (!events.ok()) return bytes;
  for (storage::StoredEvent& event : *events) bytes.push_back(std::move(event.event_bytes));
  return bytes;
}

// Records every appended group, checking the invariant at the moment of the append: the store has not seen the group
// yet. Can be told to refuse.
class RecordingLog : public pipeline::ReplicatedLog {
 public:
  absl::Status Append(int64_t first_revision, int64_t last_revision, absl::Time commit_time,
                      const std::vector<std::string_view>& events) override {
    absl::MutexLock lock(&mu_);
    if (store_ != nullptr) {
      EXPECT_EQ(store_->last_revision(), first_revision - 1) << "written before the append";
    }
    if (!refuse_.ok()) return refuse_;
    pipeline::ReplicatedGroup& group = groups_.emplace_back();
    group.first_revision = first_revision;
    group.last_revision = last_revision;
    group.commit_time = commit_time;
    group.events.assign(events.begin(), events.end());
    return absl::OkStatus();
  }

  bool leading() const override { return true; }

  void Watch(const storage::Store* store) {
    absl::MutexLock lock(&mu_);
    store_ = store;
  }
  void Refuse(absl::Status status) {
    absl::MutexLock lock(&mu_);
    refuse_ = std::move(status);
  }
  std::vector<pipeline::ReplicatedGroup> groups() const {
    absl::MutexLock lock(&mu_);
    return groups_;
  }

 private:
  mutable absl::Mutex mu_;
  const storage::Store* store_ ABSL_GUARDED_BY(mu_) = nullptr;
  absl::Status refuse_ ABSL_GUARDED_BY(mu_);
  std::vector<pipeline::ReplicatedGroup> groups_ ABSL_GUARDED_BY(mu_);
};

// A follower's log: never leads, so writes are forwarded.
class FollowingLog : public pipeline::ReplicatedLog {
 public:
  absl::Status Append(int64_t, int64_t, absl::Time, const std::vector<std::string_view>&) override {
    return absl::UnavailableError("not the leader");
  }
  bool leading() const override { return false; }
};

// Forwards to the leader fixture's committer, like server/replication/forwarder.h does over gRPC.
class DirectForwarder : public pipeline::WriteForwarder {
 public:
  explicit DirectForwarder(pipeline::Committer& leader) : leader_(leader) {}
  void Forward(mutations::WriteRequest request,
               absl::AnyInvocable<void(absl::StatusOr<pipeline::WriteResult>) &&> done) override {
    forwarded_.fetch_add(1);
    leader_.Submit(std::move(request), std::move(done));
  }
  int forwarded() const { return forwarded_.load(); }

 private:
  pipeline::Committer& leader_;
  std::atomic<int> forwarded_{0};
};

// A second member: its own store, picture, hub and committer, fed only through SubmitReplicated.
class Follower {
 public:
  explicit Follower(pipeline::Committer::Options committer_options = {}) {
    storage::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.sync = false;
    options.small_buffers = true;
    store_ = *storage::Store::Open(options);
    picture_ = *state::Picture::Load(*store_);
    hub_ = std::make_unique<pipeline::Hub>(*store_, store_->last_revision(), pipeline::Hub::Options{});
    committer_ = std::make_unique<pipeline::Committer>(*store_, *picture_, *hub_, std::move(committer_options));
  }
  ~Follower() { committer_->Stop(); }

  absl::Status Apply(pipeline::ReplicatedGroup group) {
    // Shared with the callback: Notify() may still run on the committer thread when the wait returns.
    struct Outcome {
      absl::Status status;
      absl::Notification done;
    };
    auto outcome = std::make_shared<Outcome>();
    committer_->SubmitReplicated(std::move(group), [outcome](absl::Status status) {
      outcome->status = std::move(status);
      outcome->done.Notify();
    });
    outcome->done.WaitForNotification();
    return outcome->status;
  }

  // Submits a write to this member's committer and waits for its outcome.
  absl::StatusOr<pipeline::WriteResult> Submit(mutations::WriteRequest request) {
    struct Outcome {
      absl::StatusOr<pipeline::WriteResult> result = absl::UnknownError("no callback");
      absl::Notification done;
    };
    auto outcome = std::make_shared<Outcome>();
    committer_->Submit(std::move(request), [outcome](absl::StatusOr<pipeline::WriteResult> result) {
      outcome->result = std::move(result);
      outcome->done.Notify();
    });
    outcome->done.WaitForNotification();
    return outcome->result;
  }

  std::vector<std::string> LogBytes() const { return testing::LogBytes(*store_); }

  TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<state::Picture> picture_;
  std::unique_ptr<pipeline::Hub> hub_;
  std::unique_ptr<pipeline::Committer> committer_;
};

class ReplicatedCommitterTest : public CommitterFixture {
 protected:
  ReplicatedCommitterTest() { committer_options_.replicated_log = &log_; }
  void SetUp() override {
    CommitterFixture::SetUp();
    log_.Watch(store_.get());
  }

  std::vector<std::string> LeaderLogBytes() const { return LogBytes(*store_); }

  RecordingLog log_;  // Outlives the committer (declared before the fixture's members are torn down in TearDown).
};

TEST_F(ReplicatedCommitterTest, AppendsEachGroupBeforeWritingItAndFollowersEndByteIdentical) {
  ASSERT_TRUE(Register("ziekenhuis-a").ok());
  std::vector<mutations::WriteRequest> together;
  together.push_back(RegisterWrite(MakeOrganization("ziekenhuis-b")));
  together.push_back(RegisterWrite(MakeOrganization("ziekenhuis-c")));
  for (const auto& result : SubmitAll(std::move(together))) ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_TRUE(Tick().ok());  // Changes nothing: nothing is appended.

  const std::vector<pipeline::ReplicatedGroup> groups = log_.groups();
  ASSERT_FALSE(groups.empty());
  EXPECT_EQ(groups.front().first_revision, 1);
  EXPECT_EQ(groups.back().last_revision, 3);
  std::vector<std::string> appended;
  for (const pipeline::ReplicatedGroup& group : groups) {
    appended.insert(appended.end(), group.events.begin(), group.events.end());
  }
  EXPECT_EQ(appended, LeaderLogBytes());

  Follower follower;
  for (const pipeline::ReplicatedGroup& group : groups) ASSERT_TRUE(follower.Apply(group).ok());
  EXPECT_EQ(follower.LogBytes(), LeaderLogBytes());
  EXPECT_EQ(follower.committer_->applied_revision(), 3);
  ASSERT_NE(follower.picture_->Find(domain::OrganizationName("ziekenhuis-c")), nullptr);
  EXPECT_EQ(follower.picture_->Find(domain::OrganizationName("ziekenhuis-c"))->wire,
            picture_->Find(domain::OrganizationName("ziekenhuis-c"))->wire);
}

TEST_F(ReplicatedCommitterTest, RefusedAppendWritesNothingAndTheNextGroupReusesTheRevisions) {
  ASSERT_TRUE(Register("ziekenhuis-a").ok());
  log_.Refuse(absl::UnavailableError("not the leader; the leader is 127.0.0.1:9"));
  absl::StatusOr<pipeline::WriteResult> refused = Register("ziekenhuis-b");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("127.0.0.1:9"));
  EXPECT_EQ(store_->last_revision(), 1);
  EXPECT_EQ(picture_->Find(domain::OrganizationName("ziekenhuis-b")), nullptr);
  EXPECT_EQ(committer_->applied_revision(), 1);

  log_.Refuse(absl::OkStatus());
  absl::StatusOr<pipeline::WriteResult> accepted = Register("ziekenhuis-b");
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->revision, 2);
  EXPECT_EQ(log_.groups().back().first_revision, 2);
}

TEST_F(ReplicatedCommitterTest, FollowerIgnoresDuplicatesRefusesGapsAndCorruptGroups) {
  ASSERT_TRUE(Register("ziekenhuis-a").ok());
  ASSERT_TRUE(Register("ziekenhuis-b").ok());
  ASSERT_TRUE(Register("ziekenhuis-c").ok());
  const std::vector<pipeline::ReplicatedGroup> groups = log_.groups();
  ASSERT_EQ(groups.size(), 3u);

  Follower follower;
  const absl::Status gap = follower.Apply(groups[1]);
  EXPECT_EQ(gap.code(), absl::StatusCode::kFailedPrecondition) << gap;
  EXPECT_EQ(follower.store_->last_revision(), 0);

  ASSERT_TRUE(follower.Apply(groups[0]).ok());
  EXPECT_TRUE(follower.Apply(groups[0]).ok());  // A duplicate: ignored.
  EXPECT_EQ(follower.store_->last_revision(), 1);

  pipeline::ReplicatedGroup corrupt = groups[1];
  corrupt.events[0] = "\xff\xff not an event";
  EXPECT_EQ(follower.Apply(corrupt).code(), absl::StatusCode::kDataLoss);
  pipeline::ReplicatedGroup misnumbered = groups[2];
  misnumbered.first_revision = misnumbered.last_revision = 2;  // Holds revision 3's event.
  EXPECT_EQ(follower.Apply(misnumbered).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(follower.store_->last_revision(), 1);

  ASSERT_TRUE(follower.Apply(groups[1]).ok());
  ASSERT_TRUE(follower.Apply(groups[2]).ok());
  EXPECT_EQ(follower.LogBytes(), LeaderLogBytes());
}

TEST_F(ReplicatedCommitterTest, FollowerFeedsSeeReplicatedGroups) {
  ASSERT_TRUE(Register("ziekenhuis-a").ok());
  Follower follower;
  ASSERT_TRUE(follower.Apply(log_.groups()[0]).ok());
  EXPECT_EQ(follower.hub_->head(), 1);
}

TEST_F(ReplicatedCommitterTest, TakeoverContinuesAtTheNextRevisionWithCommitTimesThatDoNotGoBack) {
  ASSERT_TRUE(Register("ziekenhuis-a").ok());
  Advance(absl::Hours(1));
  ASSERT_TRUE(Register("ziekenhuis-b").ok());
  const absl::Time leader_last_commit = Now();

  // The new leader's clock is an hour behind the old one's.
  RecordingLog new_log;
  pipeline::Committer::Options options;
  options.replicated_log = &new_log;
  options.clock = [] { return kStart; };
  Follower successor(std::move(options));
  for (const pipeline::ReplicatedGroup& group : log_.groups()) ASSERT_TRUE(successor.Apply(group).ok());

  absl::StatusOr<pipeline::WriteResult> first = successor.Submit(RegisterWrite(MakeOrganization("ziekenhuis-c")));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->revision, 3);
  ASSERT_EQ(new_log.groups().size(), 1u);
  EXPECT_EQ(new_log.groups()[0].first_revision, 3);
  EXPECT_EQ(new_log.groups()[0].commit_time, leader_last_commit);
}

TEST_F(ReplicatedCommitterTest, FollowerForwardsWritesAndCompletesThemOnceItHasAppliedThem) {
  FollowingLog following;
  DirectForwarder forwarder(*committer_);
  pipeline::Committer::Options options;
  options.replicated_log = &following;
  options.forwarder = &forwarder;
  Follower follower(std::move(options));

  struct Outcome {
    absl::StatusOr<pipeline::WriteResult> result = absl::UnknownError("no callback");
    absl::Notification done;
  };
  auto outcome = std::make_shared<Outcome>();
  follower.committer_->Submit(RegisterWrite(MakeOrganization("ziekenhuis-a")),
                              [outcome](absl::StatusOr<pipeline::WriteResult> result) {
                                outcome->result = std::move(result);
                                outcome->done.Notify();
                              });
  // Committed on the leader, but this member has not applied it: the caller is not answered yet.
  ASSERT_TRUE(Eventually([&] { return store_->last_revision() == 1; }));
  EXPECT_FALSE(outcome->done.HasBeenNotified());
  EXPECT_EQ(forwarder.forwarded(), 1);

  ASSERT_TRUE(follower.Apply(log_.groups()[0]).ok());
  outcome->done.WaitForNotification();
  ASSERT_TRUE(outcome->result.ok()) << outcome->result.status();
  EXPECT_EQ(outcome->result->revision, 1);
  EXPECT_FALSE(outcome->result->not_applied_here);
  EXPECT_NE(follower.picture_->Find(domain::OrganizationName("ziekenhuis-a")), nullptr);

  // Ticks are never forwarded nor planned: time-driven writes are the leader's. A follower's tick changes nothing.
  absl::StatusOr<pipeline::WriteResult> tick = follower.Submit(Write(mutations::SystemTick{}));
  ASSERT_TRUE(tick.ok()) << tick.status();
  EXPECT_EQ(tick->revision, 1);
  EXPECT_EQ(forwarder.forwarded(), 1);
  EXPECT_EQ(follower.store_->last_revision(), 1);
}

// A follower that cannot apply (cut off from the log) answers a forwarded write the leader made once the bounded wait
// ends: OK with the leader's revision, flagged not applied here. Without the bound the caller would wait until the
// follower applies the write, or hit its own deadline (DEADLINE_EXCEEDED for a write that was made).
TEST_F(ReplicatedCommitterTest, ForwardedWriteNotAppliedHereIsAnsweredWhenTheBoundedWaitEnds) {
  FollowingLog following;
  DirectForwarder forwarder(*committer_);
  auto options = [&](absl::Duration wait) {
    pipeline::Committer::Options options;
    options.replicated_log = &following;
    options.forwarder = &forwarder;
    options.forwarded_apply_wait = wait;
    return options;
  };
  Follower follower(options(absl::Milliseconds(300)));
  Follower patient(options(absl::Seconds(60)));

  struct Outcome {
    absl::StatusOr<pipeline::WriteResult> result = absl::UnknownError("no callback");
    absl::Notification done;
    absl::Duration took;
  };
  auto submit = [](Follower& member, mutations::WriteRequest request) {
    auto outcome = std::make_shared<Outcome>();
    const absl::Time start = absl::Now();
    member.committer_->Submit(std::move(request), [outcome, start](absl::StatusOr<pipeline::WriteResult> result) {
      outcome->took = absl::Now() - start;
      outcome->result = std::move(result);
      outcome->done.Notify();
    });
    return outcome;
  };
  // The members below never apply what they forward (nothing feeds them the log), until the last step.
  auto answered = [](const std::shared_ptr<Outcome>& outcome) {
    return outcome->done.WaitForNotificationWithTimeout(absl::Seconds(10));
  };

  // The committer's own bound (the caller set no deadline).
  std::shared_ptr<Outcome> bounded = submit(follower, RegisterWrite(MakeOrganization("ziekenhuis-a")));
  ASSERT_TRUE(answered(bounded)) << "a forwarded write the follower cannot apply was not answered within 10 s";
  ASSERT_TRUE(bounded->result.ok()) << bounded->result.status();
  EXPECT_EQ(bounded->result->revision, 1);
  EXPECT_TRUE(bounded->result->not_applied_here);
  EXPECT_GE(bounded->took, absl::Milliseconds(290));
  EXPECT_EQ(follower.store_->last_revision(), 0);

  // A write that waits for the 60 s bound, so the timer is already waiting when the next, earlier one arrives.
  std::shared_ptr<Outcome> waiting_long = submit(patient, RegisterWrite(MakeOrganization("ziekenhuis-e")));
  ASSERT_TRUE(Eventually([&] { return store_->last_revision() == 2; }));

  // The caller's deadline, before the bound: answered ahead of it by the margin (a quarter of the 1.2 s left when
  // the leader answered, at most 250 ms), although a write with a later bound was waiting first.
  mutations::WriteRequest with_deadline = RegisterWrite(MakeOrganization("ziekenhuis-b"));
  with_deadline.deadline = absl::Now() + absl::Milliseconds(1200);
  std::shared_ptr<Outcome> before_deadline = submit(patient, std::move(with_deadline));
  ASSERT_TRUE(answered(before_deadline)) << "the caller's deadline did not bound the wait";
  ASSERT_TRUE(before_deadline->result.ok()) << before_deadline->result.status();
  EXPECT_EQ(before_deadline->result->revision, 3);
  EXPECT_TRUE(before_deadline->result->not_applied_here);
  EXPECT_LT(before_deadline->took, absl::Milliseconds(1000));
  EXPECT_GE(before_deadline->took, absl::Milliseconds(800));
  EXPECT_FALSE(waiting_long->done.HasBeenNotified());

  // A deadline already passed: answered at once.
  mutations::WriteRequest late = RegisterWrite(MakeOrganization("ziekenhuis-c"));
  late.deadline = absl::Now() - absl::Seconds(1);
  std::shared_ptr<Outcome> at_once = submit(patient, std::move(late));
  ASSERT_TRUE(answered(at_once));
  ASSERT_TRUE(at_once->result.ok()) << at_once->result.status();
  EXPECT_EQ(at_once->result->revision, 4);
  EXPECT_TRUE(at_once->result->not_applied_here);

  // A follower that applies the write within the bound answers it unflagged: the one waiting since before, and a
  // new one.
  for (const pipeline::ReplicatedGroup& group : log_.groups()) ASSERT_TRUE(patient.Apply(group).ok());
  ASSERT_TRUE(answered(waiting_long));
  ASSERT_TRUE(waiting_long->result.ok()) << waiting_long->result.status();
  EXPECT_EQ(waiting_long->result->revision, 2);
  EXPECT_FALSE(waiting_long->result->not_applied_here);
  std::shared_ptr<Outcome> applied = submit(patient, RegisterWrite(MakeOrganization("ziekenhuis-d")));
  ASSERT_TRUE(Eventually([&] { return store_->last_revision() == 5; }));
  ASSERT_TRUE(patient.Apply(log_.groups().back()).ok());
  ASSERT_TRUE(answered(applied));
  ASSERT_TRUE(applied->result.ok()) << applied->result.status();
  EXPECT_EQ(applied->result->revision, 5);
  EXPECT_FALSE(applied->result->not_applied_here);
  EXPECT_NE(patient.picture_->Find(domain::OrganizationName("ziekenhuis-d")), nullptr);
}

}  // namespace
}  // namespace ketenbeeld::testing
