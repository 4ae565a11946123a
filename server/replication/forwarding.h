// Forwarding writes from a follower to the region's leader (docs/replication.md, "Writes on a follower").
//
// A follower authenticates and authorises its caller itself, then hands the write to its committer, which forwards
// it here (pipeline::WriteForwarder) while the member does not lead. Forwarder sends it to the leader's
// MemberService.ForwardWrite with the caller as `actor`; the leader's MemberServiceImpl commits it through its own
// committer and answers with the revision and record. Members prove themselves to each other with the region's
// member token (replication.member_token_file); a member that does not lead refuses forwarded writes, so a write is
// never forwarded twice.
//
// Thread safety: all methods may be called from any thread.
#ifndef KETENBEELD_SERVER_REPLICATION_FORWARDING_H_
#define KETENBEELD_SERVER_REPLICATION_FORWARDING_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/server/v1/replication.grpc.pb.h"
#include "server/pipeline/committer.h"

namespace ketenbeeld::replication {

// The metadata key that carries the member token.
inline constexpr char kMemberTokenHeader[] = "x-ketenbeeld-member-token";

// How members reach each other over TLS: each presents its server certificate as its client certificate and trusts
// the region's CA (tls.client_ca), which also verifies the organisations' certificates. Checks first what the other
// members will check, so that a member whose certificate they would refuse does not start: the certificate must
// chain to `ca_pem` and be issued for TLS servers and clients both (extendedKeyUsage serverAuth, clientAuth; or no
// extended key usage at all). INVALID_ARGUMENT naming tls.server_certificate or tls.client_ca otherwise.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MemberCredentials(const std::string& ca_pem,
                                                                            const std::string& certificate_pem,
                                                                            const std::string& key_pem);

// A write's body as an Any (ForwardWriteRequest.body), and back: INVALID_ARGUMENT naming `body` for a type that is
// not one of the writes (or a SystemTick, which is never forwarded).
void PackWriteBody(const mutations::WriteRequest::Body& body, google::protobuf::Any& any);
absl::StatusOr<mutations::WriteRequest::Body> UnpackWriteBody(const google::protobuf::Any& any);

class Forwarder final : public pipeline::WriteForwarder {
 public:
  struct Options {
    // The leader's address as currently known ("" when none is). Must not block.
    std::function<std::string()> leader_address;
    // Sent with every forwarded write; empty: none (development mode).
    std::string member_token;
    // How to reach the other members: plaintext when null (loopback development), else TLS credentials.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    // Deadline of one forwarded write.
    absl::Duration timeout = absl::Seconds(10);
  };
  explicit Forwarder(Options options);
  ~Forwarder() override;  // Stop().

  void Forward(mutations::WriteRequest request,
               absl::AnyInvocable<void(absl::StatusOr<pipeline::WriteResult>) &&> done) override;

  // Refuses new writes with UNAVAILABLE and waits for those in flight (each bounded by the timeout). Idempotent.
  void Stop();

 private:
  struct Call;
  // The stub for `address`, made anew when the leader moved.
  server::v1::MemberService::Stub* StubFor(const std::string& address) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish(Call* call, const grpc::Status& status);

  const Options options_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::string stub_address_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<server::v1::MemberService::Stub> stub_ ABSL_GUARDED_BY(mu_);
};

// What members ask of each other: the leader commits forwarded writes; any member sends a checkpoint of its store
// to re-seed another (reseed.h).
class MemberServiceImpl final : public server::v1::MemberService::CallbackService {
 public:
  // `committer`, `log` and `store` must outlive the service. Checkpoints are made in "<checkpoint_staging>-<n>"
  // directories (beside the data directory, on the same file system); `on_checkpoint_made` is told each one's
  // revision (StartCheckpointSender).
  MemberServiceImpl(pipeline::Committer& committer, const pipeline::ReplicatedLog& log, const storage::Store& store,
                    std::string checkpoint_staging, std::string member_token,
                    std::function<void(int64_t)> on_checkpoint_made = nullptr);

  // UNAUTHENTICATED without the member token (when one is configured), PERMISSION_DENIED with a wrong one;
  // UNAVAILABLE when this member does not lead; INVALID_ARGUMENT for a body that is not a write; else the write's
  // own outcome.
  grpc::ServerUnaryReactor* ForwardWrite(grpc::CallbackServerContext* context,
                                         const server::v1::ForwardWriteRequest* request,
                                         server::v1::ForwardWriteResponse* response) override;
  // UNAUTHENTICATED/PERMISSION_DENIED as ForwardWrite; RESOURCE_EXHAUSTED while another checkpoint is being sent;
  // UNAVAILABLE when the checkpoint cannot be made.
  grpc::ServerWriteReactor<server::v1::CheckpointChunk>* FetchCheckpoint(
      grpc::CallbackServerContext* context, const server::v1::FetchCheckpointRequest* request) override;

 private:
  // OK when the caller sent the member token (or none is configured).
  grpc::Status CheckMemberToken(const grpc::CallbackServerContext& context) const;

  pipeline::Committer& committer_;
  const pipeline::ReplicatedLog& log_;
  const storage::Store& store_;
  const std::string checkpoint_staging_;
  const std::string member_token_;
  const std::function<void(int64_t)> on_checkpoint_made_;
};

}  // namespace ketenbeeld::replication

#endif  // KETENBEELD_SERVER_REPLICATION_FORWARDING_H_
