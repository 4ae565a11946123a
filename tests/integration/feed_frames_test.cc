// Event batches framed once per audience (server/api/feed_frames.h): every feed gets exactly the bytes its own
// framing gives (redaction included), feeds with the same view share one buffer, others get their own, and many
// feeds woken in parallel by the hub all receive their events in order, once, in their own form.
#include "server/api/feed_frames.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/api/feed_messages.h"
#include "server/pipeline/hub.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::api {
namespace {

using v1::Role;

security::Identity As(Role role, std::string organization_id) {
  return security::Identity{.organization_id = std::move(organization_id),
                            .role = role,
                            .subject = "token:test",
                            .credential = security::Credential::kToken};
}

// A status report event of `organization_id`, with detailed figures only it (and GHOR, dispatch) may see.
pipeline::EventPtr StatusEvent(int64_t revision, const std::string& organization_id, int64_t group_last_revision) {
  v1::Event event;
  event.set_revision(revision);
  event.set_group_last_revision(group_last_revision);
  event.set_type(v1::EVENT_TYPE_PUT);
  v1::Record& record = *event.mutable_record();
  record.set_name("organizations/" + organization_id + "/status");
  record.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  record.mutable_scope()->set_organization_id(organization_id);
  v1::StatusReport& report = *record.mutable_status_report();
  report.set_organization_id(organization_id);
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  v1::Capacity& ic = *report.add_capacity();
  ic.set_type(v1::BED_TYPE_IC_ADULT);
  ic.set_available(static_cast<int32_t>(revision));
  report.set_free_text("exact figures of " + organization_id + " at " + std::to_string(revision));
  return pipeline::MakeEvent(std::move(event));
}

// An event without detailed figures (nothing to redact).
pipeline::EventPtr OrganizationEvent(int64_t revision, const std::string& organization_id,
                                     int64_t group_last_revision) {
  v1::Event event;
  event.set_revision(revision);
  event.set_group_last_revision(group_last_revision);
  event.set_type(v1::EVENT_TYPE_PUT);
  v1::Record& record = *event.mutable_record();
  record.set_name("organizations/" + organization_id);
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  record.mutable_scope()->set_organization_id(organization_id);
  return pipeline::MakeEvent(std::move(event));
}

std::vector<grpc::Slice> Slices(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  return slices;
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::string bytes;
  for (const grpc::Slice& slice : Slices(buffer)) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// Whether two buffers share their bytes (the same slice memory), rather than holding equal copies.
bool SharesBytes(const grpc::ByteBuffer& a, const grpc::ByteBuffer& b) {
  const std::vector<grpc::Slice> sa = Slices(a);
  const std::vector<grpc::Slice> sb = Slices(b);
  return sa.size() == 1 && sb.size() == 1 && sa[0].begin() == sb[0].begin();
}

v1::SubscribeResponse Parse(const grpc::ByteBuffer& buffer) {
  v1::SubscribeResponse response;
  EXPECT_TRUE(response.ParseFromString(Bytes(buffer)));
  return response;
}

struct Audience {
  std::string name;
  policy::Viewer viewer;
};

std::vector<Audience> Audiences() {
  return {
      {"development", policy::Viewer::For(security::Identity{.subject = "ipv4:127.0.0.1:1"})},
      {"ghor", policy::Viewer::For(As(Role::ROLE_GHOR, "ghor-vr10"))},
      {"dispatch", policy::Viewer::For(As(Role::ROLE_DISPATCH, "meldkamer-vr10"))},
      {"institution a", policy::Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-a"))},
      {"institution b", policy::Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-b"))},
      {"institution c", policy::Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-c"))},
      {"administration", policy::Viewer::For(As(Role::ROLE_ADMINISTRATION, "bestuur-vr10"))},
      {"no organisation", policy::Viewer::For(As(Role::ROLE_INSTITUTION, ""))},
  };
}

TEST(FeedFramesTest, SharedBatchIsByteIdenticalToOwnFramingForEveryAudience) {
  const std::vector<pipeline::EventPtr> events = {StatusEvent(1, "ziekenhuis-a", 3), StatusEvent(2, "ziekenhuis-b", 3),
                                                  OrganizationEvent(3, "ziekenhuis-c", 3)};
  FeedFrames frames;
  // Twice over every audience, the full-detail ones first: a later reader must never get an earlier one's view.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Audience& audience : Audiences()) {
      SCOPED_TRACE(audience.name);
      const grpc::ByteBuffer shared = frames.EventBatch(events, audience.viewer);
      EXPECT_EQ(Bytes(shared), Bytes(EventBatchMessage(events, audience.viewer)));
    }
  }
  // One framing per distinct view: full detail; a's own; b's own; nobody's (c, administration, no organisation).
  EXPECT_EQ(frames.stats().built, 4);
  EXPECT_EQ(frames.stats().shared, 2 * static_cast<int64_t>(Audiences().size()) - 4);

  const std::vector<Audience> audiences = Audiences();
  auto frame = [&](const std::string& name) {
    for (const Audience& audience : audiences) {
      if (audience.name == name) return frames.EventBatch(events, audience.viewer);
    }
    ADD_FAILURE() << name;
    return grpc::ByteBuffer();
  };
  EXPECT_TRUE(SharesBytes(frame("development"), frame("ghor")));
  EXPECT_TRUE(SharesBytes(frame("institution c"), frame("administration")));
  EXPECT_FALSE(SharesBytes(frame("institution a"), frame("institution b")));
  EXPECT_FALSE(SharesBytes(frame("institution a"), frame("ghor")));

  // What the shared buffers hold: each institution its own figures only.
  const v1::SubscribeResponse a = Parse(frame("institution a"));
  ASSERT_EQ(a.events().events_size(), 3);
  EXPECT_FALSE(a.events().events(0).record().status_report().detail_withheld());
  EXPECT_EQ(a.events().events(0).record().status_report().capacity_size(), 1);
  EXPECT_TRUE(a.events().events(1).record().status_report().detail_withheld());
  EXPECT_EQ(a.events().events(1).record().status_report().capacity_size(), 0);
  EXPECT_TRUE(a.events().events(1).record().status_report().free_text().empty());
  const v1::SubscribeResponse c = Parse(frame("institution c"));
  ASSERT_EQ(c.events().events_size(), 3);
  EXPECT_TRUE(c.events().events(0).record().status_report().detail_withheld());
  EXPECT_TRUE(c.events().events(1).record().status_report().detail_withheld());
  EXPECT_EQ(Bytes(frame("institution c")).find("exact figures"), std::string::npos);
  const v1::SubscribeResponse ghor = Parse(frame("ghor"));
  EXPECT_EQ(ghor.events().events(1).record().status_report().free_text(), "exact figures of ziekenhuis-b at 2");
}

TEST(FeedFramesTest, NarrowerFilterOrOtherCursorGetsItsOwnCorrectMessage) {
  const std::vector<pipeline::EventPtr> group = {StatusEvent(1, "ziekenhuis-a", 4), OrganizationEvent(2, "x", 4),
                                                 StatusEvent(3, "ziekenhuis-b", 4), OrganizationEvent(4, "y", 4)};
  const policy::Viewer viewer = policy::Viewer::For(As(Role::ROLE_INSTITUTION, "ziekenhuis-a"));
  FeedFrames frames;
  const grpc::ByteBuffer whole = frames.EventBatch(group, viewer);
  // A filter that drops events 2 and 4; a cursor in the middle of the group (after 2); a cursor one behind.
  const std::vector<std::vector<pipeline::EventPtr>> others = {
      {group[0], group[2]}, {group[2], group[3]}, {group[3]}, {group[0], group[1], group[2]}};
  for (const std::vector<pipeline::EventPtr>& events : others) {
    const grpc::ByteBuffer own = frames.EventBatch(events, viewer);
    EXPECT_EQ(Bytes(own), Bytes(EventBatchMessage(events, viewer)));
    EXPECT_NE(Bytes(own), Bytes(whole));
    EXPECT_FALSE(SharesBytes(own, whole));
    EXPECT_EQ(Parse(own).events().events_size(), static_cast<int>(events.size()));
  }
  EXPECT_EQ(frames.stats().built, 1 + static_cast<int64_t>(others.size()));
  EXPECT_EQ(frames.stats().shared, 0);
  // The same events again share the first framing.
  EXPECT_TRUE(SharesBytes(frames.EventBatch(group, viewer), whole));
}

TEST(FeedFramesTest, BoundedInBatchesAndBytesAndEvictionKeepsBuffersHandedOutValid) {
  const policy::Viewer viewer = policy::Viewer::Everything();
  FeedFrames frames;
  std::vector<pipeline::EventPtr> first = {StatusEvent(1, "ziekenhuis-a", 1)};
  const grpc::ByteBuffer kept = frames.EventBatch(first, viewer);
  const std::string kept_bytes = Bytes(EventBatchMessage(first, viewer));
  for (int64_t revision = 2; revision < static_cast<int64_t>(FeedFrames::kMaxEntries) + 20; ++revision) {
    frames.EventBatch(std::vector<pipeline::EventPtr>{StatusEvent(revision, "ziekenhuis-a", revision)}, viewer);
    EXPECT_LE(frames.stats().entries, FeedFrames::kMaxEntries);
  }
  first.clear();  // The events are gone from the cache and from here; the buffer handed out keeps its bytes.
  EXPECT_EQ(Bytes(kept), kept_bytes);

  // A batch beyond kMaxFrameBytes is framed per feed, not kept.
  v1::Event big;
  big.set_revision(1000);
  big.mutable_record()->set_name(std::string(FeedFrames::kMaxFrameBytes + 1, 'x'));
  const std::vector<pipeline::EventPtr> large = {pipeline::MakeEvent(big)};
  const FeedFrames::Stats before = frames.stats();
  EXPECT_EQ(Bytes(frames.EventBatch(large, viewer)), Bytes(EventBatchMessage(large, viewer)));
  EXPECT_EQ(frames.stats().built, before.built);
  EXPECT_LE(frames.stats().bytes, FeedFrames::kMaxBytes);
}

// A feed as the hub sees it (like Subscription::PumpLive, without gRPC): on each wake it takes every batch after its
// cursor through the shared frames and checks it against its own framing.
class CheckingFeed : public pipeline::Listener, public std::enable_shared_from_this<CheckingFeed> {
 public:
  CheckingFeed(pipeline::Hub& hub, FeedFrames& frames, policy::Viewer viewer, domain::CompiledFilter filter)
      : hub_(hub), frames_(frames), viewer_(std::move(viewer)), filter_(std::move(filter)) {}

  void Wake() override {
    absl::MutexLock lock(&mu_);
    while (true) {
      absl::StatusOr<pipeline::Hub::Batch> batch = hub_.Next(cursor_, filter_, 1 << 20, shared_from_this());
      if (!batch.ok()) {
        ++mismatches_;
        return;
      }
      if (batch->last_revision == cursor_) return;  // Parked until the next publish.
      cursor_ = batch->last_revision;
      if (batch->events.empty()) continue;
      const grpc::ByteBuffer message = frames_.EventBatch(batch->events, viewer_);
      if (Bytes(message) != Bytes(EventBatchMessage(batch->events, viewer_))) ++mismatches_;
      const v1::SubscribeResponse response = Parse(message);
      for (const v1::Event& event : response.events().events()) {
        received_.push_back(event.revision());
        const v1::StatusReport& report = event.record().status_report();
        if (event.record().has_status_report() && !viewer_.SeesDetailOf(report.organization_id()) &&
            !report.detail_withheld()) {
          ++leaks_;
        }
      }
    }
  }

  int64_t cursor() const {
    absl::MutexLock lock(&mu_);
    return cursor_;
  }
  std::vector<int64_t> received() const {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  int mismatches() const {
    absl::MutexLock lock(&mu_);
    return mismatches_;
  }
  int leaks() const {
    absl::MutexLock lock(&mu_);
    return leaks_;
  }

 private:
  pipeline::Hub& hub_;
  FeedFrames& frames_;
  const policy::Viewer viewer_;
  const domain::CompiledFilter filter_;
  mutable absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int64_t> received_ ABSL_GUARDED_BY(mu_);
  int mismatches_ ABSL_GUARDED_BY(mu_) = 0;
  int leaks_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(FeedFramesTest, ManyFeedsWokenInParallelEachGetTheirOwnViewInOrderOnce) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open({.path = dir.path() + "/db", .sync = false, .small_buffers = true});
  ASSERT_TRUE(store.ok()) << store.status();
  pipeline::Hub hub(**store, 0, {.wake_interval = absl::Seconds(60)});
  FeedFrames frames;

  v1::Filter status_only;
  status_only.add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
  const std::vector<Audience> audiences = Audiences();
  constexpr int kFeeds = 400;  // Many wake chunks: every wake thread frames and shares.
  std::vector<std::shared_ptr<CheckingFeed>> feeds;
  std::vector<bool> filtered;
  for (int i = 0; i < kFeeds; ++i) {
    const bool narrow = i % 5 == 0;
    filtered.push_back(narrow);
    feeds.push_back(
        std::make_shared<CheckingFeed>(hub, frames, audiences[i % audiences.size()].viewer,
                                       narrow ? domain::CompiledFilter(status_only) : domain::CompiledFilter()));
    feeds.back()->Wake();  // Parks it.
  }

  // Groups of 3 (two status reports of rotating organisations and an organisation record), published while the
  // feeds are being woken, so cursors and batches differ from feed to feed.
  constexpr int kGroups = 60;
  const std::vector<std::string> organizations = {"ziekenhuis-a", "ziekenhuis-b", "ziekenhuis-c", "ziekenhuis-d"};
  int64_t revision = 0;
  for (int g = 0; g < kGroups; ++g) {
    const int64_t last = revision + 3;
    std::vector<pipeline::EventPtr> group = {StatusEvent(revision + 1, organizations[g % 4], last),
                                             StatusEvent(revision + 2, organizations[(g + 1) % 4], last),
                                             OrganizationEvent(revision + 3, organizations[(g + 2) % 4], last)};
    revision = last;
    hub.Publish(std::move(group));
    if (g % 3 == 0) absl::SleepFor(absl::Milliseconds(2));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (const std::shared_ptr<CheckingFeed>& feed : feeds) {
    while (feed->cursor() < revision && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  }

  for (int i = 0; i < kFeeds; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(feeds[i]->cursor(), revision);
    EXPECT_EQ(feeds[i]->mismatches(), 0);
    EXPECT_EQ(feeds[i]->leaks(), 0);
    std::vector<int64_t> expected;
    for (int64_t r = 1; r <= revision; ++r) {
      if (!filtered[i] || r % 3 != 0) expected.push_back(r);
    }
    EXPECT_EQ(feeds[i]->received(), expected);
  }
  EXPECT_GT(frames.stats().shared, 0);
  for (const std::shared_ptr<CheckingFeed>& feed : feeds) hub.Unpark(feed);
}

}  // namespace
}  // namespace ketenbeeld::api
