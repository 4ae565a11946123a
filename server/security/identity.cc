#include "server/security/identity.h"

#include "absl/strings/str_cat.h"

namespace ketenbeeld::security {

ketenbeeld::v1::Actor Identity::ToActor() const {
  ketenbeeld::v1::Actor actor;
  actor.set_organization_id(organization_id);
  actor.set_role(role);
  actor.set_subject(subject);
  return actor;
}

std::string Identity::LimitKey() const {
  if (development()) return absl::StrCat("development:", subject);
  return absl::StrCat(RoleWord(role), ":", organization_id, ":", subject);
}

absl::StatusOr<ketenbeeld::v1::Role> ParseRole(absl::string_view word, absl::string_view field) {
  using ketenbeeld::v1::Role;
  if (word == "institution") return Role::ROLE_INSTITUTION;
  if (word == "ghor") return Role::ROLE_GHOR;
  if (word == "dispatch") return Role::ROLE_DISPATCH;
  if (word == "administration") return Role::ROLE_ADMINISTRATION;
  if (word == "admin") return Role::ROLE_ADMIN;
  return absl::InvalidArgumentError(absl::StrCat(field, ": unknown role \"", word,
                                                 "\"; expected institution, ghor, dispatch, administration or admin"));
}

absl::string_view RoleWord(ketenbeeld::v1::Role role) {
  switch (role) {
    case ketenbeeld::v1::ROLE_INSTITUTION:
      return "institution";
    case ketenbeeld::v1::ROLE_GHOR:
      return "ghor";
    case ketenbeeld::v1::ROLE_DISPATCH:
      return "dispatch";
    case ketenbeeld::v1::ROLE_ADMINISTRATION:
      return "administration";
    case ketenbeeld::v1::ROLE_ADMIN:
      return "admin";
    case ketenbeeld::v1::ROLE_SYSTEM:
      return "system";
    default:
      return "unspecified";
  }
}

}  // namespace ketenbeeld::security
