// What every gRPC service of the server is built from, and the shapes of their handlers: admit the caller (the
// gate), call the service layer on its behalf, finish the call.
#ifndef KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_
#define KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "base/work_pool.h"
#include "google/protobuf/message_lite.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "server/api/caller_gate.h"
#include "server/api/status.h"
#include "server/mutations/mutations.h"
#include "server/pipeline/committer.h"
#include "server/service/operations.h"

namespace ketenbeeld::api {

// Everything outlives the services.
struct ServiceContext {
  service::Operations& operations;
  const CallerGate& gate;
  // Where reads that scan the store run (ServeScan); null: on the calling thread (tests of other concerns).
  WorkPool* scans = nullptr;
};

// The reactor of an admitted unary call. It holds the call's place in the caller's call budget
// (policy::CallBudget): in flight until it finishes, then as an unsent answer until gRPC is done with the call, that
// is until the answer has gone out, and then deletes itself. A client that does not read its answers keeps them
// unsent and is refused further calls.
class BudgetedReactor final : public grpc::ServerUnaryReactor {
 public:
  // `lease` may be null (development mode).
  explicit BudgetedReactor(std::unique_ptr<policy::CallBudget::Lease> lease) : lease_(std::move(lease)) {}

  // Finishes the call with `status`. When it is OK, twice the serialized size of `response` (may be null) counts as
  // the caller's unsent answer until the call is done: gRPC holds both the message, which is larger in memory than
  // on the wire, and its serialized copy until then.
  void FinishWith(const absl::Status& status, const google::protobuf::MessageLite* response) {
    FinishHolding(status, status.ok() && response != nullptr ? 2 * response->ByteSizeLong() : 0);
  }
  // As FinishWith, for an answer of `response_bytes` already serialized bytes.
  void FinishHolding(const absl::Status& status, size_t response_bytes) {
    if (lease_ != nullptr) lease_->Answered(status.ok() ? response_bytes : 0);
    Finish(ToGrpcStatus(status));
  }

  void OnDone() override { delete this; }

 private:
  std::unique_ptr<policy::CallBudget::Lease> lease_;
};

// A reactor for a call refused before it started (not admitted): it holds nothing.
inline grpc::ServerUnaryReactor* RefuseCall(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The request of a unary callback handler, to be moved from. gRPC passes it as const, but it belongs to the call's
// message holder, which destroys it only once the call is done and reads nothing of it after the handler returned
// (neither do our interceptor or ParseChecked). Moving it into the write instead of copying it saves a deep copy of
// every written message: a status report is some thirty sub-messages, each a heap allocation (docs/benchmarks.md,
// "The unary write path"). The handler must not read `request` afterwards.
template <typename Request>
Request&& TakeRequest(const Request* request) {
  return std::move(*const_cast<Request*>(request));  // NOLINT(cppcoreguidelines-pro-type-const-cast): see above.
}

// Admits the caller and submits `request` on its behalf; finishes the call when the write is durable or refused:
// `response` gets the revision and the record. The handler returns the reactor at once.
grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, const ServiceContext& services,
                                      mutations::WriteRequest request, ketenbeeld::v1::WriteResponse* response);

// As SubmitWrite, for a method registered with a raw response (ParseChecked with grpc::ByteBuffer as the response
// type): `response` gets the bytes of the ketenbeeld.v1.WriteResponse, assembled by WriteResponseBytes from the record
// as stored. For the hot write methods (ReportStatus): building the answer as a message copied the record (some thirty
// sub-messages) into it, serialized it and destroyed it, per call; the client sees the same bytes.
grpc::ServerUnaryReactor* SubmitWriteAnsweringBytes(grpc::CallbackServerContext* context,
                                                    const ServiceContext& services, mutations::WriteRequest request,
                                                    grpc::ByteBuffer* response);

// The serialized ketenbeeld.v1.WriteResponse of `result`: byte-for-byte what the generated serializer writes for a
// WriteResponse with its revision, record (the stored record's bytes, StoredRecord::wire) and replayed flag.
std::string WriteResponseBytes(const pipeline::WriteResult& result);

// Admits the caller (CallerGate::AdmitCall), runs `call(identity)` (returning absl::Status, filling `response`) on
// the calling thread and finishes the call with its status. `response` (may be null) is what the call answers, so
// that its bytes count against the caller's budget until they have gone out.
template <typename Call>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context, const ServiceContext& services,
                                const google::protobuf::MessageLite* response, Call call) {
  absl::StatusOr<CallerGate::AdmittedCall> admitted = services.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  reactor->FinishWith(call(admitted->identity), response);
  return reactor;
}

// As Serve, for reads that scan the store: `call` runs on the scan executor, not on gRPC's callback thread, and the
// handler returns at once. `call` must hold nothing of the handler's stack (capture the request and response
// pointers by value; gRPC keeps them until the call is done). RESOURCE_EXHAUSTED when the executor's queue, or the
// caller's share of it, is full.
template <typename Call>
grpc::ServerUnaryReactor* ServeScan(grpc::CallbackServerContext* context, const ServiceContext& services,
                                    const google::protobuf::MessageLite* response, Call call) {
  if (services.scans == nullptr) return Serve(context, services, response, std::move(call));
  absl::StatusOr<CallerGate::AdmittedCall> admitted = services.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  // Callers take turns on the pool; development mode is one caller without a limit of its own.
  const std::string turn = admitted->identity.development() ? std::string() : admitted->identity.LimitKey();
  absl::Status queued = services.scans->Submit(
      turn, [reactor, response, call = std::move(call), caller = std::move(admitted->identity)]() mutable {
        reactor->FinishWith(call(caller), response);
      });
  if (!queued.ok()) reactor->FinishWith(queued, nullptr);
  return reactor;
}

// A streaming reactor that only finishes with `status`: the call is refused before its protocol starts. Deletes
// itself when gRPC is done with it (the reactor lifecycle of the callback API).
template <typename Reactor>
class Refusal final : public Reactor {
 public:
  explicit Refusal(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// For queries that return their response: moves it into `response` on success.
template <typename Response>
absl::Status Answer(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_SERVICE_CONTEXT_H_
