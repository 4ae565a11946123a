#include "client/cli/filter_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "client/cli/enum_words.h"
#include "client/cli/messages.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::cli {

void AddFilterFlags(CLI::App* command, FilterFlags* flags) {
  command->add_option("--org", flags->organization_ids, Tr("help.filter.org"))->group(Tr("group.filters"));
  command->add_option("--region", flags->regions, Tr("help.filter.region"))->group(Tr("group.filters"));
  command->add_option("--sector", flags->sectors, Tr("help.filter.sector"))->group(Tr("group.filters"));
  command
      ->add_option(
          "--kind", flags->kinds,
          absl::Substitute(Text("help.filter.kind"), absl::StrJoin(EnumWords(*v1::EntityKind_descriptor()), "|")))
      ->group(Tr("group.filters"));
  command->add_option("--disruption", flags->disruptions, Tr("help.filter.disruption"))->group(Tr("group.filters"));
  command->add_option("--min-severity", flags->min_severity, Tr("help.filter.min_severity"))
      ->group(Tr("group.filters"));
}

}  // namespace ketenbeeld::cli
