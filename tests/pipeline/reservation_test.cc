// Bed reservations through the committer: the count of free beds decided in commit order (the last bed is reserved
// once, also by two writes of one commit group), every lifecycle transition with its status code, expiry as a
// committed event of the tick, and the rule by which a reservation reduces availability in the views (the capacity
// overview, FindCapacity) until it is released, expires, or, confirmed, until the organisation reports again.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/mutations/mutations.h"
#include "server/queries/reports.h"
#include "tests/support/committer_fixture.h"

namespace ketenbeeld::pipeline {
namespace {

using ::testing::HasSubstr;
using namespace ::ketenbeeld::testing;  // NOLINT(google-build-using-namespace): the fixture's builders.

constexpr char kHospital[] = "ziekenhuis-a";

class ReservationTest : public CommitterFixture {
 protected:
  void SetUp() override {
    CommitterFixture::SetUp();
    v1::Organization hospital = MakeOrganization(kHospital);
    hospital.mutable_locations(0)->mutable_coordinates()->set_latitude(52.63);
    hospital.mutable_locations(0)->mutable_coordinates()->set_longitude(4.75);
    MustSubmit(RegisterWrite(hospital));
    MustSubmit(ReportWrite(MakeReport(kHospital, /*ic_available=*/1)));
  }

  static v1::Actor Dispatch(const std::string& subject = "token:meldkamer-1") {
    v1::Actor actor;
    actor.set_organization_id("meldkamer-vr10");
    actor.set_role(v1::ROLE_DISPATCH);
    actor.set_subject(subject);
    return actor;
  }

  static mutations::WriteRequest ReserveWrite(std::optional<absl::Duration> hold = std::nullopt,
                                              v1::BedType bed_type = v1::BED_TYPE_IC_ADULT,
                                              const std::string& organization = kHospital) {
    v1::ReserveBedRequest request;
    request.set_organization_id(organization);
    request.set_bed_type(bed_type);
    request.set_patient_reference("rit 2026-1187");
    if (hold.has_value()) *request.mutable_hold_for() = ToProtoDuration(*hold);
    return mutations::WriteRequest{.body = request, .actor = Dispatch()};
  }
  // A ReserveBed with a request_id (a retry repeats it), by `actor`.
  static mutations::WriteRequest RetryableWrite(const std::string& request_id, const v1::Actor& actor = Dispatch(),
                                                const std::string& reference = "rit 2026-1187") {
    v1::ReserveBedRequest request;
    request.set_organization_id(kHospital);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    request.set_patient_reference(reference);
    *request.mutable_hold_for() = ToProtoDuration(absl::Minutes(10));
    request.set_request_id(request_id);
    return mutations::WriteRequest{.body = request, .actor = actor};
  }
  static mutations::WriteRequest ConfirmWrite(const std::string& id) {
    v1::ConfirmReservationRequest request;
    request.set_reservation_id(id);
    return Write(request);
  }
  static mutations::WriteRequest ReleaseWrite(const std::string& id) {
    v1::ReleaseReservationRequest request;
    request.set_reservation_id(id);
    request.set_reason("patiënt gaat elders heen");
    return Write(request);
  }

  v1::BedReservation Current(const std::string& id) { return Find(domain::ReservationName(id)).bed_reservation(); }

  // Available IC beds of the hospital as the capacity overview sums them (nullopt: no line or not reported).
  std::optional<int64_t> OverviewAvailable() {
    v1::GetCapacityOverviewRequest request;
    request.add_bed_types(v1::BED_TYPE_IC_ADULT);
    absl::StatusOr<v1::CapacityOverview> overview = queries::ComputeCapacityOverview(request, *picture_, Now());
    EXPECT_TRUE(overview.ok()) << overview.status();
    if (!overview.ok() || overview->totals().empty() || !overview->totals(0).has_available()) return std::nullopt;
    return overview->totals(0).available();
  }
  // What dispatch's search finds: the hospital's available IC beds, or nullopt when it is not matched.
  std::optional<int32_t> FoundAvailable() {
    v1::FindCapacityRequest request;
    request.mutable_near()->set_latitude(52.6);
    request.mutable_near()->set_longitude(4.7);
    request.set_bed_type(v1::BED_TYPE_IC_ADULT);
    absl::StatusOr<v1::FindCapacityResponse> found = queries::FindCapacity(request, *picture_, Now());
    EXPECT_TRUE(found.ok()) << found.status();
    if (!found.ok() || found->matches().empty()) return std::nullopt;
    return found->matches(0).available();
  }

  void ExpectRefused(mutations::WriteRequest request, absl::StatusCode code, const std::string& text) {
    const int64_t before = store_->last_revision();
    absl::StatusOr<WriteResult> result = Submit(std::move(request));
    EXPECT_EQ(result.status().code(), code) << result.status();
    EXPECT_THAT(std::string(result.status().message()), HasSubstr(text));
    EXPECT_EQ(store_->last_revision(), before) << "a refused write took a revision";
  }
};

TEST_F(ReservationTest, AReservationHoldsTheBedInEveryViewAndTheLastBedOnlyOnce) {
  EXPECT_EQ(OverviewAvailable(), 1);
  EXPECT_EQ(FoundAvailable(), 1);
  const v1::Record record = MustSubmit(ReserveWrite());
  const v1::BedReservation& reservation = record.bed_reservation();
  EXPECT_EQ(reservation.id(), absl::StrCat(record.mod_revision()));
  EXPECT_EQ(record.name(), absl::StrCat("reservations/", reservation.id()));
  EXPECT_EQ(record.kind(), v1::ENTITY_KIND_BED_RESERVATION);
  EXPECT_EQ(record.scope().organization_id(), kHospital);
  EXPECT_EQ(reservation.state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(reservation.organization_id(), kHospital);
  EXPECT_EQ(reservation.bed_type(), v1::BED_TYPE_IC_ADULT);
  EXPECT_EQ(reservation.patient_reference(), "rit 2026-1187");
  EXPECT_EQ(reservation.reserved_by_organization_id(), "meldkamer-vr10");
  EXPECT_EQ(reservation.reserved_by_subject(), "token:meldkamer-1");
  EXPECT_EQ(FromProtoTime(reservation.reserved_at()), kStart);
  EXPECT_EQ(FromProtoTime(reservation.expires_at()), kStart + absl::Minutes(15));  // The region's default hold.

  // The bed is gone from the overview and from dispatch's search; the report itself is untouched.
  EXPECT_EQ(OverviewAvailable(), 0);
  EXPECT_FALSE(FoundAvailable().has_value());
  EXPECT_EQ(Find(domain::StatusReportName(kHospital, "")).status_report().capacity(0).available(), 1);

  // The second reservation of the last bed is refused, saying how many there are.
  ExpectRefused(ReserveWrite(), absl::StatusCode::kFailedPrecondition,
                "0 beds of BED_TYPE_IC_ADULT are available at organisation \"ziekenhuis-a\" (1 reported, 1 held");
}

// Submitted together, so they usually share a commit group: the second is then planned against the first.
TEST_F(ReservationTest, TwoReservationsOfTheLastBedSubmittedTogetherSucceedOnce) {
  std::vector<mutations::WriteRequest> writes;
  writes.push_back(ReserveWrite());
  writes.push_back(ReserveWrite());
  const std::vector<absl::StatusOr<WriteResult>> results = SubmitAll(std::move(writes));
  int ok = 0;
  int refused = 0;
  for (const absl::StatusOr<WriteResult>& result : results) {
    if (result.ok()) ++ok;
    if (result.status().code() == absl::StatusCode::kFailedPrecondition) ++refused;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(OverviewAvailable(), 0);
}

TEST_F(ReservationTest, ReservingWhatIsNotThereIsRefusedNamingTheReason) {
  ExpectRefused(ReserveWrite(std::nullopt, v1::BED_TYPE_BURNS), absl::StatusCode::kFailedPrecondition,
                "0 beds of BED_TYPE_BURNS are available at organisation \"ziekenhuis-a\": it has not reported");
  ExpectRefused(ReserveWrite(std::nullopt, v1::BED_TYPE_IC_ADULT, "onbekend"), absl::StatusCode::kInvalidArgument,
                "organization_id: organisation \"onbekend\" is not registered");
  ExpectRefused(ReserveWrite(absl::Hours(2)), absl::StatusCode::kInvalidArgument,
                "hold_for: must be at most 1h (this server's maximum), got 2h");
  ExpectRefused(ReserveWrite(absl::Seconds(30)), absl::StatusCode::kInvalidArgument, "hold_for: must be between");
  ExpectRefused(ConfirmWrite("12345"), absl::StatusCode::kNotFound, "reservation_id: reservation \"12345\"");
  ExpectRefused(ReleaseWrite("12345"), absl::StatusCode::kNotFound, "reservation_id: reservation \"12345\"");
}

TEST_F(ReservationTest, AnUnconfirmedReservationExpiresOnItsOwnAsACommittedEvent) {
  const std::string id = MustSubmit(ReserveWrite(absl::Minutes(10))).bed_reservation().id();
  EXPECT_EQ(FromProtoTime(Current(id).expires_at()), kStart + absl::Minutes(10));
  Advance(absl::Minutes(9));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(Current(id).state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(OverviewAvailable(), 0);

  Advance(absl::Minutes(2));
  const int64_t before = store_->last_revision();
  ASSERT_TRUE(Tick().ok());
  const v1::Record expired = Find(domain::ReservationName(id));
  EXPECT_EQ(expired.bed_reservation().state(), v1::RESERVATION_STATE_EXPIRED);
  EXPECT_EQ(FromProtoTime(expired.bed_reservation().ended_at()), kStart + absl::Minutes(11));
  EXPECT_EQ(expired.mod_revision(), before + 1);
  EXPECT_EQ(expired.updated_by().role(), v1::ROLE_UNSPECIFIED);  // The fixture's tick carries no actor.
  const std::vector<v1::Event> log = Log(before);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].record().bed_reservation().state(), v1::RESERVATION_STATE_EXPIRED);
  // The bed is available again everywhere.
  EXPECT_EQ(OverviewAvailable(), 1);
  EXPECT_EQ(FoundAvailable(), 1);

  // Committed once: the next tick has nothing to do.
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(store_->last_revision(), before + 1);
  // Final.
  ExpectRefused(ConfirmWrite(id), absl::StatusCode::kFailedPrecondition,
                "reservation \"" + id + "\" is RESERVATION_STATE_EXPIRED: cannot confirm");
  ExpectRefused(ReleaseWrite(id), absl::StatusCode::kFailedPrecondition, "is RESERVATION_STATE_EXPIRED");
  // And the bed can be reserved again.
  MustSubmit(ReserveWrite());
}

TEST_F(ReservationTest, AHoldPastItsTimeCannotBeConfirmedEvenBeforeTheTick) {
  const std::string id = MustSubmit(ReserveWrite(absl::Minutes(5))).bed_reservation().id();
  Advance(absl::Minutes(6));
  ExpectRefused(ConfirmWrite(id), absl::StatusCode::kFailedPrecondition, "expired at 2024-01-01T00:05:00Z");
}

TEST_F(ReservationTest, ReleasingGivesTheBedBack) {
  const std::string id = MustSubmit(ReserveWrite()).bed_reservation().id();
  EXPECT_EQ(OverviewAvailable(), 0);
  Advance(absl::Minutes(1));
  const v1::Record released = MustSubmit(ReleaseWrite(id));
  EXPECT_EQ(released.bed_reservation().state(), v1::RESERVATION_STATE_RELEASED);
  EXPECT_EQ(released.bed_reservation().release_reason(), "patiënt gaat elders heen");
  EXPECT_EQ(FromProtoTime(released.bed_reservation().ended_at()), kStart + absl::Minutes(1));
  EXPECT_EQ(OverviewAvailable(), 1);
  EXPECT_EQ(FoundAvailable(), 1);
  ExpectRefused(ReleaseWrite(id), absl::StatusCode::kFailedPrecondition,
                "reservation \"" + id +
                    "\" is RESERVATION_STATE_RELEASED: cannot release (only when "
                    "RESERVATION_STATE_HELD)");
  ExpectRefused(ConfirmWrite(id), absl::StatusCode::kFailedPrecondition, "is RESERVATION_STATE_RELEASED");
  // Past its old expiry the tick leaves a released reservation alone.
  Advance(absl::Hours(1));
  const int64_t before = store_->last_revision();
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(store_->last_revision(), before);
}

TEST_F(ReservationTest, AConfirmedReservationCountsUntilTheOrganisationReportsAgain) {
  const std::string id = MustSubmit(ReserveWrite()).bed_reservation().id();
  Advance(absl::Minutes(3));
  const v1::Record confirmed = MustSubmit(ConfirmWrite(id));
  EXPECT_EQ(confirmed.bed_reservation().state(), v1::RESERVATION_STATE_CONFIRMED);
  EXPECT_EQ(FromProtoTime(confirmed.bed_reservation().confirmed_at()), kStart + absl::Minutes(3));
  // The bed is occupied now, while the hospital's last report still says 1 free: it stays reduced, also after the
  // hold would have expired (a confirmed reservation does not expire).
  Advance(absl::Minutes(30));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(Current(id).state(), v1::RESERVATION_STATE_CONFIRMED);
  EXPECT_EQ(OverviewAvailable(), 0);
  ExpectRefused(ReserveWrite(), absl::StatusCode::kFailedPrecondition, "0 beds of BED_TYPE_IC_ADULT");
  ExpectRefused(ConfirmWrite(id), absl::StatusCode::kFailedPrecondition, "is RESERVATION_STATE_CONFIRMED");
  ExpectRefused(ReleaseWrite(id), absl::StatusCode::kFailedPrecondition, "is RESERVATION_STATE_CONFIRMED");

  // The hospital reports again (the patient is in its count now, and a bed came free): from here its report is the
  // truth and the confirmed reservation no longer counts.
  Advance(absl::Minutes(1));
  MustSubmit(ReportWrite(MakeReport(kHospital, /*ic_available=*/2)));
  EXPECT_EQ(OverviewAvailable(), 2);
  EXPECT_EQ(FoundAvailable(), 2);
  MustSubmit(ReserveWrite());
  EXPECT_EQ(OverviewAvailable(), 1);
}

TEST_F(ReservationTest, AReportDoesNotSupersedeAHeldReservation) {
  MustSubmit(ReserveWrite());
  Advance(absl::Minutes(1));
  MustSubmit(ReportWrite(MakeReport(kHospital, /*ic_available=*/3)));
  EXPECT_EQ(OverviewAvailable(), 2);
  EXPECT_EQ(FoundAvailable(), 2);
}

TEST_F(ReservationTest, ReservationsSurviveARestartAndStillHoldTheBed) {
  const std::string id = MustSubmit(ReserveWrite()).bed_reservation().id();
  Restart();
  EXPECT_EQ(Current(id).state(), v1::RESERVATION_STATE_HELD);
  EXPECT_EQ(OverviewAvailable(), 0);
  ExpectRefused(ReserveWrite(), absl::StatusCode::kFailedPrecondition, "0 beds of BED_TYPE_IC_ADULT");
  // A tick after the restart, past the hold, expires it.
  Advance(absl::Minutes(16));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(Current(id).state(), v1::RESERVATION_STATE_EXPIRED);
}

TEST_F(ReservationTest, PerLocationReportsAreCountedAsTheReportsCountThem) {
  // A second hospital reporting per site: 2 IC beds at one site, 1 at the other. One reservation leaves 2 for the
  // organisation; a site offers at most what the organisation has left.
  v1::Organization two_sites = MakeOrganization("ziekenhuis-b");
  two_sites.mutable_locations(0)->mutable_coordinates()->set_latitude(52.0);
  two_sites.mutable_locations(0)->mutable_coordinates()->set_longitude(4.5);
  v1::Location& west = *two_sites.add_locations();
  west.set_id("west");
  west.set_name("Locatie West");
  MustSubmit(RegisterWrite(two_sites));
  v1::StatusReport main_site = MakeReport("ziekenhuis-b", 2);
  main_site.set_location_id("main");
  MustSubmit(ReportWrite(main_site));
  v1::StatusReport west_site = MakeReport("ziekenhuis-b", 1);
  west_site.set_location_id("west");
  MustSubmit(ReportWrite(west_site));

  MustSubmit(ReserveWrite(std::nullopt, v1::BED_TYPE_IC_ADULT, "ziekenhuis-b"));
  MustSubmit(ReserveWrite(std::nullopt, v1::BED_TYPE_IC_ADULT, "ziekenhuis-b"));
  const queries::FigureTable figures = queries::TabulateFigures(*picture_);
  bool seen = false;
  for (const auto& [cell, values] : figures.capacity) {
    if (cell.figure != v1::CAPACITY_FIGURE_AVAILABLE || cell.bed_type != v1::BED_TYPE_IC_ADULT) continue;
    auto it = values.find("ziekenhuis-b");
    if (it == values.end()) continue;
    EXPECT_EQ(it->second.value, 1);  // 3 reported, 2 held.
    seen = true;
  }
  EXPECT_TRUE(seen);
  v1::FindCapacityRequest request;
  request.mutable_near()->set_latitude(52.0);
  request.mutable_near()->set_longitude(4.5);
  request.set_bed_type(v1::BED_TYPE_IC_ADULT);
  request.set_radius_km(5);
  absl::StatusOr<v1::FindCapacityResponse> found = queries::FindCapacity(request, *picture_, Now());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->matches_size(), 1);
  EXPECT_EQ(found->matches(0).organization_id(), "ziekenhuis-b");
  EXPECT_EQ(found->matches(0).available(), 1);  // min(2 at the site, 1 left of the organisation).
  MustSubmit(ReserveWrite(std::nullopt, v1::BED_TYPE_IC_ADULT, "ziekenhuis-b"));
  ExpectRefused(ReserveWrite(std::nullopt, v1::BED_TYPE_IC_ADULT, "ziekenhuis-b"),
                absl::StatusCode::kFailedPrecondition, "(3 reported, 3 held by reservations)");
}

// The planner API's "already done" outcome: planning a ReserveBed whose request_id the same organisation used before
// yields no change and the earlier reservation, not a second one.
TEST_F(ReservationTest, ThePlannerAnswersARetryAsAlreadyDone) {
  MustSubmit(ReportWrite(MakeReport(kHospital, /*ic_available=*/3)));
  const v1::Record original = MustSubmit(RetryableWrite("r-1"));
  const domain::Region region = domain::Region::Default();
  const v1::Actor actor = Dispatch();
  const auto plan = [&](mutations::WriteRequest request) {
    return mutations::PlanWrite(
        std::move(request.body),
        mutations::PlanContext{.commit_time = Now(),
                               .region = region,
                               .lookup = [&](absl::string_view name) { return picture_->Find(name); },
                               .picture = *picture_,
                               .next_revision = picture_->revision() + 1,
                               .actor = &actor});
  };
  absl::StatusOr<mutations::WritePlan> retried = plan(RetryableWrite("r-1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_TRUE(retried->changes.empty()) << "a retry plans no change, no follow-up either";
  ASSERT_NE(retried->already_done, nullptr);
  EXPECT_EQ(retried->already_done->record.name(), original.name());

  absl::StatusOr<mutations::WritePlan> fresh = plan(RetryableWrite("r-2"));
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->already_done, nullptr);
  ASSERT_EQ(fresh->changes.size(), 1u);
  EXPECT_EQ(fresh->changes[0].record.bed_reservation().request_id(), "r-2");
}

// A retried ReserveBed (the answer was lost) holds no second bed: it is answered with the original reservation, also
// once that has expired, and commits nothing. The same request_id for a different reservation is ALREADY_EXISTS;
// another organisation's request_id is its own.
TEST_F(ReservationTest, ARetryWithTheSameRequestIdHoldsNoSecondBed) {
  MustSubmit(ReportWrite(MakeReport(kHospital, /*ic_available=*/3)));
  absl::StatusOr<WriteResult> first = Submit(RetryableWrite("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  const std::string id = first->record->record.bed_reservation().id();
  EXPECT_EQ(first->record->record.bed_reservation().request_id(), "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b");
  EXPECT_EQ(OverviewAvailable(), 2);

  const int64_t before = store_->last_revision();
  absl::StatusOr<WriteResult> retry = Submit(RetryableWrite("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->revision, first->revision) << "the original write's revision";
  ASSERT_NE(retry->record, nullptr);
  EXPECT_EQ(retry->record->record.name(), domain::ReservationName(id));
  EXPECT_EQ(store_->last_revision(), before) << "a retry committed something";
  EXPECT_EQ(OverviewAvailable(), 2) << "a retry held a second bed";

  // Two copies of a new request in one group (the client retried at once): one reservation.
  std::vector<mutations::WriteRequest> writes;
  writes.push_back(RetryableWrite("r-twice"));
  writes.push_back(RetryableWrite("r-twice"));
  const std::vector<absl::StatusOr<WriteResult>> twice = SubmitAll(std::move(writes));
  ASSERT_TRUE(twice[0].ok() && twice[1].ok()) << twice[0].status() << " " << twice[1].status();
  EXPECT_NE(twice[0]->replayed, twice[1]->replayed);
  EXPECT_EQ(twice[0]->record->record.name(), twice[1]->record->record.name());
  EXPECT_EQ(OverviewAvailable(), 1);

  // The same request_id for another reservation: refused, naming the field and the reservation that has it.
  ExpectRefused(
      RetryableWrite("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", Dispatch(), "rit 2026-9999"),
      absl::StatusCode::kAlreadyExists,
      absl::StrCat("request_id: \"6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b\" was used for reservation \"", id, "\""));
  // Another dispatch centre's request_id of the same text is its own: a reservation of its own.
  v1::Actor other = Dispatch();
  other.set_organization_id("meldkamer-vr11");
  absl::StatusOr<WriteResult> theirs = Submit(RetryableWrite("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b", other));
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_FALSE(theirs->replayed);
  EXPECT_NE(theirs->record->record.name(), domain::ReservationName(id));
  EXPECT_EQ(OverviewAvailable(), 0);

  // After the hold has expired a retry still answers with the original, now EXPIRED: it does not reserve again.
  Advance(absl::Minutes(11));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(Current(id).state(), v1::RESERVATION_STATE_EXPIRED);
  const int64_t expired_at = store_->last_revision();
  absl::StatusOr<WriteResult> late = Submit(RetryableWrite("6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_TRUE(late->replayed);
  EXPECT_EQ(late->revision, first->revision);
  EXPECT_EQ(late->record->record.bed_reservation().state(), v1::RESERVATION_STATE_EXPIRED);
  EXPECT_EQ(store_->last_revision(), expired_at);
  EXPECT_EQ(OverviewAvailable(), 3);
}

// The receiving organisation hears of a new reservation through the outbox, in the reservation's own commit group; a
// retry, the expiry and a release notify nobody.
TEST_F(ReservationTest, TheReceivingOrganisationIsNotifiedOfANewReservationOnce) {
  v1::Organization hospital = MakeOrganization(kHospital);
  hospital.mutable_locations(0)->mutable_coordinates()->set_latitude(52.63);
  hospital.mutable_locations(0)->mutable_coordinates()->set_longitude(4.75);
  v1::ContactEndpoint& webhook = *hospital.mutable_contact()->add_endpoints();
  webhook.set_id("bedden");
  webhook.mutable_webhook()->set_url("https://bedden.ziekenhuis-a.nl/ketenbeeld");
  webhook.mutable_webhook()->set_secret("geheim-geheim-geheim");
  MustSubmit(RegisterWrite(hospital));
  MustSubmit(ReportWrite(MakeReport(kHospital, /*ic_available=*/2)));
  const int64_t before = store_->last_revision();
  absl::StatusOr<WriteResult> made = Submit(RetryableWrite("r-notify"));
  ASSERT_TRUE(made.ok()) << made.status();
  const std::string id = made->record->record.bed_reservation().id();
  const std::vector<v1::Event> group = Log(before);
  ASSERT_EQ(group.size(), 2u) << "the reservation and one notification, in one group";
  const v1::Notification& notification = group[1].record().notification();
  EXPECT_EQ(notification.subject(), v1::NOTIFICATION_SUBJECT_BED_RESERVED);
  EXPECT_EQ(notification.organization_id(), kHospital);
  EXPECT_EQ(notification.destination(), "https://bedden.ziekenhuis-a.nl/ketenbeeld");
  EXPECT_EQ(notification.subject_name(), domain::ReservationName(id));
  EXPECT_THAT(notification.title(), HasSubstr("Bed reserved: 1 ic adult bed until"));
  EXPECT_THAT(notification.text(), HasSubstr("by meldkamer-vr10"));
  EXPECT_THAT(notification.text(), HasSubstr("Reference: rit 2026-1187."));
  EXPECT_THAT(notification.text(), HasSubstr(absl::StrCat("Reservation \"", id, "\".")));
  EXPECT_EQ(group[0].group_last_revision(), group[1].revision());

  const int64_t after = store_->last_revision();
  ASSERT_TRUE(Submit(RetryableWrite("r-notify")).ok());
  MustSubmit(ReleaseWrite(id));
  const std::string second = MustSubmit(RetryableWrite("r-notify-2")).bed_reservation().id();
  Advance(absl::Minutes(11));
  ASSERT_TRUE(Tick().ok());
  EXPECT_EQ(Current(second).state(), v1::RESERVATION_STATE_EXPIRED);
  int notifications = 0;
  for (const v1::Event& event : Log(after)) {
    if (event.record().notification().subject() == v1::NOTIFICATION_SUBJECT_BED_RESERVED) ++notifications;
  }
  EXPECT_EQ(notifications, 1) << "only the second new reservation notifies";
}

}  // namespace
}  // namespace ketenbeeld::pipeline
