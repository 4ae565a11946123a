#include "server/service/operations.h"

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/strings.h"
#include "base/time.h"
#include "server/domain/endpoints.h"
#include "server/domain/field_checks.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/policy/federation.h"
#include "server/policy/rules.h"
#include "server/queries/audience.h"
#include "server/queries/brief.h"
#include "server/queries/continuity.h"
#include "server/queries/reports.h"

namespace ketenbeeld::service {
namespace {

namespace v1 = ketenbeeld::v1;
using security::Identity;

// True when `Visitor` has an overload for every alternative of `Variant` (a std::variant).
template <typename Visitor, typename Variant>
struct VisitsEveryAlternative;
template <typename Visitor, typename... Alternatives>
struct VisitsEveryAlternative<Visitor, std::variant<Alternatives...>>
    : std::bool_constant<(std::is_invocable_v<const Visitor&, const Alternatives&> && ...)> {};

// A decision on whose behalf a write acts. `record` keeps alive the record that `acts_for` points into, when the
// organisation is read from the picture rather than from the request.
struct Behalf {
  policy::ActsFor acts_for;
  state::RecordPtr record;
};

constexpr absl::string_view kRequesterField = "request_id (its requesting organisation)";
constexpr absl::string_view kReceiverField = "reservation_id (its receiving organisation)";
constexpr absl::string_view kReserverField = "reservation_id (its reserver's organisation)";

// The forwarded_for of a reservation call a ROAZ or national server forwarded here; null for every other write.
const std::string* ForwardedFor(const mutations::WriteRequest::Body& body) {
  const std::string* forwarded_for = nullptr;
  if (const auto* reserve = std::get_if<v1::ReserveBedRequest>(&body)) {
    forwarded_for = &reserve->forwarded_for();
  } else if (const auto* confirm = std::get_if<v1::ConfirmReservationRequest>(&body)) {
    forwarded_for = &confirm->forwarded_for();
  } else if (const auto* release = std::get_if<v1::ReleaseReservationRequest>(&body)) {
    forwarded_for = &release->forwarded_for();
  }
  return forwarded_for != nullptr && !forwarded_for->empty() ? forwarded_for : nullptr;
}

// Whom each write acts for: one overload per write type, and no generic fallback. The deleted template catches every
// type without its own overload (it is an exact match, so it also wins over an implicit conversion to a listed type),
// and the static_assert below turns that into a compile error naming this visitor: a new write type cannot be added
// to mutations::WriteRequest::Body without deciding here on whose behalf it acts. (There was a catch-all here that
// answered "no organisation", so a new write type skipped the own-organisation check silently.)
struct BehalfVisitor {
  const state::Picture& picture;
  const Identity& caller;
  const policy::UpstreamIdentities& upstream;
  // This server's own safety region (Dependencies::safety_region).
  absl::string_view own_region;

  absl::StatusOr<Behalf> operator()(const v1::RegisterOrganizationRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::ReportStatusRequest& r) const {
    return For(r.report().organization_id(), "report.organization_id");
  }
  absl::StatusOr<Behalf> operator()(const v1::OpenIncidentRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::UpdateIncidentRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::AddSituationEntryRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::SendAlertRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::AcknowledgeAlertRequest& r) const {
    return For(r.organization_id(), "organization_id");
  }
  absl::StatusOr<Behalf> operator()(const v1::RequestAssistanceRequest& r) const {
    return For(r.request().organization_id(), "request.organization_id");
  }
  absl::StatusOr<Behalf> operator()(const v1::OfferAssistanceRequest& r) const {
    return For(r.offer().organization_id(), "offer.organization_id");
  }
  absl::StatusOr<Behalf> operator()(const v1::AcceptOfferRequest& r) const { return RequesterOf(r); }
  absl::StatusOr<Behalf> operator()(const v1::FulfillRequestRequest& r) const { return RequesterOf(r); }
  absl::StatusOr<Behalf> operator()(const v1::CancelRequestRequest& r) const { return RequesterOf(r); }
  absl::StatusOr<Behalf> operator()(const v1::PutScenarioRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::DefineIndicatorRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::RetireIndicatorRequest&) const { return Nobody(); }
  // Exercises are run for the whole chain: the role alone decides (the GHOR and the operator; purging, the operator).
  absl::StatusOr<Behalf> operator()(const v1::StartExerciseRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::EndExerciseRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::PurgeExerciseRequest&) const { return Nobody(); }
  absl::StatusOr<Behalf> operator()(const v1::CloseEscalationTaskRequest&) const { return Nobody(); }
  // Dispatch reserves beds at any organisation (reservation.proto): the role alone decides.
  absl::StatusOr<Behalf> operator()(const v1::ReserveBedRequest&) const { return Nobody(); }
  // The receiving organisation confirms.
  absl::StatusOr<Behalf> operator()(const v1::ConfirmReservationRequest& r) const {
    absl::StatusOr<state::RecordPtr> record = ReservationOf(r.reservation_id());
    if (!record.ok()) return record.status();
    return Behalf{
        .acts_for = policy::ForOrganization{.organization_id = (*record)->record.bed_reservation().organization_id(),
                                            .field = kReceiverField},
        .record = *std::move(record)};
  }
  // The receiving organisation, or the reserver's: the caller acts for the receiving one when that is its own, else
  // for the reserver's (which the rule then holds against the caller's organisation).
  absl::StatusOr<Behalf> operator()(const v1::ReleaseReservationRequest& r) const {
    absl::StatusOr<state::RecordPtr> record = ReservationOf(r.reservation_id());
    if (!record.ok()) return record.status();
    const v1::BedReservation& reservation = (*record)->record.bed_reservation();
    const bool receiver = reservation.organization_id() == caller.organization_id;
    return Behalf{.acts_for = policy::ForOrganization{.organization_id =
                                                          receiver ? absl::string_view(reservation.organization_id())
                                                                   : ReserverOf(reservation),
                                                      .field = receiver ? kReceiverField : kReserverField},
                  .record = *std::move(record)};
  }
  // The reserver's organisation as this server's callers are named. A reservation a ROAZ or national server forwarded
  // (BedReservation.forwarded_for, "VR12/ghor-roaz") is its caller's, not the forwarding server's: on that server
  // (region VR12, holding the federated copy) the caller "ghor-roaz"; on any other server the qualified name, which
  // is no caller's organisation there (docs/reservations.md, "Across regions").
  absl::string_view ReserverOf(const v1::BedReservation& reservation) const {
    const absl::string_view forwarded_for = reservation.forwarded_for();
    if (forwarded_for.empty()) return reservation.reserved_by_organization_id();
    if (!own_region.empty() && absl::StartsWith(forwarded_for, own_region) &&
        forwarded_for.substr(own_region.size(), 1) == "/") {
      return forwarded_for.substr(own_region.size() + 1);
    }
    return forwarded_for;
  }
  // Federation: no organisation, and not the role either: only the identity configured for the source region.
  absl::StatusOr<Behalf> operator()(const v1::ApplyUpstreamRequest& r) const {
    // A caller that is no source's federator learns nothing about its request (not even that it is malformed).
    if (absl::Status federator = policy::AuthorizeUpstreamReader(caller, upstream); !federator.ok()) {
      return absl::PermissionDeniedError(absl::StrCat("source_region: ", federator.message()));
    }
    if (!domain::checks::IsSafetyRegion(r.source_region())) {
      return absl::InvalidArgumentError(
          absl::StrCat("source_region: \"", r.source_region(), "\" is not a safety region; expected VR01..VR25"));
    }
    if (absl::Status allowed = policy::AuthorizeUpstreamSource(caller, r.source_region(), upstream); !allowed.ok()) {
      return allowed;
    }
    return Nobody();
  }
  absl::StatusOr<Behalf> operator()(const mutations::SystemTick&) const {
    return absl::PermissionDeniedError("system ticks are the server's own");
  }
  absl::StatusOr<Behalf> operator()(const mutations::DeliveryOutcome&) const {
    return absl::PermissionDeniedError("delivery outcomes are the server's own");
  }
  absl::StatusOr<Behalf> operator()(const mutations::UpstreamConflictReport&) const {
    return absl::PermissionDeniedError("upstream conflicts are the server's own");
  }
  template <typename WriteType>
  absl::StatusOr<Behalf> operator()(const WriteType&) const = delete;

  static Behalf Nobody() { return Behalf{.acts_for = policy::ForNoOrganization{}, .record = nullptr}; }
  static Behalf For(absl::string_view organization_id, absl::string_view field) {
    return Behalf{.acts_for = policy::ForOrganization{.organization_id = organization_id, .field = field},
                  .record = nullptr};
  }
  // The requesting organisation of an assistance request acts on it. A request that does not exist (yet) is
  // NOT_FOUND here, as the committer would answer, and never "no organisation": otherwise a write for a request that
  // is created between this check and the commit would skip the check. The requester of a request never changes, so
  // reading it before the commit is safe. A request of an exercise is the exercise's record of it.
  // A reservation that does not exist is NOT_FOUND here, as the committer would answer (see RequesterOf). Its
  // organisation and reserver never change.
  absl::StatusOr<state::RecordPtr> ReservationOf(const std::string& reservation_id) const {
    state::RecordPtr record = picture.Find(domain::ReservationName(reservation_id));
    if (record == nullptr || !record->record.has_bed_reservation()) {
      return absl::NotFoundError(absl::StrCat("reservation_id: reservation \"", reservation_id, "\" does not exist"));
    }
    return record;
  }
  template <typename Request>
  absl::StatusOr<Behalf> RequesterOf(const Request& request) const {
    const std::string& request_id = request.request_id();
    state::RecordPtr record =
        picture.Find(domain::InExercise(request.exercise_id(), domain::AssistanceRequestName(request_id)));
    if (record == nullptr || !record->record.has_assistance_request()) {
      return absl::NotFoundError(absl::StrCat("request_id: assistance request \"", request_id, "\" does not exist"));
    }
    const absl::string_view requester = record->record.assistance_request().organization_id();
    return Behalf{.acts_for = policy::ForOrganization{.organization_id = requester, .field = kRequesterField},
                  .record = std::move(record)};
  }
};
static_assert(VisitsEveryAlternative<BehalfVisitor, mutations::WriteRequest::Body>::value,
              "every write type needs its own overload in BehalfVisitor: decide on whose behalf it acts");

}  // namespace

absl::string_view MethodOf(const mutations::WriteRequest& request) {
  struct Visitor {
    absl::string_view operator()(const v1::RegisterOrganizationRequest&) const {
      return policy::method::kRegisterOrganization;
    }
    absl::string_view operator()(const v1::ReportStatusRequest&) const { return policy::method::kReportStatus; }
    absl::string_view operator()(const v1::OpenIncidentRequest&) const { return policy::method::kOpenIncident; }
    absl::string_view operator()(const v1::UpdateIncidentRequest&) const { return policy::method::kUpdateIncident; }
    absl::string_view operator()(const v1::AddSituationEntryRequest&) const {
      return policy::method::kAddSituationEntry;
    }
    absl::string_view operator()(const v1::SendAlertRequest&) const { return policy::method::kSendAlert; }
    absl::string_view operator()(const v1::AcknowledgeAlertRequest&) const { return policy::method::kAcknowledgeAlert; }
    absl::string_view operator()(const v1::RequestAssistanceRequest&) const {
      return policy::method::kRequestAssistance;
    }
    absl::string_view operator()(const v1::OfferAssistanceRequest&) const { return policy::method::kOfferAssistance; }
    absl::string_view operator()(const v1::AcceptOfferRequest&) const { return policy::method::kAcceptOffer; }
    absl::string_view operator()(const v1::FulfillRequestRequest&) const { return policy::method::kFulfillRequest; }
    absl::string_view operator()(const v1::CancelRequestRequest&) const { return policy::method::kCancelRequest; }
    absl::string_view operator()(const v1::PutScenarioRequest&) const { return policy::method::kPutScenario; }
    absl::string_view operator()(const v1::DefineIndicatorRequest&) const { return policy::method::kDefineIndicator; }
    absl::string_view operator()(const v1::RetireIndicatorRequest&) const { return policy::method::kRetireIndicator; }
    absl::string_view operator()(const v1::StartExerciseRequest&) const { return policy::method::kStartExercise; }
    absl::string_view operator()(const v1::EndExerciseRequest&) const { return policy::method::kEndExercise; }
    absl::string_view operator()(const v1::PurgeExerciseRequest&) const { return policy::method::kPurgeExercise; }
    absl::string_view operator()(const v1::CloseEscalationTaskRequest&) const {
      return policy::method::kCloseEscalationTask;
    }
    absl::string_view operator()(const v1::ReserveBedRequest&) const { return policy::method::kReserveBed; }
    absl::string_view operator()(const v1::ConfirmReservationRequest&) const {
      return policy::method::kConfirmReservation;
    }
    absl::string_view operator()(const v1::ReleaseReservationRequest&) const {
      return policy::method::kReleaseReservation;
    }
    absl::string_view operator()(const v1::ApplyUpstreamRequest&) const { return policy::method::kApplyUpstream; }
    absl::string_view operator()(const mutations::SystemTick&) const { return "(system tick)"; }
    absl::string_view operator()(const mutations::DeliveryOutcome&) const { return "(delivery outcome)"; }
    absl::string_view operator()(const mutations::UpstreamConflictReport&) const { return "(upstream conflict)"; }
  };
  return std::visit(Visitor{}, request.body);
}

absl::Status Operations::AuthorizeWrite(const Identity& caller, const mutations::WriteRequest& request) const {
  if (std::holds_alternative<mutations::SystemTick>(request.body) ||
      std::holds_alternative<mutations::DeliveryOutcome>(request.body) ||
      std::holds_alternative<mutations::UpstreamConflictReport>(request.body)) {
    return absl::PermissionDeniedError("system ticks, delivery outcomes and upstream conflicts are the server's own");
  }
  if (caller.development()) return absl::OkStatus();
  // A reservation call a ROAZ or national server forwarded for its caller: the listed forwarding identity decides,
  // never a role (that server held its caller to its own rules before forwarding).
  if (const std::string* forwarded_for = ForwardedFor(request.body); forwarded_for != nullptr) {
    return policy::AuthorizeForwardedCall(caller, *forwarded_for, deps_.reservation_forwarders);
  }
  const absl::string_view method = MethodOf(request);
  // The role first: a role that may not call the method learns nothing about the records it names (NOT_FOUND).
  if (absl::Status allowed = policy::AuthorizeCall(caller, method); !allowed.ok()) return allowed;
  const absl::StatusOr<Behalf> behalf =
      std::visit(BehalfVisitor{deps_.picture, caller, deps_.upstream_sources, deps_.safety_region}, request.body);
  if (!behalf.ok()) return behalf.status();
  return policy::AuthorizeWrite(caller, method, behalf->acts_for);
}

void Operations::Write(const Identity& caller, mutations::WriteRequest request, pipeline::Committer::Callback done) {
  if (absl::Status allowed = AuthorizeWrite(caller, request); !allowed.ok()) {
    std::move(done)(allowed);
    return;
  }
  // A reservation of another region's bed is that region's to commit: forwarded to its server when one is
  // configured (reservation_forwarding.cc), else the planner refuses it naming the region.
  if (std::optional<RegionCall> forwarded = RegionCallOf(caller, request); forwarded.has_value()) {
    // Bad input is refused here, as for a write of this server, before anything goes out.
    if (absl::Status valid = mutations::ValidateWrite(request); !valid.ok()) {
      std::move(done)(valid);
      return;
    }
    deps_.reservation_forwarder->Forward(*std::move(forwarded), std::move(done));
    return;
  }
  // A source region's log is the sum of its organisations' writes, each bounded by the region's own limits: counting
  // it against one federator's volume would only throttle a catch-up after a link was down.
  if (deps_.write_volume != nullptr && !std::holds_alternative<v1::ApplyUpstreamRequest>(request.body)) {
    const size_t bytes = std::visit(
        [](const auto& body) -> size_t {
          if constexpr (std::is_base_of_v<google::protobuf::Message, std::decay_t<decltype(body)>>) {
            return body.ByteSizeLong();
          } else {
            return 0;  // SystemTick: the server's own.
          }
        },
        request.body);
    if (absl::Status admitted = deps_.write_volume->Admit(caller, bytes); !admitted.ok()) {
      std::move(done)(admitted);
      return;
    }
  }
  request.actor = caller.ToActor();
  if (std::holds_alternative<v1::RegisterOrganizationRequest>(request.body)) {
    // The registration's answer shows the record as any read would: without webhook secrets.
    done = [done = std::move(done)](absl::StatusOr<pipeline::WriteResult> result) mutable {
      if (result.ok() && result->record != nullptr && domain::HoldsSecrets(result->record->record)) {
        v1::Record copy = result->record->record;
        domain::StripSecrets(copy);
        result->record = state::MakeRecord(std::move(copy));
      }
      std::move(done)(std::move(result));
    };
  }
  deps_.committer.Submit(std::move(request), std::move(done));
}

absl::Status Operations::OpenPublishStream(const Identity& caller) const {
  return policy::AuthorizeCall(caller, policy::method::kPublishStatus);
}

namespace {

v1::Record& RecordOf(v1::Record& record) { return record; }
v1::Record& RecordOf(v1::Event& event) { return *event.mutable_record(); }

}  // namespace

template <typename Records>
absl::Status Operations::RedactAndAudit(const Identity& caller, absl::string_view method, Records& records,
                                        int64_t revision) {
  if (caller.development()) {
    for (auto& item : records) domain::StripSecrets(RecordOf(item));  // Secrets are withheld from everyone.
    return absl::OkStatus();
  }
  const policy::Viewer viewer = policy::Viewer::For(caller);
  if constexpr (requires { records.DeleteSubrange(0, 0); }) {
    // The federation role: what never crosses upward is left out (a page may come out shorter; its token still
    // continues after the last record read).
    if (viewer.federation()) {
      int kept = 0;
      for (int i = 0; i < records.size(); ++i) {
        if (policy::FederationAdmits(RecordOf(records[i]))) records.SwapElements(i, kept++);
      }
      records.DeleteSubrange(kept, records.size() - kept);
    }
  }
  std::vector<std::string> detail_of_others;
  for (auto& item : records) {
    v1::Record& record = RecordOf(item);
    if (policy::Redact(viewer, record)) continue;
    const absl::string_view owner = policy::DetailOwner(record);
    if (!owner.empty() && owner != caller.organization_id) detail_of_others.emplace_back(owner);
  }
  if (!detail_of_others.empty() && deps_.audit != nullptr) {
    return deps_.audit->Record(caller, method, std::move(detail_of_others), revision);
  }
  return absl::OkStatus();
}

absl::Status Operations::CheckExercise(absl::string_view exercise_id, absl::string_view field) const {
  if (exercise_id.empty()) return absl::OkStatus();
  if (absl::Status valid = domain::ValidateId(ToStd(exercise_id), ToStd(field)); !valid.ok()) return valid;
  // An exercise record is never deleted (a purge keeps it), so once started an id stays known.
  if (deps_.picture.Find(domain::ExerciseName(ToStd(exercise_id))) != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": no exercise \"", exercise_id, "\""));
}

absl::Status Operations::Get(const Identity& caller, const v1::GetRequest& request, v1::GetResponse& response) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGet); !allowed.ok()) return allowed;
  if (absl::Status read = deps_.reader.Get(request, response); !read.ok()) return read;
  if (!caller.development() && caller.role == v1::ROLE_FEDERATION && !policy::FederationAdmits(response.record())) {
    // PERMISSION_DENIED, not NOT_FOUND: the record exists, the role may not read it (the sector aggregates and the
    // registry already say which organisations there are).
    response.Clear();
    return absl::PermissionDeniedError(
        absl::StrCat("name: \"", request.name(),
                     "\" does not cross upward: the federation role reads acute care per organisation, long-term "
                     "care only as aggregates/{group}, and none of the region's own workflow "
                     "(docs/federation-policy.md)"));
  }
  *response.mutable_server_time() = ToProtoTime(deps_.clock());
  MarkFreshness(*response.mutable_record());
  std::span<v1::Record> one(response.mutable_record(), 1);
  return RedactAndAudit(caller, policy::method::kGet, one, response.revision());
}

absl::Status Operations::List(const Identity& caller, const v1::ListRequest& request, v1::ListResponse& response) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kList); !allowed.ok()) return allowed;
  if (absl::Status known = CheckExercise(request.filter().exercise_id(), "filter.exercise_id"); !known.ok()) {
    return known;
  }
  absl::Status read;
  if (request.has_at_time() && request.page_token().empty()) {
    // The picture at a moment: the revision committed last at or before it (a page token carries its revision).
    if (request.revision() != 0) {
      return absl::InvalidArgumentError("at_time: give either revision or at_time, not both");
    }
    absl::StatusOr<int64_t> revision = deps_.reader.RevisionAt(request.at_time(), deps_.clock(), "at_time");
    if (!revision.ok()) return revision.status();
    v1::ListRequest at_revision = request;
    at_revision.clear_at_time();
    at_revision.set_revision(*revision);
    read = deps_.reader.List(at_revision, response);
  } else {
    read = deps_.reader.List(request, response);
  }
  if (!read.ok()) return read;
  *response.mutable_server_time() = ToProtoTime(deps_.clock());
  for (v1::Record& record : *response.mutable_records()) MarkFreshness(record);
  return RedactAndAudit(caller, policy::method::kList, *response.mutable_records(), response.revision());
}

absl::Status Operations::History(const Identity& caller, const v1::HistoryRequest& request,
                                 v1::HistoryResponse& response) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kHistory); !allowed.ok()) return allowed;
  if (absl::Status known = CheckExercise(request.filter().exercise_id(), "filter.exercise_id"); !known.ok()) {
    return known;
  }
  if (absl::Status read = deps_.reader.History(request, response); !read.ok()) return read;
  *response.mutable_server_time() = ToProtoTime(deps_.clock());
  return RedactAndAudit(caller, policy::method::kHistory, *response.mutable_events(), response.revision());
}

absl::Status Operations::Revalidate(const Identity& caller) const {
  if (deps_.revalidator == nullptr || caller.development()) return absl::OkStatus();
  return deps_.revalidator->Revalidate(caller);
}

absl::StatusOr<Operations::FeedGrant> Operations::Subscribe(const Identity& caller,
                                                            const v1::SubscribeRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kSubscribe); !allowed.ok()) return allowed;
  if (absl::Status known = CheckExercise(request.filter().exercise_id(), "filter.exercise_id"); !known.ok()) {
    return known;
  }
  absl::StatusOr<std::unique_ptr<policy::SubscriptionLimiter::Lease>> lease = deps_.subscriptions.Acquire(caller);
  if (!lease.ok()) return lease.status();
  FeedGrant grant{.viewer = policy::Viewer::For(caller), .lease = *std::move(lease), .revalidate = [this, caller] {
                    return Revalidate(caller);
                  }};
  // A feed that will carry other organisations' figures: one entry for the whole feed, naming whose figures its
  // filter selects (or none, meaning every organisation).
  // The federation role's feed carries every acute care organisation's exact figures: recorded as GHOR's is.
  if (!caller.development() && (grant.viewer.sees_all_detail() || grant.viewer.federation()) &&
      deps_.audit != nullptr) {
    std::vector<std::string> selected(request.filter().organization_ids().begin(),
                                      request.filter().organization_ids().end());
    std::erase(selected, caller.organization_id);
    const bool only_own = !request.filter().organization_ids().empty() && selected.empty();
    if (!only_own) {
      // Before the feed sends anything: a feed that cannot be recorded is not started (its lease is released).
      if (absl::Status recorded =
              deps_.audit->Record(caller, policy::method::kSubscribe, std::move(selected), deps_.picture.revision());
          !recorded.ok()) {
        return recorded;
      }
    }
  }
  return grant;
}

absl::StatusOr<v1::AlertAcknowledgements> Operations::GetAlertAcknowledgements(
    const Identity& caller, const v1::GetAlertAcknowledgementsRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetAlertAcknowledgements); !allowed.ok()) {
    return allowed;
  }
  if (absl::Status status = domain::ValidateId(request.alert_id(), "alert_id"); !status.ok()) return status;
  if (absl::Status known = CheckExercise(request.exercise_id(), "exercise_id"); !known.ok()) return known;
  v1::Filter filter;
  filter.add_kinds(v1::ENTITY_KIND_ALERT);
  filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
  filter.add_kinds(v1::ENTITY_KIND_ACKNOWLEDGEMENT);
  filter.set_exercise_id(request.exercise_id());  // The alert of the real picture, or of that exercise.
  // One snapshot for the alert, the audience and the acknowledgements, so the answer holds at `revision`. Every
  // alert name sorts before every organisation name (an exercise's too: "exercises/..." < "organizations/..."), so
  // the scan starts just before the alert's own name.
  const std::string alert_name = domain::InExercise(request.exercise_id(), domain::AlertName(request.alert_id()));
  const state::Picture::Snapshot snapshot = deps_.picture.Take(
      domain::CompiledFilter(filter), domain::InExercise(request.exercise_id(), domain::AlertName("")));
  const auto alert = std::find_if(snapshot.records.begin(), snapshot.records.end(),
                                  [&](const state::RecordPtr& record) { return record->record.name() == alert_name; });
  if (alert == snapshot.records.end()) {
    return absl::NotFoundError(absl::StrCat("alert \"", request.alert_id(), "\" does not exist"));
  }
  const queries::AcknowledgementState state =
      queries::AcknowledgementStateIn((*alert)->record.alert(), snapshot.records);
  v1::AlertAcknowledgements response;
  *response.mutable_alert() = (*alert)->record.alert();
  for (const v1::Acknowledgement& acknowledgement : state.acknowledgements) {
    *response.add_acknowledgements() = acknowledgement;
  }
  for (const std::string& id : state.unacknowledged_organization_ids) response.add_unacknowledged_organization_ids(id);
  response.set_audience_size(state.audience_size);
  response.set_revision(snapshot.revision);
  *response.mutable_computed_at() = ToProtoTime(deps_.clock());
  return response;
}

absl::StatusOr<v1::GapReport> Operations::GetGapReport(const Identity& caller, const v1::GetGapReportRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetGapReport); !allowed.ok()) {
    return allowed;
  }
  const policy::Viewer viewer = policy::Viewer::For(caller);
  // Exact figures from the scenario's own snapshot, so the report is exactly as of its revision.
  const queries::SourceFreshness sources = SourceFreshnessForReports();
  if (viewer.sees_all_detail()) return queries::ComputeGapReport(request, deps_.picture, deps_.clock(), sources);
  const policy::ReportFigures figures = policy::FiguresFor(viewer, deps_.picture, published_figures_);
  return queries::ComputeGapReport(request, deps_.picture, *figures.figures, deps_.clock(), figures.min_group, sources);
}

absl::StatusOr<v1::CapacityOverview> Operations::GetCapacityOverview(const Identity& caller,
                                                                     const v1::GetCapacityOverviewRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetCapacityOverview); !allowed.ok()) {
    return allowed;
  }
  const policy::ReportFigures figures =
      policy::FiguresFor(policy::Viewer::For(caller), deps_.picture, published_figures_);
  // One reading of the sources for the lines' flags and the list of sources.
  std::vector<v1::UpstreamFreshness> sources = SourcesFreshness();
  absl::StatusOr<v1::CapacityOverview> overview = queries::ComputeCapacityOverview(
      request, *figures.figures, deps_.clock(), figures.min_group, ForReports(sources));
  if (overview.ok()) {
    overview->set_revision(figures.revision);
    for (v1::UpstreamFreshness& source : sources) *overview->add_sources() = std::move(source);
  }
  return overview;
}

absl::StatusOr<v1::IndicatorOverview> Operations::GetIndicatorOverview(const Identity& caller,
                                                                       const v1::GetIndicatorOverviewRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetIndicatorOverview); !allowed.ok()) {
    return allowed;
  }
  // The capacity's machinery: the same published table (PublishedFigures) and the same minimum group.
  const policy::Viewer viewer = policy::Viewer::For(caller);
  const policy::ReportFigures figures = policy::FiguresFor(viewer, deps_.picture, published_figures_);
  absl::StatusOr<v1::IndicatorOverview> overview = queries::ComputeIndicatorOverview(
      request, deps_.picture, *figures.figures, deps_.clock(), figures.min_group,
      [&](absl::string_view organization_id) { return viewer.SeesDetailOf(organization_id); });
  if (overview.ok()) overview->set_revision(figures.revision);
  return overview;
}

absl::StatusOr<v1::OperationalSummary> Operations::GetOperationalSummary(
    const Identity& caller, const v1::GetOperationalSummaryRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetOperationalSummary); !allowed.ok()) {
    return allowed;
  }
  if (absl::Status known = CheckExercise(request.exercise_id(), "exercise_id"); !known.ok()) return known;
  absl::StatusOr<v1::OperationalSummary> summary = queries::ComputeOperationalSummary(request, deps_.picture);
  if (summary.ok()) *summary->mutable_computed_at() = ToProtoTime(deps_.clock());
  return summary;
}

absl::StatusOr<v1::ContinuityTimeline> Operations::GetContinuityTimeline(
    const Identity& caller, const v1::GetContinuityTimelineRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetContinuityTimeline); !allowed.ok()) {
    return allowed;
  }
  const policy::Viewer viewer = policy::Viewer::For(caller);
  absl::StatusOr<v1::ContinuityTimeline> timeline = queries::ComputeContinuityTimeline(
      request, deps_.picture, deps_.clock(),
      [&viewer](absl::string_view organization_id) { return viewer.SeesDetailOf(organization_id); });
  if (!timeline.ok() || caller.development() || deps_.audit == nullptr) return timeline;
  // Supply and staffing points of other organisations are their figures: a read of detail.
  absl::btree_set<std::string> others;
  for (const v1::ContinuityPoint& point : timeline->points()) {
    const bool figure = point.kind() != v1::CONTINUITY_POINT_KIND_EMERGENCY_DEPARTMENT_UNTIL &&
                        point.kind() != v1::CONTINUITY_POINT_KIND_INTAKE_STOP_UNTIL;
    if (figure && point.organization_id() != caller.organization_id) others.insert(point.organization_id());
  }
  if (others.empty()) return timeline;
  if (absl::Status recorded =
          deps_.audit->Record(caller, policy::method::kGetContinuityTimeline,
                              std::vector<std::string>(others.begin(), others.end()), timeline->revision());
      !recorded.ok()) {
    return recorded;
  }
  return timeline;
}

absl::StatusOr<v1::FindCapacityResponse> Operations::FindCapacity(const Identity& caller,
                                                                  const v1::FindCapacityRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kFindCapacity); !allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<v1::FindCapacityResponse> found =
      queries::FindCapacity(request, deps_.picture, deps_.clock(), SourceFreshnessForReports());
  // Per-organisation availability: a read of detail (only roles that see every organisation's figures may call it).
  if (found.ok() && !caller.development() && deps_.audit != nullptr) {
    std::vector<std::string> others;
    for (const v1::CapacityMatch& match : found->matches()) {
      if (match.organization_id() != caller.organization_id) others.push_back(match.organization_id());
    }
    if (!others.empty()) {
      if (absl::Status recorded =
              deps_.audit->Record(caller, policy::method::kFindCapacity, std::move(others), found->revision());
          !recorded.ok()) {
        return recorded;
      }
    }
  }
  return found;
}

absl::StatusOr<v1::Evaluation> Operations::GetEvaluation(const Identity& caller,
                                                         const v1::GetEvaluationRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetEvaluation); !allowed.ok()) {
    return allowed;
  }
  if (absl::Status known = CheckExercise(request.exercise_id(), "exercise_id"); !known.ok()) return known;
  absl::StatusOr<v1::Evaluation> evaluation = deps_.reader.Evaluate(request);
  if (!evaluation.ok() || caller.development() || deps_.audit == nullptr) return evaluation;
  absl::btree_set<std::string> others;
  for (const v1::OrganizationResponse& response : evaluation->organizations()) {
    if (response.organization_id() != caller.organization_id) others.insert(response.organization_id());
  }
  if (others.empty()) return evaluation;
  if (absl::Status recorded =
          deps_.audit->Record(caller, policy::method::kGetEvaluation,
                              std::vector<std::string>(others.begin(), others.end()), evaluation->to_revision());
      !recorded.ok()) {
    return recorded;
  }
  return evaluation;
}

absl::StatusOr<v1::SituationReport> Operations::GetSituationReport(const Identity& caller,
                                                                   const v1::GetSituationReportRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetSituationReport); !allowed.ok()) {
    return allowed;
  }
  if (absl::Status valid = queries::ValidateSituationReportRequest(request); !valid.ok()) return valid;
  if (absl::Status known = CheckExercise(request.exercise_id(), "exercise_id"); !known.ok()) return known;
  if (request.revision() != 0 && request.has_at_time()) {
    return absl::InvalidArgumentError("at_time: give either revision or at_time, not both");
  }
  if (request.revision() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("revision: ", request.revision(), " is negative"));
  }
  // The revision and its moment: the one asked for at its commit time, the one at a moment, or the latest now.
  const absl::Time now = deps_.clock();
  int64_t revision = deps_.picture.revision();
  absl::Time moment = now;
  if (request.has_at_time()) {
    absl::StatusOr<int64_t> at = deps_.reader.RevisionAt(request.at_time(), now, "at_time");
    if (!at.ok()) return at.status();
    revision = *at;
    moment = FromProtoTime(request.at_time());
  }
  if (request.revision() == 0 && revision == 0) {
    return absl::NotFoundError(absl::StrCat("incident_id: incident \"", request.incident_id(), "\" does not exist"));
  }
  absl::StatusOr<std::unique_ptr<state::Picture>> picture = deps_.reader.PictureAt(
      request.revision() != 0 ? request.revision() : revision, request.has_at_time() ? "at_time" : "revision",
      queries::BriefPrefixes(request.exercise_id()));
  if (!picture.ok()) return picture.status();
  if (request.revision() != 0) {
    // The moment of a revision is when it was committed.
    revision = request.revision();
    absl::StatusOr<absl::Time> committed = deps_.reader.CommitTimeOf(revision, "revision");
    if (!committed.ok()) return committed.status();
    moment = *committed;
  }
  // The picture 24 hours before, for the trend; none when that is before the first or the retained revisions, or
  // too large to read (the brief itself is still worth having; its trend column then stays empty).
  const absl::Time before_moment = moment - queries::kBriefTrendWindow;
  std::unique_ptr<state::Picture> before;
  const policy::Viewer viewer = policy::Viewer::For(caller);
  // A reader without detail gets no trend of the real picture (brief.h): nothing to read.
  const bool trend_shown = viewer.sees_all_detail() || !request.exercise_id().empty();
  if (trend_shown) {
    absl::StatusOr<int64_t> then = deps_.reader.RevisionAt(ToProtoTime(before_moment), now, "at_time");
    if (then.ok()) {
      absl::StatusOr<std::unique_ptr<state::Picture>> read =
          deps_.reader.PictureAt(*then, "revision", queries::BriefTrendPrefixes(request.exercise_id()));
      if (!read.ok() && !absl::IsFailedPrecondition(read.status()) && !absl::IsResourceExhausted(read.status())) {
        return read.status();
      }
      if (read.ok()) before = *std::move(read);
    } else if (!absl::IsInvalidArgument(then.status()) && !absl::IsFailedPrecondition(then.status())) {
      return then.status();
    }
  }
  // A reader without detail gets the figures published to such readers, which exist for now only (brief.h).
  std::shared_ptr<const queries::FigureTable> published;
  if (!viewer.sees_all_detail() && request.revision() == 0 && !request.has_at_time()) {
    published = policy::FiguresFor(viewer, deps_.picture, published_figures_).figures;
  }
  absl::StatusOr<v1::SituationReport> report = queries::ComputeSituationReport(
      request, queries::BriefInputs{.at = **picture,
                                    .moment = moment,
                                    .before = before.get(),
                                    .before_moment = before_moment,
                                    .min_group = viewer.sees_all_detail() ? 0 : deps_.min_aggregate_group,
                                    .published = published.get()});
  if (!report.ok() || caller.development() || deps_.audit == nullptr) return report;
  absl::btree_set<std::string> others;
  for (const v1::BriefSupply& supply : report->supplies()) {
    for (const std::string& organization_id : supply.organization_ids()) {
      if (organization_id != caller.organization_id) others.insert(organization_id);
    }
  }
  if (others.empty()) return report;
  if (absl::Status recorded =
          deps_.audit->Record(caller, policy::method::kGetSituationReport,
                              std::vector<std::string>(others.begin(), others.end()), report->revision());
      !recorded.ok()) {
    return recorded;
  }
  return report;
}

absl::StatusOr<v1::ListAuditEntriesResponse> Operations::ListAuditEntries(const Identity& caller,
                                                                          const v1::ListAuditEntriesRequest& request) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kListAuditEntries); !allowed.ok()) {
    return allowed;
  }
  v1::ListAuditEntriesResponse response;
  if (deps_.audit == nullptr) return response;
  if (absl::Status listed = deps_.audit->List(request, response); !listed.ok()) return listed;
  return response;
}

}  // namespace ketenbeeld::service
