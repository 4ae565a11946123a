// Follow-ups of committed facts: the outbox (notifications to organisations' endpoints) and escalation tasks, and
// the two writes that change them afterwards (a delivery attempt's outcome, closing a task).
//
// Why derived here, in the planner of the write that makes the fact, rather than by a separate pass over the log:
// the notification is then part of the fact's own commit group, so it exists exactly when the fact does. A crash
// can lose neither one without the other, a restart cannot make either twice, and in replicated mode the followers
// get both in the same group.
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/time.h"
#include "server/domain/filter.h"
#include "server/domain/names.h"
#include "server/domain/validation.h"
#include "server/mutations/mutations.h"
#include "server/queries/audience.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

constexpr size_t kMaxTitleBytes = 200;
constexpr int kMaxFollowUpsPerChange = 9999;

std::string Rfc3339(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", FromProtoTime(time), absl::UTCTimeZone());
}

// Cuts `text` to at most `bytes` bytes without splitting a UTF-8 sequence.
std::string Cut(std::string text, size_t bytes) {
  if (text.size() <= bytes) return text;
  size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

// "ASSISTANCE_TYPE_CLIENT_TRANSPORT" -> "client transport".
std::string Words(const std::string& enum_name, absl::string_view prefix) {
  std::string words =
      absl::AsciiStrToLower(absl::string_view(enum_name).substr(enum_name.size() >= prefix.size() ? prefix.size() : 0));
  absl::StrReplaceAll({{"_", " "}}, &words);
  return words;
}

// What a fact tells an organisation: the outbox record's subject, title and text, and the record it is about.
struct Message {
  v1::NotificationSubject subject = v1::NOTIFICATION_SUBJECT_UNSPECIFIED;
  std::string title;
  std::string text;
};

// Collects the follow-ups of one change, numbering them for their ids.
class FollowUps {
 public:
  FollowUps(const PlanContext& context, const v1::Record& source, int64_t revision, std::vector<PlannedChange>& out)
      : context_(context), source_(source), revision_(revision), out_(out) {}

  // One outbox record per endpoint of `organization_id` (none when it is not registered or has no endpoints).
  void Notify(const std::string& organization_id, const Message& message) {
    const state::RecordPtr organization = context_.lookup(domain::OrganizationName(organization_id));
    if (organization == nullptr || !organization->record.has_organization()) return;
    for (const v1::ContactEndpoint& endpoint : organization->record.organization().contact().endpoints()) {
      if (index_ >= kMaxFollowUpsPerChange) return;
      v1::Record record;
      const std::string id = domain::FollowUpId(revision_, index_++);
      record.set_name(domain::NotificationName(id));
      record.set_kind(v1::ENTITY_KIND_NOTIFICATION);
      *record.mutable_scope() = OrganizationScope(organization);
      v1::Notification& notification = *record.mutable_notification();
      notification.set_id(id);
      notification.set_organization_id(organization_id);
      notification.set_endpoint_id(endpoint.id());
      if (endpoint.has_webhook()) {
        notification.set_channel(v1::NOTIFICATION_CHANNEL_WEBHOOK);
        notification.set_destination(endpoint.webhook().url());
      } else {
        notification.set_channel(v1::NOTIFICATION_CHANNEL_EMAIL);
        notification.set_destination(endpoint.email().address());
      }
      notification.set_subject(message.subject);
      notification.set_subject_name(source_.name());
      notification.set_subject_revision(revision_);
      notification.set_title(Cut(message.title, kMaxTitleBytes));
      notification.set_text(message.text);
      // The record's name is unique for ever (revisions are never reused), which is all a key must be.
      notification.set_idempotency_key(absl::StrCat("ketenbeeld-", context_.region.safety_region(), "-", id));
      notification.set_status(v1::NOTIFICATION_STATUS_QUEUED);
      *notification.mutable_queued_at() = ToProtoTime(context_.commit_time);
      *notification.mutable_next_attempt_at() = ToProtoTime(context_.commit_time);
      out_.push_back(Put(std::move(record), nullptr));
    }
  }

  // One escalation task for `organization_id`.
  void Escalate(const std::string& organization_id, v1::EscalationReason reason, absl::string_view what) {
    if (index_ >= kMaxFollowUpsPerChange) return;
    const state::RecordPtr organization = context_.lookup(domain::OrganizationName(organization_id));
    v1::Record record;
    const std::string id = domain::FollowUpId(revision_, index_++);
    record.set_name(domain::EscalationTaskName(id));
    record.set_kind(v1::ENTITY_KIND_ESCALATION_TASK);
    *record.mutable_scope() = OrganizationScope(organization);
    v1::EscalationTask& task = *record.mutable_escalation_task();
    task.set_id(id);
    task.set_organization_id(organization_id);
    if (organization != nullptr && organization->record.has_organization()) {
      const v1::Organization& registered = organization->record.organization();
      task.set_organization_name(registered.name());
      task.set_contact_name(registered.contact().name());
      task.set_phone(registered.contact().phone());
    }
    const std::string who = task.organization_name().empty() ? organization_id : task.organization_name();
    const std::string contact = task.contact_name().empty() ? "" : absl::StrCat(" (", task.contact_name(), ")");
    task.set_instruction(Cut(task.phone().empty()
                                 ? absl::StrCat("Reach ", who, contact, ": no 24/7 phone registered; ", what)
                                 : absl::StrCat("Call ", who, contact, " on ", task.phone(), ": ", what),
                             domain::kMaxShortTextLength));
    task.set_reason(reason);
    task.set_subject_name(source_.name());
    task.set_subject_revision(revision_);
    task.set_status(v1::ESCALATION_STATUS_OPEN);
    *task.mutable_created_at() = ToProtoTime(context_.commit_time);
    out_.push_back(Put(std::move(record), nullptr));
  }

 private:
  const PlanContext& context_;
  const v1::Record& source_;
  const int64_t revision_;
  std::vector<PlannedChange>& out_;
  int index_ = 0;
};

std::string AlertText(const v1::Alert& alert) {
  std::string text = alert.headline();
  if (!alert.description().empty()) absl::StrAppend(&text, "\n\n", alert.description());
  if (!alert.instruction().empty()) absl::StrAppend(&text, "\n\n", alert.instruction());
  if (alert.has_acknowledge_by()) {
    absl::StrAppend(&text, "\n\nAcknowledge before ", Rfc3339(alert.acknowledge_by()), ".");
  }
  absl::StrAppend(&text, "\n\nAlert \"", alert.id(), "\", version ", alert.version(), ".");
  return text;
}

void AlertFollowUps(const PlannedChange& change, FollowUps& follow_ups, const PlanContext& context) {
  const v1::Alert& alert = change.record.alert();
  const v1::Alert* before =
      change.previous != nullptr && change.previous->record.has_alert() ? &change.previous->record.alert() : nullptr;
  if (before == nullptr || before->version() != alert.version()) {
    // Sent, updated or cancelled: the whole audience hears of it.
    Message message{.subject = v1::NOTIFICATION_SUBJECT_ALERT, .title = "", .text = AlertText(alert)};
    if (alert.status() == v1::ALERT_STATUS_CANCELLED) {
      message.title = absl::StrCat("Alert cancelled: ", alert.headline());
    } else if (before != nullptr) {
      message.title = absl::StrCat("Alert updated: ", alert.headline());
    } else {
      message.title = absl::StrCat("Alert: ", alert.headline());
    }
    for (const std::string& organization_id : queries::AudienceOf(alert.audience(), context.picture)) {
      follow_ups.Notify(organization_id, message);
    }
    return;
  }
  if (alert.has_deadline_passed() && !before->has_deadline_passed()) {
    const v1::DeadlinePassed& passed = alert.deadline_passed();
    const Message message{
        .subject = v1::NOTIFICATION_SUBJECT_ALERT_DEADLINE_PASSED,
        .title = absl::StrCat("Not acknowledged: ", alert.headline()),
        .text = absl::StrCat("The acknowledgement deadline of alert \"", alert.id(), "\" (", alert.headline(),
                             ") passed at ", Rfc3339(passed.passed_at()),
                             " without your acknowledgement. Acknowledge it now.\n\n", AlertText(alert))};
    const std::string what = absl::StrCat("alert \"", alert.headline(), "\" not acknowledged by its deadline");
    for (const std::string& organization_id : passed.unacknowledged_organization_ids()) {
      follow_ups.Notify(organization_id, message);
      follow_ups.Escalate(organization_id, v1::ESCALATION_REASON_ALERT_NOT_ACKNOWLEDGED, what);
    }
  }
}

void ReportFollowUps(const PlannedChange& change, FollowUps& follow_ups, const PlanContext& context) {
  const v1::StatusReport& report = change.record.status_report();
  const bool was_overdue = change.previous != nullptr && change.previous->record.has_status_report() &&
                           change.previous->record.status_report().has_overdue_since();
  if (!report.has_overdue_since() || was_overdue || !report.location_id().empty()) return;
  const state::RecordPtr organization = context.lookup(domain::OrganizationName(report.organization_id()));
  const std::string name = organization != nullptr && organization->record.has_organization()
                               ? organization->record.organization().name()
                               : report.organization_id();
  const Message message{
      .subject = v1::NOTIFICATION_SUBJECT_REPORT_OVERDUE,
      .title = absl::StrCat("Status report overdue: ", name),
      .text = absl::StrCat("The status report of ", name, " was due at ", Rfc3339(report.overdue_since()),
                           " and has not come. Report your status now.")};
  follow_ups.Notify(report.organization_id(), message);
  follow_ups.Escalate(report.organization_id(), v1::ESCALATION_REASON_REPORT_OVERDUE,
                      absl::StrCat("status report overdue since ", Rfc3339(report.overdue_since())));
}

// Each organisation newly marked overdue on an indicator (a due time it had not been marked for) is notified and
// gets one escalation task; an entry carried over, or dropped after an answer, makes nothing.
void IndicatorFollowUps(const PlannedChange& change, FollowUps& follow_ups) {
  const v1::Indicator& indicator = change.record.indicator();
  if (indicator.overdue().empty()) return;
  absl::flat_hash_map<std::string, google::protobuf::Timestamp> before;
  if (change.previous != nullptr && change.previous->record.has_indicator()) {
    for (const v1::IndicatorOverdue& entry : change.previous->record.indicator().overdue()) {
      before[entry.organization_id()] = entry.due_at();
    }
  }
  const std::string label = indicator.label_en().empty() ? indicator.id() : indicator.label_en();
  for (const v1::IndicatorOverdue& entry : indicator.overdue()) {
    if (const auto it = before.find(entry.organization_id());
        it != before.end() && FromProtoTime(it->second) == FromProtoTime(entry.due_at())) {
      continue;
    }
    const std::string periods =
        entry.periods_missed() > 1 ? absl::StrCat(" (", entry.periods_missed(), " periods without an answer)") : "";
    const Message message{.subject = v1::NOTIFICATION_SUBJECT_INDICATOR_OVERDUE,
                          .title = absl::StrCat("Answer overdue: ", label),
                          .text = absl::StrCat("Your answer to \"", label, "\" (indicator \"", indicator.id(),
                                               "\") was due at ", Rfc3339(entry.due_at()), periods,
                                               " and has not come. Give it in your next status report now.")};
    follow_ups.Notify(entry.organization_id(), message);
    follow_ups.Escalate(
        entry.organization_id(), v1::ESCALATION_REASON_INDICATOR_OVERDUE,
        absl::StrCat("answer to \"", label, "\" overdue since ", Rfc3339(entry.overdue_since()), periods));
  }
}

// A new reservation (docs/reservations.md): the receiving organisation hears of it, to prepare the bed and confirm or
// release it. Its later transitions notify nobody: the organisation made them itself (confirm, release), or dispatch
// did and the organisation sees it in its feed, or the hold ran out (the bed is free again, nothing to do).
void ReservationFollowUps(const PlannedChange& change, FollowUps& follow_ups) {
  if (change.previous != nullptr) return;
  const v1::BedReservation& reservation = change.record.bed_reservation();
  if (reservation.state() != v1::RESERVATION_STATE_HELD) return;
  const std::string bed = Words(v1::BedType_Name(reservation.bed_type()), "BED_TYPE_");
  const std::string by = reservation.reserved_by_organization_id().empty()
                             ? ""
                             : absl::StrCat(" by ", reservation.reserved_by_organization_id());
  const std::string reference =
      reservation.patient_reference().empty() ? "" : absl::StrCat(" Reference: ", reservation.patient_reference(), ".");
  follow_ups.Notify(
      reservation.organization_id(),
      Message{.subject = v1::NOTIFICATION_SUBJECT_BED_RESERVED,
              .title = absl::StrCat("Bed reserved: 1 ", bed, " bed until ", Rfc3339(reservation.expires_at())),
              .text = absl::StrCat("One ", bed, " bed of yours was reserved", by, " at ",
                                   Rfc3339(reservation.reserved_at()), " and is held until ",
                                   Rfc3339(reservation.expires_at()), ".", reference,
                                   "\n\nConfirm it when the patient has the bed (ConfirmReservation) or release it "
                                   "(ReleaseReservation); unconfirmed, it expires on its own.\n\nReservation \"",
                                   reservation.id(), "\".")});
}

void AssistanceFollowUps(const PlannedChange& change, FollowUps& follow_ups, const PlanContext& context) {
  const v1::AssistanceRequest& request = change.record.assistance_request();
  const v1::AssistanceRequest* before = change.previous != nullptr && change.previous->record.has_assistance_request()
                                            ? &change.previous->record.assistance_request()
                                            : nullptr;
  const std::string what =
      absl::StrCat(request.quantity(), " ", Words(v1::QuantityUnit_Name(request.unit()), "QUANTITY_UNIT_"), " (",
                   Words(v1::AssistanceType_Name(request.type()), "ASSISTANCE_TYPE_"), ")");
  if (before == nullptr) {
    // A new request: the region's GHOR offices coordinate help.
    static const domain::CompiledFilter* const kOrganizations = [] {
      v1::Filter filter;
      filter.add_kinds(v1::ENTITY_KIND_ORGANIZATION);
      return new domain::CompiledFilter(filter);
    }();
    const Message message{
        .subject = v1::NOTIFICATION_SUBJECT_ASSISTANCE_REQUESTED,
        .title = absl::StrCat("Request for help from ", request.organization_id(), ": ", what),
        .text =
            absl::StrCat("Organisation \"", request.organization_id(), "\" asks for ", what,
                         request.description().empty() ? "" : absl::StrCat(": ", request.description()),
                         request.has_needed_by() ? absl::StrCat("\n\nNeeded by ", Rfc3339(request.needed_by())) : "",
                         "\n\nRequest \"", request.id(), "\".")};
    for (const state::RecordPtr& organization : context.picture.Take(*kOrganizations).records) {
      if (organization->record.organization().kind() == v1::ORGANIZATION_KIND_GHOR) {
        follow_ups.Notify(organization->record.organization().id(), message);
      }
    }
    return;
  }
  absl::flat_hash_map<std::string, const v1::Offer*> earlier;
  for (const v1::Offer& offer : before->offers()) earlier[offer.organization_id()] = &offer;
  for (const v1::Offer& offer : request.offers()) {
    if (offer.status() != v1::OFFER_STATUS_OFFERED) continue;
    const auto it = earlier.find(offer.organization_id());
    if (it != earlier.end() && it->second->status() == v1::OFFER_STATUS_OFFERED &&
        it->second->quantity() == offer.quantity() && it->second->comment() == offer.comment()) {
      continue;  // Not new: the request changed otherwise.
    }
    follow_ups.Notify(
        request.organization_id(),
        Message{.subject = v1::NOTIFICATION_SUBJECT_ASSISTANCE_OFFERED,
                .title = absl::StrCat("Offer of help from ", offer.organization_id(), " on request ", request.id()),
                .text = absl::StrCat("Organisation \"", offer.organization_id(), "\" offers ", offer.quantity(),
                                     " on your request \"", request.id(), "\" for ", what,
                                     offer.comment().empty() ? "" : ": ", offer.comment(),
                                     "\n\nAccept it with AcceptOffer.")});
  }
}

}  // namespace

std::vector<PlannedChange> PlanFollowUps(absl::Span<const PlannedChange> changes, const PlanContext& context) {
  std::vector<PlannedChange> out;
  for (size_t i = 0; i < changes.size(); ++i) {
    const PlannedChange& change = changes[i];
    if (change.type != v1::EVENT_TYPE_PUT) continue;
    const v1::Record& record = change.record;
    if (record.has_organization()) {
      for (PlannedChange& incident : PlanAreaFollowUps(change, context)) out.push_back(std::move(incident));
      continue;
    }
    if (!record.has_alert() && !record.has_status_report() && !record.has_assistance_request() &&
        !record.has_indicator() && !record.has_bed_reservation()) {
      continue;
    }
    // An exercise stays out of the real picture, and the outbox and the escalation tasks are part of it: an
    // exercise's alerts, reports and requests reach screens in the exercise's view, not real phones and inboxes.
    if (domain::IsExerciseRecord(record.name())) continue;
    FollowUps follow_ups(context, record, context.next_revision + static_cast<int64_t>(i), out);
    if (record.has_alert()) {
      AlertFollowUps(change, follow_ups, context);
    } else if (record.has_status_report()) {
      ReportFollowUps(change, follow_ups, context);
    } else if (record.has_indicator()) {
      IndicatorFollowUps(change, follow_ups);
    } else if (record.has_bed_reservation()) {
      ReservationFollowUps(change, follow_ups);
    } else {
      AssistanceFollowUps(change, follow_ups, context);
    }
  }
  // The sector aggregates the write's reports and registrations move (mutations_aggregate.cc), once per write.
  for (PlannedChange& aggregate : PlanAggregateFollowUps(changes, context)) out.push_back(std::move(aggregate));
  return out;
}

absl::StatusOr<PlannedChange> PlanCloseEscalationTask(const v1::CloseEscalationTaskRequest& request,
                                                      const PlanContext& context) {
  const std::string name = domain::EscalationTaskName(request.task_id());
  state::RecordPtr previous = context.lookup(name);
  if (previous == nullptr || !previous->record.has_escalation_task()) {
    return absl::NotFoundError(absl::StrCat("escalation task \"", request.task_id(), "\" does not exist"));
  }
  if (previous->record.escalation_task().status() == v1::ESCALATION_STATUS_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("escalation task \"", request.task_id(), "\" is ESCALATION_STATUS_CLOSED already"));
  }
  v1::Record record = previous->record;
  v1::EscalationTask& task = *record.mutable_escalation_task();
  task.set_status(v1::ESCALATION_STATUS_CLOSED);
  task.set_note(request.note());
  *task.mutable_closed_at() = ToProtoTime(context.commit_time);
  return Put(std::move(record), std::move(previous));
}

absl::StatusOr<PlannedChange> PlanDeliveryOutcome(const DeliveryOutcome& outcome, const PlanContext& context) {
  const std::string name = domain::NotificationName(outcome.notification_id);
  state::RecordPtr previous = context.lookup(name);
  if (previous == nullptr || !previous->record.has_notification()) {
    return absl::NotFoundError(absl::StrCat("notification \"", outcome.notification_id, "\" does not exist"));
  }
  v1::Record record = previous->record;
  if (absl::Status applied =
          domain::ApplyAttempt(outcome.attempt, context.commit_time, outcome.policy, *record.mutable_notification());
      !applied.ok()) {
    return applied;
  }
  return Put(std::move(record), std::move(previous));
}

}  // namespace ketenbeeld::mutations
