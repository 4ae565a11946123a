#include "server/http/identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::http {

absl::StatusOr<security::Identity> IdentifyCaller(const security::Authenticator& authenticator,
                                                  policy::RateLimiter& rate, const CallerInfo& caller) {
  // host:port like gRPC's peer string; the authenticator names the transport ("http:...") so an audit can tell the
  // two apart.
  const bool ipv6 = absl::StrContains(caller.remote_address, ':');
  const std::string peer = ipv6 ? absl::StrCat("[", caller.remote_address, "]:", caller.remote_port)
                                : absl::StrCat(caller.remote_address, ":", caller.remote_port);
  const auto header = caller.headers.find("authorization");
  const std::string authorization = header != caller.headers.end() ? header->second
                                    : caller.access_token.empty()  ? std::string()
                                                                   : absl::StrCat("Bearer ", caller.access_token);
  absl::StatusOr<security::Identity> identity = authenticator.AuthenticateHttp(peer, authorization);
  if (!identity.ok()) return identity.status();
  if (absl::Status admitted = rate.Admit(*identity); !admitted.ok()) return admitted;
  return identity;
}

}  // namespace ketenbeeld::http
