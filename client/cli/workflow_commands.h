// The crisis-workflow commands of the `ketenbeeld` CLI: incident, alert, request, bed, scenario, indicator, report
// and capacity.
// Flags are parsed by workflow_flags.h, output rendered by workflow_format.h (or JSON with --json); this file only
// wires CLI11 to the calls.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_WORKFLOW_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_WORKFLOW_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/cli/session.h"
#include "client/cli/workflow_flags.h"

namespace ketenbeeld::cli {

class WorkflowCommands {
 public:
  // Adds the commands to `app`. CLI11 binds the flags to this object's members: it must outlive app.parse() and
  // Run(), and must not move.
  explicit WorkflowCommands(CLI::App& app);
  WorkflowCommands(const WorkflowCommands&) = delete;
  WorkflowCommands& operator=(const WorkflowCommands&) = delete;

  // Runs the command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  // incident
  CLI::App* incident_open_ = nullptr;
  CLI::App* incident_update_ = nullptr;
  CLI::App* incident_close_ = nullptr;
  CLI::App* incident_log_ = nullptr;
  CLI::App* incident_show_ = nullptr;
  CLI::App* incident_list_ = nullptr;
  IncidentFlags open_flags_;
  IncidentFlags update_flags_;
  std::string incident_id_;
  SituationEntryFlags entry_flags_;

  // alert
  CLI::App* alert_send_ = nullptr;
  CLI::App* alert_cancel_ = nullptr;
  CLI::App* alert_ack_ = nullptr;
  CLI::App* alert_status_ = nullptr;
  CLI::App* alert_list_ = nullptr;
  AlertFlags alert_flags_;
  std::string alert_id_;
  std::string ack_organization_;
  std::string ack_comment_;

  // request
  CLI::App* request_create_ = nullptr;
  CLI::App* request_offer_ = nullptr;
  CLI::App* request_accept_ = nullptr;
  CLI::App* request_fulfil_ = nullptr;
  CLI::App* request_cancel_ = nullptr;
  CLI::App* request_show_ = nullptr;
  CLI::App* request_list_ = nullptr;
  AssistanceRequestFlags request_flags_;
  OfferFlags offer_flags_;
  std::string request_id_;
  std::string accept_organization_;
  std::optional<int32_t> accept_quantity_;
  std::vector<std::string> delivered_;
  std::string cancel_reason_;
  bool only_open_requests_ = false;

  // bed (reservations)
  CLI::App* bed_reserve_ = nullptr;
  CLI::App* bed_confirm_ = nullptr;
  CLI::App* bed_release_ = nullptr;
  CLI::App* bed_list_ = nullptr;
  ReserveBedFlags reserve_flags_;
  std::string reservation_id_;
  std::string release_reason_;
  bool only_held_reservations_ = false;

  // scenario
  CLI::App* scenario_put_ = nullptr;
  CLI::App* scenario_gap_ = nullptr;
  CLI::App* scenario_list_ = nullptr;
  ScenarioFlags scenario_flags_;
  std::string scenario_file_;
  CLI::Option* scenario_expected_option_ = nullptr;
  int64_t scenario_expected_revision_ = 0;
  std::string scenario_id_;
  std::vector<std::string> gap_regions_;

  // indicator (questionnaires)
  CLI::App* indicator_define_ = nullptr;
  CLI::App* indicator_retire_ = nullptr;
  CLI::App* indicator_list_ = nullptr;
  IndicatorFlags indicator_flags_;
  CLI::Option* indicator_expected_option_ = nullptr;
  int64_t indicator_expected_revision_ = 0;
  std::string indicator_id_;
  bool all_indicators_ = false;
  CLI::App* report_indicators_ = nullptr;
  std::vector<std::string> overview_indicators_;
  std::string overview_incident_;

  // report, capacity
  CLI::App* report_capacity_ = nullptr;
  CLI::App* report_summary_ = nullptr;
  CLI::App* report_continuity_ = nullptr;
  CLI::App* report_evaluation_ = nullptr;
  std::string evaluation_incident_;
  std::vector<std::string> evaluation_scenarios_;
  std::string evaluation_format_ = "markdown";
  CLI::App* report_brief_ = nullptr;
  std::string brief_incident_;
  std::string brief_at_;
  int64_t brief_revision_ = 0;
  std::string brief_audience_ = "bestuur";
  std::string brief_language_ = "nl";
  CLI::App* capacity_near_ = nullptr;
  CapacityOverviewFlags overview_flags_;
  FindCapacityFlags find_flags_;
  ContinuityTimelineFlags continuity_flags_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_WORKFLOW_COMMANDS_H_
