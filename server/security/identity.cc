#include "server/security/identity.h"

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/observability/log.h"

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

namespace {

// An old role word still accepted: logs once per process and word which certificate or token field still uses it.
void WarnDeprecatedOnce(absl::string_view old_word, absl::string_view new_word, absl::string_view field,
                        std::atomic<bool>& warned) {
  if (warned.exchange(true, std::memory_order_relaxed)) return;
  observability::LogWarning(
      "role_word_deprecated",
      {{"word", std::string(old_word)},
       {"use", std::string(new_word)},
       {"field", std::string(field)},
       {"message", absl::StrCat("the role word \"", old_word, "\" is deprecated; re-issue the credential with \"",
                                new_word, "\" (docs/security.md, Role words)")}});
}

}  // namespace

absl::StatusOr<ketenbeeld::v1::Role> ParseRole(absl::string_view word, absl::string_view field) {
  using ketenbeeld::v1::Role;
  if (word == "institution") return Role::ROLE_INSTITUTION;
  if (word == "ghor") return Role::ROLE_GHOR;
  if (word == "dispatch") return Role::ROLE_DISPATCH;
  if (word == "bestuur") return Role::ROLE_BESTUUR;
  if (word == "operator") return Role::ROLE_OPERATOR;
  if (word == "federation") return Role::ROLE_FEDERATION;
  if (word == "administration") {
    static std::atomic<bool> warned{false};
    WarnDeprecatedOnce(word, "bestuur", field, warned);
    return Role::ROLE_BESTUUR;
  }
  if (word == "admin") {
    static std::atomic<bool> warned{false};
    WarnDeprecatedOnce(word, "operator", field, warned);
    return Role::ROLE_OPERATOR;
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": unknown role \"", word, "\"; expected ", kRoleWords));
}

absl::string_view RoleWord(ketenbeeld::v1::Role role) {
  switch (role) {
    case ketenbeeld::v1::ROLE_INSTITUTION:
      return "institution";
    case ketenbeeld::v1::ROLE_GHOR:
      return "ghor";
    case ketenbeeld::v1::ROLE_DISPATCH:
      return "dispatch";
    case ketenbeeld::v1::ROLE_BESTUUR:
      return "bestuur";
    case ketenbeeld::v1::ROLE_OPERATOR:
      return "operator";
    case ketenbeeld::v1::ROLE_FEDERATION:
      return "federation";
    case ketenbeeld::v1::ROLE_SYSTEM:
      return "system";
    default:
      return "unspecified";
  }
}

}  // namespace ketenbeeld::security
