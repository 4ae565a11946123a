// The filter flags that org list, picture, list, history and watch share: --org, --region, --sector, --kind,
// --disruption, --min-severity (group "Filters" in --help). flags.h's BuildFilter() turns them into a v1::Filter.
//
// Thread safety: used from the CLI's main thread only.
#ifndef KETENBEELD_CLIENT_CLI_FILTER_OPTIONS_H_
#define KETENBEELD_CLIENT_CLI_FILTER_OPTIONS_H_

#include "CLI/CLI.hpp"
#include "client/cli/flags.h"

namespace ketenbeeld::cli {

// Adds the filter flags to `command`. CLI11 binds them to `*flags`, which must outlive the command's parse and use.
void AddFilterFlags(CLI::App* command, FilterFlags* flags);

}  // namespace ketenbeeld::cli

#endif  // KETENBEELD_CLIENT_CLI_FILTER_OPTIONS_H_
