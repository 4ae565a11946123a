#include "server/domain/identifiers.h"

namespace ketenbeeld::domain {

bool HasIdentifiers(const ketenbeeld::v1::StandardIdentifiers& identifiers) {
  for (const IdentifierScheme& scheme : kIdentifierSchemes) {
    if (!(identifiers.*scheme.value)().empty()) return true;
  }
  return false;
}

const IdentifierScheme* SharedIdentifier(const ketenbeeld::v1::StandardIdentifiers& a,
                                         const ketenbeeld::v1::StandardIdentifiers& b) {
  for (const IdentifierScheme& scheme : kIdentifierSchemes) {
    const std::string& value = (a.*scheme.value)();
    if (!value.empty() && value == (b.*scheme.value)()) return &scheme;
  }
  return nullptr;
}

}  // namespace ketenbeeld::domain
