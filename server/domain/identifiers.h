// The standard identifiers of an organisation (ketenbeeld.v1.StandardIdentifiers: AGB, URA, KVK branch number,
// LRZa) as one table, which validation, the filter and the registry planner all read, so that a register added to
// the message is added here once and every rule follows.
#ifndef KETENBEELD_SERVER_DOMAIN_IDENTIFIERS_H_
#define KETENBEELD_SERVER_DOMAIN_IDENTIFIERS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "ketenbeeld/v1/organization.pb.h"

namespace ketenbeeld::domain {

// One register's identifier: where it is in the message and what it looks like. Formats are the issuers' (see
// organization.proto); none publishes a check digit, so the format is all that can be checked.
struct IdentifierScheme {
  absl::string_view field;  // Field name in StandardIdentifiers: the last part of error paths.
  absl::string_view label;  // For people: "AGB".
  const std::string& (ketenbeeld::v1::StandardIdentifiers::*value)() const;
  int min_digits;
  int max_digits;
};

inline constexpr IdentifierScheme kIdentifierSchemes[] = {
    {"agb", "AGB", &ketenbeeld::v1::StandardIdentifiers::agb, 8, 8},
    {"ura", "URA", &ketenbeeld::v1::StandardIdentifiers::ura, 8, 8},
    {"kvk_branch_number", "KVK branch", &ketenbeeld::v1::StandardIdentifiers::kvk_branch_number, 12, 12},
    {"lrza", "LRZa", &ketenbeeld::v1::StandardIdentifiers::lrza, 1, 20},
};

// True when at least one identifier is set.
bool HasIdentifiers(const ketenbeeld::v1::StandardIdentifiers& identifiers);

// The first scheme under which `a` and `b` hold the same (non-empty) value, or nullptr when they share none. This
// is both "does the organisation match the filter" and "do two organisations claim the same identifier".
const IdentifierScheme* SharedIdentifier(const ketenbeeld::v1::StandardIdentifiers& a,
                                         const ketenbeeld::v1::StandardIdentifiers& b);

}  // namespace ketenbeeld::domain

#endif  // KETENBEELD_SERVER_DOMAIN_IDENTIFIERS_H_
