#include "server/replication/forwarding.h"

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "openssl/crypto.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509_vfy.h"
#include "openssl/x509v3.h"
#include "server/replication/reseed.h"

namespace ketenbeeld::replication {
namespace {

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// Unpacks `any` into the first alternative of the variant whose type it holds.
template <size_t I = 0>
absl::StatusOr<mutations::WriteRequest::Body> UnpackAlternative(const google::protobuf::Any& any) {
  if constexpr (I == std::variant_size_v<mutations::WriteRequest::Body>) {
    return absl::InvalidArgumentError(absl::StrCat("body: not a write request: \"", any.type_url(), "\""));
  } else {
    using Alternative = std::variant_alternative_t<I, mutations::WriteRequest::Body>;
    if constexpr (std::is_base_of_v<google::protobuf::Message, Alternative>) {
      if (any.Is<Alternative>()) {
        Alternative message;
        if (!any.UnpackTo(&message)) {
          return absl::InvalidArgumentError(absl::StrCat("body: does not parse as ", any.type_url()));
        }
        return mutations::WriteRequest::Body(std::move(message));
      }
    }
    return UnpackAlternative<I + 1>(any);
  }
}

struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Every certificate in `pem`, in order.
std::vector<X509Ptr> ReadCertificates(const std::string& pem) {
  std::vector<X509Ptr> certificates;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return certificates;
  while (X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) certificates.emplace_back(certificate);
  BIO_free(bio);
  return certificates;
}

// Verifies `chain` (the member's certificate, then any intermediates) against `ca` for `purpose`, as the peer's TLS
// handshake will; the verification's error text, or "" when it holds.
std::string VerifyAs(const std::vector<X509Ptr>& ca, const std::vector<X509Ptr>& chain, int purpose) {
  X509_STORE* store = X509_STORE_new();
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  X509_STORE_CTX* context = X509_STORE_CTX_new();
  std::string problem = "cannot set up the certificate check";
  if (store != nullptr && untrusted != nullptr && context != nullptr) {
    for (const X509Ptr& certificate : ca) X509_STORE_add_cert(store, certificate.get());
    for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());
    if (X509_STORE_CTX_init(context, store, chain.front().get(), untrusted) == 1 &&
        X509_STORE_CTX_set_purpose(context, purpose) == 1) {
      problem = X509_verify_cert(context) == 1 ? "" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(context));
    }
  }
  X509_STORE_CTX_free(context);
  sk_X509_free(untrusted);  // Not the certificates: `chain` owns them.
  X509_STORE_free(store);
  return problem;
}

// Whether a failed call to the leader failed in the TLS handshake (gRPC says "Ssl handshake failed: ..."): then the
// write was never sent.
bool HandshakeFailed(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE &&
         absl::StrContains(absl::AsciiStrToLower(status.error_message()), "handshake");
}

bool SameToken(const std::string& expected, std::string_view given) {
  return expected.size() == given.size() && CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MemberCredentials(const std::string& ca_pem,
                                                                            const std::string& certificate_pem,
                                                                            const std::string& key_pem) {
  const std::vector<X509Ptr> ca = ReadCertificates(ca_pem);
  if (ca.empty()) return absl::InvalidArgumentError("tls.client_ca: holds no PEM certificate");
  const std::vector<X509Ptr> chain = ReadCertificates(certificate_pem);
  if (chain.empty()) return absl::InvalidArgumentError("tls.server_certificate: holds no PEM certificate");
  if (std::string problem = VerifyAs(ca, chain, X509_PURPOSE_SSL_SERVER); !problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.server_certificate: the other members of the region verify this member's certificate against the "
        "region's CA (tls.client_ca), and it does not pass as a TLS server's certificate: ",
        problem));
  }
  if (std::string problem = VerifyAs(ca, chain, X509_PURPOSE_SSL_CLIENT); !problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.server_certificate: the members of a region present their server certificate to each other as their "
        "TLS client certificate too, so it must be issued for both (extendedKeyUsage serverAuth, clientAuth): ",
        problem));
  }
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = ca_pem;
  tls.pem_cert_chain = certificate_pem;
  tls.pem_private_key = key_pem;
  return grpc::SslCredentials(tls);
}

void PackWriteBody(const mutations::WriteRequest::Body& body, google::protobuf::Any& any) {
  std::visit(
      [&any](const auto& message) {
        if constexpr (std::is_base_of_v<google::protobuf::Message, std::decay_t<decltype(message)>>) {
          any.PackFrom(message);
        }
      },
      body);
}

absl::StatusOr<mutations::WriteRequest::Body> UnpackWriteBody(const google::protobuf::Any& any) {
  return UnpackAlternative(any);
}

// --- Forwarder ---

struct Forwarder::Call {
  grpc::ClientContext context;
  server::v1::ForwardWriteRequest request;
  server::v1::ForwardWriteResponse response;
  std::shared_ptr<server::v1::MemberService::Stub> stub;  // Keeps the channel while the call runs.
  absl::AnyInvocable<void(absl::StatusOr<pipeline::WriteResult>) &&> done;
};

Forwarder::Forwarder(Options options) : options_(std::move(options)) {}

Forwarder::~Forwarder() { Stop(); }

void Forwarder::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &in_flight_));
}

server::v1::MemberService::Stub* Forwarder::StubFor(const std::string& address) {
  if (stub_ == nullptr || stub_address_ != address) {
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        options_.credentials != nullptr ? options_.credentials : grpc::InsecureChannelCredentials();
    stub_ = server::v1::MemberService::NewStub(grpc::CreateChannel(address, credentials));
    stub_address_ = address;
  }
  return stub_.get();
}

void Forwarder::Forward(mutations::WriteRequest request,
                        absl::AnyInvocable<void(absl::StatusOr<pipeline::WriteResult>) &&> done) {
  const std::string leader = options_.leader_address ? options_.leader_address() : std::string();
  auto call = std::make_unique<Call>();
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      std::move(done)(absl::UnavailableError("this member is stopping; the write was not made, retry elsewhere"));
      return;
    }
    if (leader.empty()) {
      std::move(done)(absl::UnavailableError(
          "this member does not lead the region and no leader is known right now (an election is under way); "
          "the write was not made, retry in a moment"));
      return;
    }
    StubFor(leader);
    call->stub = stub_;
    ++in_flight_;
  }
  *call->request.mutable_actor() = std::move(request.actor);
  PackWriteBody(request.body, *call->request.mutable_body());
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (!options_.member_token.empty()) call->context.AddMetadata(kMemberTokenHeader, options_.member_token);
  call->done = std::move(done);
  Call* raw = call.release();
  raw->stub->async()->ForwardWrite(&raw->context, &raw->request, &raw->response,
                                   [this, raw](grpc::Status status) { Finish(raw, status); });
}

void Forwarder::Finish(Call* raw, const grpc::Status& status) {
  std::unique_ptr<Call> call(raw);
  absl::StatusOr<pipeline::WriteResult> result;
  if (status.ok()) {
    pipeline::WriteResult written{
        .revision = call->response.revision(), .record = nullptr, .replayed = call->response.replayed()};
    if (call->response.has_record()) written.record = state::MakeRecord(std::move(*call->response.mutable_record()));
    result = std::move(written);
  } else if (options_.credentials != nullptr && HandshakeFailed(status)) {
    result = absl::UnavailableError(absl::StrCat(
        "this member could not reach the region's leader over TLS (", status.error_message(),
        "): the write was not made. Every member's certificate must be issued by the region's CA (tls.client_ca) "
        "for serverAuth and clientAuth, and name the address the member advertises"));
  } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
             status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    result = absl::UnavailableError(absl::StrCat(
        "the region's leader did not answer the write this member forwarded to it (", status.error_message(), ")",
        ". The write may or may not have been made: check with Get before repeating it, or repeat it with "
        "expected_revision"));
  } else {
    result = FromGrpc(status);  // The leader's own answer (validation, preconditions, not leading).
  }
  std::move(call->done)(std::move(result));
  call.reset();
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

// --- MemberServiceImpl ---

MemberServiceImpl::MemberServiceImpl(pipeline::Committer& committer, const pipeline::ReplicatedLog& log,
                                     const storage::Store& store, std::string checkpoint_staging,
                                     std::string member_token, std::function<void(int64_t)> on_checkpoint_made)
    : committer_(committer),
      log_(log),
      store_(store),
      checkpoint_staging_(std::move(checkpoint_staging)),
      member_token_(std::move(member_token)),
      on_checkpoint_made_(std::move(on_checkpoint_made)) {}

grpc::Status MemberServiceImpl::CheckMemberToken(const grpc::CallbackServerContext& context) const {
  if (member_token_.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto token = metadata.find(kMemberTokenHeader);
  if (token == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "only members of the region may call this: no member token");
  }
  if (!SameToken(member_token_, std::string_view(token->second.data(), token->second.size()))) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "wrong member token");
  }
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<server::v1::CheckpointChunk>* MemberServiceImpl::FetchCheckpoint(
    grpc::CallbackServerContext* context, const server::v1::FetchCheckpointRequest* /*request*/) {
  if (grpc::Status allowed = CheckMemberToken(*context); !allowed.ok()) return RefuseCheckpoint(allowed);
  return StartCheckpointSender(store_, checkpoint_staging_, on_checkpoint_made_);
}

grpc::ServerUnaryReactor* MemberServiceImpl::ForwardWrite(grpc::CallbackServerContext* context,
                                                          const server::v1::ForwardWriteRequest* request,
                                                          server::v1::ForwardWriteResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status allowed = CheckMemberToken(*context); !allowed.ok()) {
    reactor->Finish(allowed);
    return reactor;
  }
  if (!log_.leading()) {
    // Never forwarded twice: the follower tries again once it knows the new leader.
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "this member does not lead the region (any more); the write was not made"));
    return reactor;
  }
  absl::StatusOr<mutations::WriteRequest::Body> body = UnpackWriteBody(request->body());
  if (!body.ok()) {
    reactor->Finish(ToGrpc(body.status()));
    return reactor;
  }
  committer_.Submit(mutations::WriteRequest{.body = *std::move(body), .actor = request->actor()},
                    [reactor, response](absl::StatusOr<pipeline::WriteResult> result) {
                      if (!result.ok()) {
                        reactor->Finish(ToGrpc(result.status()));
                        return;
                      }
                      response->set_revision(result->revision);
                      response->set_replayed(result->replayed);
                      if (result->record != nullptr) *response->mutable_record() = result->record->record;
                      reactor->Finish(grpc::Status::OK);
                    });
  return reactor;
}

}  // namespace ketenbeeld::replication
