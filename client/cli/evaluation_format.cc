#include "client/cli/evaluation_format.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "base/time.h"
#include "client/cli/enum_words.h"
#include "client/cli/export_format.h"

namespace ketenbeeld::cli {
namespace {

std::string Utc(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromProtoTime(time), absl::UTCTimeZone());
}

int64_t Seconds(const google::protobuf::Duration& duration) {
  return absl::ToInt64Seconds(FromProtoDuration(duration));
}

// "1 h 05 min 07 s", "2 min 00 s", "12 s".
std::string Took(const google::protobuf::Duration& duration) {
  const int64_t total = Seconds(duration);
  const int64_t hours = total / 3600;
  const int64_t minutes = (total % 3600) / 60;
  const int64_t seconds = total % 60;
  if (hours > 0)
    return absl::StrCat(hours, " h ", minutes < 10 ? "0" : "", minutes, " min ", seconds < 10 ? "0" : "", seconds,
                        " s");
  if (minutes > 0) return absl::StrCat(minutes, " min ", seconds < 10 ? "0" : "", seconds, " s");
  return absl::StrCat(seconds, " s");
}

// A Markdown table cell: '|' escaped, line breaks flattened.
std::string Cell(absl::string_view text) { return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r", " "}, {"\n", " "}}); }

std::string Row(const std::vector<std::string>& cells) {
  std::vector<std::string> escaped;
  for (const std::string& cell : cells) escaped.push_back(Cell(cell.empty() ? "—" : cell));
  return absl::StrCat("| ", absl::StrJoin(escaped, " | "), " |\n");
}

std::string Header(const std::vector<std::string>& cells) {
  return absl::StrCat(Row(cells), "|", absl::StrJoin(std::vector<std::string>(cells.size(), "---"), "|"), "|\n");
}

}  // namespace

std::string RenderEvaluationMarkdown(const v1::Evaluation& evaluation) {
  const v1::Incident& incident = evaluation.incident();
  std::string out = absl::StrCat("# Evaluation: ", incident.title(), " (", incident.id(), ")\n\n");
  if (!evaluation.exercise_id().empty()) {
    absl::StrAppend(&out, "**OEFENING** — exercise ", evaluation.exercise_id(), ", not a real incident.\n\n");
  }
  absl::StrAppend(
      &out, "- type: ", incident.type(), ", level ", incident.scale_up_level(), ", status ",
      EnumWord(incident.status()), "\n- from ", Utc(evaluation.from_time()), " (revision ", evaluation.from_revision(),
      ") to ", Utc(evaluation.to_time()), " (revision ", evaluation.to_revision(), ")",
      incident.status() == v1::INCIDENT_STATUS_CLOSED ? "" : ", still open: a later evaluation may differ", "\n\n");

  absl::StrAppend(&out, "## Organisations: time from call to first report\n\n");
  if (evaluation.organizations().empty()) {
    absl::StrAppend(&out, "No organisation was called on.\n\n");
  } else {
    absl::StrAppend(&out,
                    Header({"organisation", "name", "called at", "by", "first report", "after", "reports", "overdue"}));
    for (const v1::OrganizationResponse& response : evaluation.organizations()) {
      absl::StrAppend(
          &out, Row({response.organization_id(), response.organization_name(), Utc(response.triggered_at()),
                     response.trigger(), response.has_first_report_at() ? Utc(response.first_report_at()) : "never",
                     response.has_time_to_first_report() ? Took(response.time_to_first_report()) : "",
                     absl::StrCat(response.reports()), absl::StrCat(response.overdue())}));
    }
    absl::StrAppend(&out, "\n", evaluation.organizations_overdue(), " of ", evaluation.organizations_triggered(),
                    " organisations called on had a report become overdue (",
                    evaluation.organizations_triggered() == 0
                        ? 0
                        : evaluation.organizations_overdue() * 100 / evaluation.organizations_triggered(),
                    "%).\n\n");
  }

  absl::StrAppend(&out, "## Alerts: acknowledgement\n\n");
  if (evaluation.alerts().empty()) absl::StrAppend(&out, "No alert was sent for this incident.\n\n");
  for (const v1::AlertEvaluation& alert : evaluation.alerts()) {
    absl::StrAppend(&out, "### ", alert.alert_id(), ": ", alert.headline(), "\n\n- sent ", Utc(alert.sent_at()),
                    alert.has_acknowledge_by() ? absl::StrCat(", to confirm by ", Utc(alert.acknowledge_by())) : "",
                    "\n- ", alert.acknowledgements_size(), " of ", alert.audience_size(), " confirmed");
    if (alert.has_median_latency()) {
      absl::StrAppend(&out, "; median ", Took(alert.median_latency()), ", slowest ", Took(alert.max_latency()));
    }
    absl::StrAppend(&out, "\n- never confirmed: ",
                    alert.never_acknowledged().empty() ? "nobody" : absl::StrJoin(alert.never_acknowledged(), ", "),
                    "\n\n");
    if (!alert.acknowledgements().empty()) {
      absl::StrAppend(&out, Header({"organisation", "confirmed at", "after", "late"}));
      for (const v1::AcknowledgementLatency& latency : alert.acknowledgements()) {
        absl::StrAppend(&out, Row({latency.organization_id(), Utc(latency.acknowledged_at()), Took(latency.latency()),
                                   latency.late() ? "late" : "on time"}));
      }
      absl::StrAppend(&out, "\n");
    }
  }

  absl::StrAppend(&out, "## Requests for help\n\n");
  if (evaluation.requests().empty()) {
    absl::StrAppend(&out, "No request for help was made for this incident.\n\n");
  } else {
    absl::StrAppend(&out, Header({"request", "organisation", "type", "quantity", "status", "requested at",
                                  "first offer after", "accepted after", "fulfilled after"}));
    for (const v1::RequestEvaluation& request : evaluation.requests()) {
      absl::StrAppend(&out,
                      Row({request.request_id(), request.organization_id(), EnumWord(request.type()),
                           absl::StrCat(request.quantity()), EnumWord(request.status()), Utc(request.requested_at()),
                           request.has_time_to_first_offer() ? Took(request.time_to_first_offer()) : "",
                           request.has_time_to_acceptance() ? Took(request.time_to_acceptance()) : "",
                           request.has_time_to_fulfilment() ? Took(request.time_to_fulfilment()) : ""}));
    }
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, "## Scenarios: predicted need against the worst gap observed\n\n");
  if (evaluation.scenarios().empty()) absl::StrAppend(&out, "No scenario named.\n\n");
  for (const v1::ScenarioEvaluation& scenario : evaluation.scenarios()) {
    absl::StrAppend(&out, "### ", scenario.scenario_id(), ": ", scenario.name(), "\n\n");
    absl::StrAppend(&out, Header({"bed type", "sector", "needed", "lowest available", "at", "worst shortfall"}));
    for (const v1::ScenarioNeedEvaluation& need : scenario.needs()) {
      absl::StrAppend(
          &out,
          Row({EnumWord(need.bed_type()), need.sector() == v1::SECTOR_UNSPECIFIED ? "all" : EnumWord(need.sector()),
               absl::StrCat(need.required()),
               need.has_lowest_available() ? absl::StrCat(need.lowest_available()) : "not reported",
               Utc(need.lowest_at()), need.has_lowest_available() ? absl::StrCat(need.worst_shortfall()) : ""}));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string RenderEvaluationCsv(const v1::Evaluation& evaluation) {
  std::string out = CsvLine({"section", "subject", "organization", "start", "end", "seconds", "detail"});
  const std::string& incident = evaluation.incident().id();
  for (const v1::OrganizationResponse& response : evaluation.organizations()) {
    absl::StrAppend(
        &out,
        CsvLine({"first_report", incident, response.organization_id(), Utc(response.triggered_at()),
                 Utc(response.first_report_at()),
                 response.has_time_to_first_report() ? absl::StrCat(Seconds(response.time_to_first_report())) : "",
                 absl::StrCat(response.trigger(), "; reports=", response.reports(), " overdue=", response.overdue())}));
  }
  for (const v1::AlertEvaluation& alert : evaluation.alerts()) {
    for (const v1::AcknowledgementLatency& latency : alert.acknowledgements()) {
      absl::StrAppend(&out, CsvLine({"acknowledgement", alert.alert_id(), latency.organization_id(),
                                     Utc(alert.sent_at()), Utc(latency.acknowledged_at()),
                                     absl::StrCat(Seconds(latency.latency())), latency.late() ? "late" : "on time"}));
    }
    for (const std::string& organization_id : alert.never_acknowledged()) {
      absl::StrAppend(&out, CsvLine({"acknowledgement", alert.alert_id(), organization_id, Utc(alert.sent_at()), "", "",
                                     "never confirmed"}));
    }
  }
  for (const v1::RequestEvaluation& request : evaluation.requests()) {
    const std::vector<std::pair<const char*, const google::protobuf::Duration*>> steps = {
        {"first offer", request.has_time_to_first_offer() ? &request.time_to_first_offer() : nullptr},
        {"acceptance", request.has_time_to_acceptance() ? &request.time_to_acceptance() : nullptr},
        {"fulfilment", request.has_time_to_fulfilment() ? &request.time_to_fulfilment() : nullptr}};
    for (const auto& [step, took] : steps) {
      absl::StrAppend(
          &out,
          CsvLine({"request", request.request_id(), request.organization_id(), Utc(request.requested_at()),
                   took == nullptr ? ""
                                   : Utc(ToProtoTime(FromProtoTime(request.requested_at()) + FromProtoDuration(*took))),
                   took == nullptr ? "" : absl::StrCat(Seconds(*took)), step}));
    }
  }
  for (const v1::ScenarioEvaluation& scenario : evaluation.scenarios()) {
    for (const v1::ScenarioNeedEvaluation& need : scenario.needs()) {
      absl::StrAppend(
          &out, CsvLine({"scenario", scenario.scenario_id(),
                         absl::StrCat(EnumWord(need.bed_type()), need.sector() == v1::SECTOR_UNSPECIFIED ? "" : "@",
                                      need.sector() == v1::SECTOR_UNSPECIFIED ? "" : EnumWord(need.sector())),
                         Utc(evaluation.from_time()), Utc(need.lowest_at()), "",
                         absl::StrCat("required=", need.required(), " lowest=",
                                      need.has_lowest_available() ? absl::StrCat(need.lowest_available()) : "none",
                                      " shortfall=", need.worst_shortfall())}));
    }
  }
  return out;
}

}  // namespace ketenbeeld::cli
