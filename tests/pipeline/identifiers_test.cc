// Standard identifiers (AGB, URA, KVK branch number, LRZa) in the registry planner: unique across the region, also
// between writes of one commit group, freed by registering the holder without them; nothing written on a refusal.
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace identifiers_test {

using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.
using ::testing::HasSubstr;

// An organisation with the identifiers given as "agb", "ura", "kvk", "lrza" (empty: not set).
v1::Organization Identified(const std::string& id, const std::string& agb, const std::string& ura = "",
                            const std::string& kvk = "", const std::string& lrza = "") {
  v1::Organization organization = MakeOrganization(id);
  organization.mutable_identifiers()->set_agb(agb);
  organization.mutable_identifiers()->set_ura(ura);
  organization.mutable_identifiers()->set_kvk_branch_number(kvk);
  organization.mutable_identifiers()->set_lrza(lrza);
  return organization;
}

class IdentifierUniquenessTest : public CommitterFixture {};

TEST_F(IdentifierUniquenessTest, ASecondHolderIsRefusedNamingTheFieldAndNothingIsWritten) {
  ASSERT_TRUE(Submit(RegisterWrite(Identified("zh-noord", "06010210", "00015823", "000012345678", "77"))).ok());
  const int64_t before = store_->last_revision();

  struct Clash {
    v1::Organization organization;
    std::string field;
  };
  const std::vector<Clash> clashes = {
      {Identified("zh-zuid", "06010210"), "organization.identifiers.agb: AGB \"06010210\""},
      {Identified("zh-zuid", "06099999", "00015823"), "organization.identifiers.ura: URA \"00015823\""},
      {Identified("zh-zuid", "", "", "000012345678"), "organization.identifiers.kvk_branch_number: KVK branch"},
      {Identified("zh-zuid", "", "", "", "77"), "organization.identifiers.lrza: LRZa \"77\""},
  };
  for (const Clash& clash : clashes) {
    const absl::StatusOr<WriteResult> result = Submit(RegisterWrite(clash.organization));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists) << clash.field;
    EXPECT_THAT(std::string(result.status().message()), ::testing::StartsWith(clash.field));
    EXPECT_THAT(std::string(result.status().message()), HasSubstr("already held by organisation \"zh-noord\""));
  }
  EXPECT_EQ(store_->last_revision(), before) << "a refused registration must write nothing";
  EXPECT_EQ(picture_->Find("organizations/zh-zuid"), nullptr);
}

TEST_F(IdentifierUniquenessTest, TheHolderMayRegisterAgainAndOthersMayHoldOtherValues) {
  ASSERT_TRUE(Submit(RegisterWrite(Identified("zh-noord", "06010210", "00015823"))).ok());
  // Its own identifiers do not clash with its earlier registration.
  ASSERT_TRUE(Submit(RegisterWrite(Identified("zh-noord", "06010210", "00015823"))).ok());
  // The same digits under another register, or no identifiers at all, are no clash.
  EXPECT_TRUE(Submit(RegisterWrite(Identified("zh-zuid", "00015823", "06010210"))).ok());
  EXPECT_TRUE(Submit(RegisterWrite(MakeOrganization("ggd"))).ok());
  EXPECT_TRUE(Submit(RegisterWrite(MakeOrganization("vvt"))).ok());
}

TEST_F(IdentifierUniquenessTest, AnIdentifierMovesOnceTheHolderIsRegisteredWithoutIt) {
  ASSERT_TRUE(Submit(RegisterWrite(Identified("oud", "06010210"))).ok());
  ASSERT_EQ(Submit(RegisterWrite(Identified("nieuw", "06010210"))).status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Submit(RegisterWrite(Identified("oud", ""))).ok());
  const absl::StatusOr<WriteResult> moved = Submit(RegisterWrite(Identified("nieuw", "06010210")));
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->record->record.organization().identifiers().agb(), "06010210");
}

TEST_F(IdentifierUniquenessTest, UniqueAfterARestart) {
  ASSERT_TRUE(Submit(RegisterWrite(Identified("zh-noord", "06010210"))).ok());
  Restart();
  EXPECT_EQ(Submit(RegisterWrite(Identified("zh-zuid", "06010210"))).status().code(), absl::StatusCode::kAlreadyExists);
}

// Holds the committer thread after its first commit group until released, so that the writes submitted meanwhile
// are planned together as the next group.
class GroupGate : public observability::CommitObserver {
 public:
  void OnGroupCommitted(size_t, size_t, absl::Duration, bool) override {
    if (entered_.HasBeenNotified()) return;
    entered_.Notify();
    release_.WaitForNotification();
  }
  absl::Notification entered_;
  absl::Notification release_;
};

class IdentifierGroupTest : public CommitterFixture {
 protected:
  IdentifierGroupTest() { committer_options_.observer = &gate_; }
  void TearDown() override {
    if (!gate_.release_.HasBeenNotified()) gate_.release_.Notify();
    CommitterFixture::TearDown();
  }

  // Commits `first` alone, then `writes` as one group; their outcomes.
  std::vector<absl::StatusOr<WriteResult>> AsOneGroup(mutations::WriteRequest first,
                                                      std::vector<mutations::WriteRequest> writes) {
    const int64_t groups_before = committer_->stats().groups;
    committer_->Submit(std::move(first), [](absl::StatusOr<WriteResult>) {});
    gate_.entered_.WaitForNotification();
    std::vector<absl::StatusOr<WriteResult>> results(writes.size(), absl::UnknownError("no callback"));
    absl::BlockingCounter done(static_cast<int>(writes.size()));
    for (size_t i = 0; i < writes.size(); ++i) {
      committer_->Submit(std::move(writes[i]), [&, i](absl::StatusOr<WriteResult> result) {
        results[i] = std::move(result);
        done.DecrementCount();
      });
    }
    gate_.release_.Notify();
    done.Wait();
    EXPECT_EQ(committer_->stats().groups, groups_before + 2) << "the writes did not share one group";
    return results;
  }

  GroupGate gate_;
};

TEST_F(IdentifierGroupTest, TwoNewOrganisationsInOneGroupCannotBothTakeAnIdentifier) {
  std::vector<mutations::WriteRequest> writes;
  writes.push_back(RegisterWrite(Identified("zh-noord", "06010210")));
  writes.push_back(RegisterWrite(Identified("zh-zuid", "06010210")));
  const std::vector<absl::StatusOr<WriteResult>> results =
      AsOneGroup(RegisterWrite(MakeOrganization("ggd")), std::move(writes));
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kAlreadyExists) << results[1].status();
  EXPECT_EQ(picture_->Find("organizations/zh-zuid"), nullptr);
}

// The planner on its own, with an earlier write of the group that the committed picture does not have yet: what
// PlanContext::earlier_changes is for.
TEST(IdentifierPlannerTest, SeesOrganisationsCreatedEarlierInTheGroup) {
  state::Picture picture;
  PutDirectly(picture, OrganizationRecord(Identified("oud", "06010210")));
  const domain::Region region = domain::Region::Default();

  // Earlier in the group: "oud" gave up its AGB, "nieuw" (not committed yet) took the URA 00015823.
  std::vector<state::Change> earlier = {
      state::Change{.event = nullptr, .record = state::MakeRecord(OrganizationRecord(Identified("oud", "")))},
      state::Change{.event = nullptr,
                    .record = state::MakeRecord(OrganizationRecord(Identified("nieuw", "", "00015823")))}};
  auto lookup = [&](absl::string_view name) -> state::RecordPtr {
    for (auto it = earlier.rbegin(); it != earlier.rend(); ++it) {
      if (it->record->record.name() == name) return it->record;
    }
    return picture.Find(name);
  };
  const mutations::PlanContext context{.commit_time = kStart,
                                       .region = region,
                                       .lookup = lookup,
                                       .picture = picture,
                                       .next_revision = picture.revision() + 1,
                                       .earlier_changes = earlier};
  auto plan = [&](const v1::Organization& organization) {
    v1::RegisterOrganizationRequest request;
    *request.mutable_organization() = organization;
    return mutations::PlanRegisterOrganization(request, context);
  };

  const absl::StatusOr<mutations::PlannedChange> ura_taken = plan(Identified("derde", "", "00015823"));
  EXPECT_EQ(ura_taken.status().code(), absl::StatusCode::kAlreadyExists) << ura_taken.status();
  EXPECT_THAT(std::string(ura_taken.status().message()), HasSubstr("held by organisation \"nieuw\""));

  // The committed holder of the AGB no longer holds it as the group leaves it.
  const absl::StatusOr<mutations::PlannedChange> agb_freed = plan(Identified("derde", "06010210"));
  EXPECT_TRUE(agb_freed.ok()) << agb_freed.status();
}

}  // namespace identifiers_test
}  // namespace ketenbeeld::pipeline
