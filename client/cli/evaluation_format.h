// The evaluation of an incident (ReportService.GetEvaluation) as a person reads it (Markdown) and as a spreadsheet
// takes it (CSV). Only absolute times, in UTC, and durations in whole seconds: no "now", no local time zone, so the
// same Evaluation always renders to the same bytes (issue 17: deterministic).
//
// Thread safety: pure functions.
#ifndef KETENBEELD_CLIENT_CLI_EVALUATION_FORMAT_H_
#define KETENBEELD_CLIENT_CLI_EVALUATION_FORMAT_H_

#include <string>

#include "ketenbeeld/v1/workflow_service.pb.h"

namespace ketenbeeld::cli {

namespace v1 = ::ketenbeeld::v1;

std::string RenderEvaluationMarkdown(const v1::Evaluation& evaluation);

// One header line, then one line per figure: section,subject,organization,start,end,seconds,detail. Sections:
// first_report (per organisation: trigger, first report), acknowledgement (per alert and organisation; end empty:
// never confirmed), request (per assistance request and step: offer, acceptance, fulfilment), scenario (per need:
// end = when the lowest total was seen, seconds empty, detail "required=R lowest=L shortfall=S"). Fields with a
// comma, quote or line break are quoted (RFC 4180).
std::string RenderEvaluationCsv(const v1::Evaluation& evaluation);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_EVALUATION_FORMAT_H_
