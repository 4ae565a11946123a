// Identities for the policy tests: who calls, as the authenticator would have established it.
#ifndef KETENBEELD_TESTS_POLICY_IDENTITIES_H_
#define KETENBEELD_TESTS_POLICY_IDENTITIES_H_

#include <string>
#include <utility>

#include "ketenbeeld/v1/picture.pb.h"
#include "server/security/identity.h"

namespace ketenbeeld::policy::testing {

// A token-authenticated caller with `role` on behalf of `organization_id`.
inline security::Identity As(v1::Role role, std::string organization_id = "ziekenhuis-a") {
  return security::Identity{.organization_id = std::move(organization_id),
                            .role = role,
                            .subject = "token:test",
                            .credential = security::Credential::kToken};
}

}  // namespace ketenbeeld::policy::testing

#endif  // KETENBEELD_TESTS_POLICY_IDENTITIES_H_
