#include "client/cli/filter_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/enum_words.h"
#include "ketenbeeld/v1/picture.pb.h"

namespace ketenbeeld::cli {

void AddFilterFlags(CLI::App* command, FilterFlags* flags) {
  command->add_option("--org", flags->organization_ids, "Only this organisation (repeatable)")->group("Filters");
  command->add_option("--region", flags->regions, "Only this safety region, e.g. VR10 (repeatable)")->group("Filters");
  command->add_option("--sector", flags->sectors, "acute-care|long-term-care|other (repeatable)")->group("Filters");
  command
      ->add_option("--kind", flags->kinds,
                   absl::StrCat(absl::StrJoin(EnumWords(*v1::EntityKind_descriptor()), "|"), " (repeatable)"))
      ->group("Filters");
  command->add_option("--disruption", flags->disruptions, "Status reports with this disruption (repeatable)")
      ->group("Filters");
  command->add_option("--min-severity", flags->min_severity, "none|minor|major|critical")->group("Filters");
}

}  // namespace ketenbeeld::cli
