// The gRPC side of forwarding bed reservations from a ROAZ or national server to the region that owns the bed
// (docs/reservations.md, "Across regions"; the decision is the service layer's, service/reservation_forwarder.h).
//
// One channel per source region whose federation.sources[].endpoint is configured, made at start-up with the
// credential this server holds at the region (a client certificate or a bearer token, as the CLI's flags take them:
// client::ConnectChecked). Each forwarded call is an asynchronous callback call with a deadline per attempt; no thread
// waits on it. A call that failed in transit (UNAVAILABLE, DEADLINE_EXCEEDED: the answer may have been lost) is sent
// again as the same request after a short pause, at most `max_attempts` in all; a ReserveBed carries a request_id on
// every attempt (the caller's, or one made here), so the region commits it at most once.
//
// Thread safety: all methods may be called from any thread.
#ifndef KETENBEELD_SERVER_API_REGION_FORWARDER_H_
#define KETENBEELD_SERVER_API_REGION_FORWARDER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "server/service/reservation_forwarder.h"

namespace ketenbeeld::api {

// How to reach a region's server (ketenbeeld.server.v1.RegionEndpointConfig). File paths are read by Create().
struct RegionEndpoint {
  // "host:port", or a replicated region's members "ip:port,ip:port" (client::ChannelTarget).
  std::string target{};
  // TLS CA (PEM); empty: plaintext, to a loopback target only.
  std::string ca_file{};
  // mTLS client certificate and key (PEM), both or neither.
  std::string cert_file{};
  std::string key_file{};
  // A file holding a bearer token (one line).
  std::string token_file{};
  // TLS name override.
  std::string server_name{};
  // Deadline of one attempt.
  absl::Duration timeout = absl::Seconds(5);
};

class RegionForwarder final : public service::ReservationForwarder {
 public:
  struct Options {
    // Attempts per forwarded call, the first included (1..10).
    int max_attempts = 3;
    // The pause before the second attempt; doubled before each further one.
    absl::Duration retry_pause = absl::Milliseconds(200);
  };

  // A channel per region ("VR10" -> its endpoint). INVALID_ARGUMENT naming "federation.sources[VR10].endpoint" and
  // the setting when a target is malformed, a file cannot be read or holds nothing, a certificate comes without its
  // key, or a token would go over plaintext to a target that is not a loopback address. Nothing connects yet (gRPC
  // connects on the first call).
  static absl::StatusOr<std::unique_ptr<RegionForwarder>> Create(const std::map<std::string, RegionEndpoint>& endpoints,
                                                                 Options options);
  static absl::StatusOr<std::unique_ptr<RegionForwarder>> Create(
      const std::map<std::string, RegionEndpoint>& endpoints) {
    return Create(endpoints, Options());
  }
  ~RegionForwarder() override;  // Stop().

  bool Reaches(absl::string_view safety_region) const override;
  void Forward(service::RegionCall call, pipeline::Committer::Callback done) override;

  // Refuses new calls (UNAVAILABLE: this server is stopping) and waits until the calls in flight are answered
  // (each bounded by its attempts' deadlines and pauses). Idempotent.
  void Stop();

 private:
  struct Region {
    std::string name;
    std::unique_ptr<ketenbeeld::v1::AssistanceService::Stub> stub;
    absl::Duration timeout;
  };
  struct Call;

  RegionForwarder(std::map<std::string, Region, std::less<>> regions, Options options);
  // Sends the next attempt of `call`, or answers it UNAVAILABLE when stopping.
  void Attempt(Call* call);
  void OnAnswer(Call* call, const grpc::Status& status);
  // Answers the caller and forgets `call`.
  void Finish(Call* call, absl::StatusOr<pipeline::WriteResult> result);

  const std::map<std::string, Region, std::less<>> regions_;
  const Options options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_REGION_FORWARDER_H_
