// The service layer both transports call: every RPC of the ketenbeeld.v1 services as a plain C++ call on behalf of
// an authenticated identity. The gRPC handlers (server/api/) and the HTTP gateway's JSON API (server/http/) only
// authenticate the caller, translate messages and finish the call; what may be done and seen is decided here, in
// one place, with the policy module (server/policy/):
//   - the method's rule (role x RPC) and, for writes on behalf of an organisation, that the caller may act for it;
//   - graduated visibility: records and events of other organisations' status are redacted for readers who may not
//     see their figures, and their capacity reports are computed from published figures that reveal no single
//     organisation (policy::PublishedFigures);
//   - the audit trail: reads of detailed figures by anyone but their owner are recorded.
//
// Errors: PERMISSION_DENIED naming the rule or field; for writes also INVALID_ARGUMENT (no organisation named) and
// NOT_FOUND (the assistance request acted on does not exist) from the authorization; otherwise those of the
// committer, reader and reports.
// Thread safety: all methods may be called concurrently from any thread.
#ifndef KETENBEELD_SERVER_SERVICE_OPERATIONS_H_
#define KETENBEELD_SERVER_SERVICE_OPERATIONS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ketenbeeld/v1/admin_service.pb.h"
#include "ketenbeeld/v1/federation_service.pb.h"
#include "ketenbeeld/v1/interop_service.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/observability/observers.h"
#include "server/pipeline/committer.h"
#include "server/policy/audit.h"
#include "server/policy/limits.h"
#include "server/policy/rules.h"
#include "server/policy/visibility.h"
#include "server/queries/reader.h"
#include "server/queries/reports.h"
#include "server/security/identity.h"
#include "server/security/revalidator.h"
#include "server/service/reservation_forwarder.h"
#include "server/state/picture.h"

namespace ketenbeeld::service {

struct Dependencies {
  pipeline::Committer& committer;
  const queries::Reader& reader;
  const state::Picture& picture;
  // Null: reads of detail are not recorded (tests of other concerns).
  policy::AuditLog* audit = nullptr;
  // Live feeds per identity.
  policy::SubscriptionLimiter& subscriptions;
  // Bytes written per organisation. Null: not limited (tests of other concerns); the server always sets it.
  policy::WriteVolumeLimiter* write_volume = nullptr;
  // Re-checks the identity behind open feeds and publish streams. Null: identities are never re-checked (tests of
  // other concerns); the server always sets it.
  const security::Revalidator* revalidator = nullptr;
  // Minimum number of contributing organisations for a capacity figure shown without detailed visibility, and of
  // organisations whose figures must change before such a reader sees a sum change.
  int min_aggregate_group = policy::kDefaultMinAggregateGroup;
  // The file the published figures are kept in across restarts (policy::PublishedFigures); empty: memory only.
  std::string published_figures_path;
  // Picture time (pipeline::PictureClock::Now in the server): the `now` against which the reports count figures as
  // stale. The same clock as the committer's, so a report agrees with the overdue facts the scheduler commits.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // CAP <sender> of exported alerts (interop_service.proto): "ketenbeeld:<safety region>" in the server.
  std::string cap_sender = "ketenbeeld";
  // Federation (docs/federation.md): the identity (organisation of its certificate CN or token) that may apply each
  // source region's log here; empty on a region's own server. And the age of a source's last contact beyond which
  // reads flag its records as stale.
  policy::UpstreamIdentities upstream_sources;
  absl::Duration upstream_stale_after = absl::Minutes(5);
  // Federation lag of each applied upstream event (Prometheus, docs/operations.md); may be null.
  observability::FederationObserver* federation_observer = nullptr;
  // This server's own safety region ("VR12"; RegionConfig.safety_region): qualifies its callers when it forwards
  // their reservations ("VR12/ghor-roaz") and recognises them in a federated copy of such a reservation.
  std::string safety_region;
  // ROAZ/national: sends ReserveBed of a federated organisation and ConfirmReservation/ReleaseReservation of a
  // federated reservation to the owning region's server (docs/reservations.md, "Across regions"). Null, or a region
  // it does not reach: the planner refuses those calls with FAILED_PRECONDITION naming the region. Must outlive the
  // Operations.
  ReservationForwarder* reservation_forwarder = nullptr;
  // Region: the identities that may forward reservations here on behalf of their callers (`forwarded_for`), each with
  // its own region (federation.reservation_forwarders). Empty: forwarded calls are refused.
  policy::ReservationForwarders reservation_forwarders;
};

class Operations {
 public:
  explicit Operations(Dependencies dependencies)
      : deps_(dependencies),
        published_figures_(dependencies.min_aggregate_group, dependencies.published_figures_path) {}

  // A write (any WriteRequest body but SystemTick): checks the method's rule and whom the caller acts for, and
  // counts its bytes against the organisation's write volume (RESOURCE_EXHAUSTED beyond), then submits it with the
  // caller as actor. `done` runs on the committer's completion thread (or at once when refused).
  // A reservation call with `forwarded_for` is admitted only from a listed forwarder (policy::AuthorizeForwardedCall),
  // whatever its role. ReserveBed of a federated organisation and ConfirmReservation/ReleaseReservation of a federated
  // reservation, once admitted and valid, go to the owning region's server through `reservation_forwarder` when it
  // reaches that region: `done` then runs on a gRPC thread with the region's answer (ReservationForwarder::Forward).
  void Write(const security::Identity& caller, mutations::WriteRequest request, pipeline::Committer::Callback done);

  // Whether the caller may open a PublishStatus stream at all (PERMISSION_DENIED naming the rule). Each report on
  // it is then checked with Revalidate() and goes through Write() as a ReportStatus write.
  absl::Status OpenPublishStream(const security::Identity& caller) const;

  // Whether the caller's credential still holds (security::Revalidator): UNAUTHENTICATED once its certificate is
  // revoked or its token withdrawn. For calls that outlive one request: feeds (FeedGrant::revalidate) and publish
  // streams. OK without a revalidator.
  absl::Status Revalidate(const security::Identity& caller) const;

  // Reads. A read that returns other organisations' detailed figures is recorded in the audit trail before it is
  // answered; when that fails the read fails with UNAVAILABLE (the response must not be sent) and nothing is
  // disclosed. The same holds for Subscribe (the feed is not started) and FindCapacity.
  absl::Status Get(const security::Identity& caller, const ketenbeeld::v1::GetRequest& request,
                   ketenbeeld::v1::GetResponse& response);
  absl::Status List(const security::Identity& caller, const ketenbeeld::v1::ListRequest& request,
                    ketenbeeld::v1::ListResponse& response);
  absl::Status History(const security::Identity& caller, const ketenbeeld::v1::HistoryRequest& request,
                       ketenbeeld::v1::HistoryResponse& response);

  // What a live feed needs once the caller is admitted: what it may see, and its place under the identity's
  // feed limit (held for the feed's lifetime). RESOURCE_EXHAUSTED at the limit. Records the feed in the audit trail
  // when it will carry other organisations' figures.
  struct FeedGrant {
    policy::Viewer viewer;
    std::unique_ptr<policy::SubscriptionLimiter::Lease> lease;  // Null in development mode.
    // Whether the subscriber's credential still holds (Revalidate() for this caller); the feed ends with its status
    // when not (feed::FeedSession checks it periodically). Valid as long as these Operations.
    std::function<absl::Status()> revalidate;
  };
  absl::StatusOr<FeedGrant> Subscribe(const security::Identity& caller,
                                      const ketenbeeld::v1::SubscribeRequest& request);

  absl::StatusOr<ketenbeeld::v1::AlertAcknowledgements> GetAlertAcknowledgements(
      const security::Identity& caller, const ketenbeeld::v1::GetAlertAcknowledgementsRequest& request);
  absl::StatusOr<ketenbeeld::v1::GapReport> GetGapReport(const security::Identity& caller,
                                                         const ketenbeeld::v1::GetGapReportRequest& request);
  absl::StatusOr<ketenbeeld::v1::CapacityOverview> GetCapacityOverview(
      const security::Identity& caller, const ketenbeeld::v1::GetCapacityOverviewRequest& request);
  // The aggregate of indicators (questionnaires) under the capacity overview's visibility: the live answers for a
  // reader who sees every organisation's figures, else the published ones with the minimum group size; text answers
  // only of the organisations whose figures the reader sees (queries::ComputeIndicatorOverview).
  absl::StatusOr<ketenbeeld::v1::IndicatorOverview> GetIndicatorOverview(
      const security::Identity& caller, const ketenbeeld::v1::GetIndicatorOverviewRequest& request);
  absl::StatusOr<ketenbeeld::v1::OperationalSummary> GetOperationalSummary(
      const security::Identity& caller, const ketenbeeld::v1::GetOperationalSummaryRequest& request);
  absl::StatusOr<ketenbeeld::v1::FindCapacityResponse> FindCapacity(const security::Identity& caller,
                                                                    const ketenbeeld::v1::FindCapacityRequest& request);
  // Supply and staffing points only of the organisations whose figures the caller sees (policy::Viewer); a read of
  // another organisation's points is recorded in the audit trail (UNAVAILABLE when it cannot be, and nothing is
  // answered).
  absl::StatusOr<ketenbeeld::v1::ContinuityTimeline> GetContinuityTimeline(
      const security::Identity& caller, const ketenbeeld::v1::GetContinuityTimelineRequest& request);
  // The evaluation of an incident (queries/evaluation.h). Per organisation: a read of other organisations' detail,
  // recorded in the audit trail (UNAVAILABLE when it cannot be, and nothing is answered).
  absl::StatusOr<ketenbeeld::v1::Evaluation> GetEvaluation(const security::Identity& caller,
                                                           const ketenbeeld::v1::GetEvaluationRequest& request);
  // The brief of an incident (queries/brief.h) at the latest revision, a revision or a moment: the picture then and
  // 24 hours before are read from the store (Reader::PictureAt, only the kinds of records a brief shows, within the
  // server's limits.max_records_per_picture: RESOURCE_EXHAUSTED naming `revision` or `at_time` beyond it; a trend
  // picture beyond it leaves the trend out). A reader who does not see every organisation's
  // figures gets small sums withheld (min_aggregate_group); for one who does, the organisations its supply lines name
  // are a read of detail, recorded in the audit trail (UNAVAILABLE when it cannot be, and nothing is answered).
  absl::StatusOr<ketenbeeld::v1::SituationReport> GetSituationReport(
      const security::Identity& caller, const ketenbeeld::v1::GetSituationReportRequest& request);
  absl::StatusOr<ketenbeeld::v1::ListAuditEntriesResponse> ListAuditEntries(
      const security::Identity& caller, const ketenbeeld::v1::ListAuditEntriesRequest& request);

  // The exchange formats (interop_service.proto, server/interop/; in interop_operations.cc). Exports check their own
  // rule, then read like Get and List (redaction and audit included): NOT_FOUND for an unknown alert, organisation or
  // organisation without a report; INVALID_ARGUMENT naming the field for a malformed id or region.
  absl::StatusOr<ketenbeeld::v1::XmlExport> ExportAlertCap(const security::Identity& caller,
                                                           const ketenbeeld::v1::ExportAlertCapRequest& request);
  absl::StatusOr<ketenbeeld::v1::XmlExport> ExportStatusHave(const security::Identity& caller,
                                                             const ketenbeeld::v1::ExportStatusHaveRequest& request);
  // A FHIR R4 resource (interop/fhir.h): an organisation's MeasureReport from its reports read through List, its beds
  // counted as in the capacity overview (CountedReport), a region's from GetCapacityOverview (its rule and visibility),
  // Organization and Location through Get.
  absl::StatusOr<ketenbeeld::v1::FhirExport> ExportFhir(const security::Identity& caller,
                                                        const ketenbeeld::v1::ExportFhirRequest& request);
  // Imports: the import's own rule first (PERMISSION_DENIED; nothing is parsed), then the document (INVALID_ARGUMENT
  // naming the element; nothing is written), then Write() of the SendAlert or ReportStatus it became, with all of
  // Write()'s checks. `done` runs once, on the committer's completion thread or at once when refused.
  using ImportCallback = std::function<void(absl::StatusOr<ketenbeeld::v1::ImportXmlResponse>)>;
  void ImportAlertCap(const security::Identity& caller, const ketenbeeld::v1::ImportXmlRequest& request,
                      ImportCallback done);
  void ImportStatusHave(const security::Identity& caller, const ketenbeeld::v1::ImportXmlRequest& request,
                        ImportCallback done);

  // Federation (federation_service.proto; federation_operations.cc). ApplyUpstream: INVALID_ARGUMENT naming
  // `source_region` when malformed; PERMISSION_DENIED naming it unless the caller is the source's configured identity;
  // then Write()'s checks and the committer's codes (ABORTED: cursor; FAILED_PRECONDITION: an organisation claimed by
  // two sources). The answer holds the cursor record as it is after the write; `done` runs once, on the committer's
  // completion thread or at once when refused.
  using ApplyUpstreamCallback = std::function<void(absl::StatusOr<ketenbeeld::v1::ApplyUpstreamResponse>)>;
  void ApplyUpstream(const security::Identity& caller, ketenbeeld::v1::ApplyUpstreamRequest request,
                     ApplyUpstreamCallback done);
  // Every source's cursor record, each with `stale` set. PERMISSION_DENIED unless the caller is a configured source.
  absl::StatusOr<ketenbeeld::v1::GetUpstreamCursorsResponse> GetUpstreamCursors(
      const security::Identity& caller, const ketenbeeld::v1::GetUpstreamCursorsRequest& request);

 private:
  // ExportFhir's organisation-level report for the MeasureReport (issue 19): the organisation's report at `revision`
  // with its beds counted as the capacity overview counts them (per-location reports summed when it has any, the beds
  // its reservations hold taken off: queries/beds.h CountedCapacity), read through List (redaction, audit). NOT_FOUND
  // naming organization_id when it has no status report.
  absl::StatusOr<ketenbeeld::v1::StatusReport> CountedReport(const security::Identity& caller,
                                                             const std::string& organization_id, int64_t revision);
  // Sets Provenance.stale and source_last_heard on a federated record, and UpstreamSource.stale on a cursor record,
  // from the current cursor records and the clock. Leaves other records alone.
  void MarkFreshness(ketenbeeld::v1::Record& record) const;
  // Commits `conflict` on upstream/{source_region} as the server's own write (mutations::UpstreamConflictReport), then
  // calls `then` (also when that write fails).
  void RecordConflict(const std::string& source_region, ketenbeeld::v1::UpstreamConflict conflict,
                      std::function<void()> then);
  // Every source region's freshness (for the capacity overview), sorted by region.
  std::vector<ketenbeeld::v1::UpstreamFreshness> SourcesFreshness() const;
  // The same for the reports' views across regions (queries::SourceFreshness); empty on a region's own server.
  queries::SourceFreshness SourceFreshnessForReports() const { return ForReports(SourcesFreshness()); }
  static queries::SourceFreshness ForReports(const std::vector<ketenbeeld::v1::UpstreamFreshness>& sources);

  // The owning region's form of a reservation call of a federated organisation or reservation, when the reservation
  // forwarder reaches that region; nullopt for every other write (reservation_forwarding.cc).
  std::optional<RegionCall> RegionCallOf(const security::Identity& caller,
                                         const mutations::WriteRequest& request) const;

  // The write's rule and on whose behalf it acts (policy::AuthorizeWrite()): PERMISSION_DENIED naming the rule or
  // field; INVALID_ARGUMENT naming the field when a write that acts for an organisation names none; NOT_FOUND when
  // an assistance request it acts on does not exist (its requester decides). Fails closed: every write type has its
  // own decision in operations.cc, and one without a decision does not compile.
  absl::Status AuthorizeWrite(const security::Identity& caller, const mutations::WriteRequest& request) const;
  // OK for an empty id (the real picture) or an exercise that was started; INVALID_ARGUMENT naming `field` otherwise.
  absl::Status CheckExercise(absl::string_view exercise_id, absl::string_view field) const;
  // Redacts `records` for the caller and records a read of other organisations' detail in the audit trail.
  // UNAVAILABLE when the audit trail could not record the read: the caller must then not answer it.
  // Write()s `body` and answers `done` with the written record and `not_imported`.
  void WriteImport(const security::Identity& caller, mutations::WriteRequest::Body body,
                   std::vector<std::string> not_imported, ImportCallback done);

  template <typename Records>
  absl::Status RedactAndAudit(const security::Identity& caller, absl::string_view method, Records& records,
                              int64_t revision);

  Dependencies deps_;
  // The capacity figures readers without detailed visibility get their reports from (one publication for all).
  policy::PublishedFigures published_figures_;
};

// The full gRPC method name of a write ("/ketenbeeld.v1.PictureService/ReportStatus").
absl::string_view MethodOf(const mutations::WriteRequest& request);

}  // namespace ketenbeeld::service

#endif  // KETENBEELD_SERVER_SERVICE_OPERATIONS_H_
