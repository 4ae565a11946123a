// The exchange formats in the `ketenbeeld` CLI (InteropService, docs/interoperability.md), added to the `alert` and
// `status` groups:
//   ketenbeeld alert cap ID [--exercise|--test] [-o FILE]   the alert as a CAP 1.2 message
//   ketenbeeld alert import-cap FILE                         a CAP 1.2 message as an alert (GHOR role)
//   ketenbeeld status have ORG | --region VR10 [-o FILE]     status as an EDXL-HAVE 2.0 document
//   ketenbeeld status import-have FILE                       an EDXL-HAVE 2.0 document as the organisation's status
//   ketenbeeld report fhir measure-report ORG | --region VR10 [-o FILE]
//   ketenbeeld report fhir organization ORG | location ORG LOCATION [-o FILE]
//                                                            a FHIR R4 resource (JSON), the HL7 SANER way
// FILE "-" is standard input. Documents go to standard output (or -o FILE) as they are; --json prints the response
// message instead.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_INTEROP_COMMANDS_H_
#define KETENBEELD_CLIENT_CLI_INTEROP_COMMANDS_H_

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "client/cli/session.h"

namespace ketenbeeld::cli {

class InteropCommands {
 public:
  // Adds the commands to the `alert`, `status` and `report` groups of `app`, which must exist already
  // (WorkflowCommands, StatusCommands). CLI11 binds the arguments to this object's members: it must outlive app.parse()
  // and Run(), and must not move.
  explicit InteropCommands(CLI::App& app);
  InteropCommands(const InteropCommands&) = delete;
  InteropCommands& operator=(const InteropCommands&) = delete;

  // Runs the command that was parsed; nullopt when it was none of these. Returns the exit code.
  std::optional<int> Run(Session& session);

 private:
  CLI::App* alert_cap_ = nullptr;
  CLI::App* import_cap_ = nullptr;
  CLI::App* status_have_ = nullptr;
  CLI::App* import_have_ = nullptr;
  CLI::App* report_fhir_ = nullptr;
  std::string fhir_type_;
  std::string location_;
  std::string alert_id_;
  bool exercise_ = false;
  bool test_ = false;
  std::string organization_;
  std::string region_;
  std::string output_;
  std::string input_;
};

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_INTEROP_COMMANDS_H_
