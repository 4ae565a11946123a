#include "server/http/identity.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ketenbeeld::http {

absl::StatusOr<ketenbeeld::v1::Actor> IdentifyCaller(const CallerInfo& caller) {
  ketenbeeld::v1::Actor actor;
  // Like gRPC's peer string, with the transport named so an audit can tell the two apart.
  const bool ipv6 = absl::StrContains(caller.remote_address, ':');
  actor.set_subject(ipv6 ? absl::StrCat("http:[", caller.remote_address, "]:", caller.remote_port)
                         : absl::StrCat("http:", caller.remote_address, ":", caller.remote_port));
  return actor;
}

}  // namespace ketenbeeld::http
