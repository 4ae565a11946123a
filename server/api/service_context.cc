#include "server/api/service_context.h"

#include <string>
#include <utility>

#include "absl/time/time.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/api/wire_format.h"
#include "server/pipeline/committer.h"

namespace ketenbeeld::api {

namespace {

// Admits the caller, submits `request` and answers with `answer(result, reactor)` once the write is durable or refused.
template <typename Answer>
grpc::ServerUnaryReactor* SubmitWriteThen(grpc::CallbackServerContext* context, const ServiceContext& services,
                                          mutations::WriteRequest request, Answer answer) {
  absl::StatusOr<CallerGate::AdmittedCall> admitted = services.gate.AdmitCall(*context);
  if (!admitted.ok()) return RefuseCall(context, admitted.status());
  auto* reactor = new BudgetedReactor(std::move(admitted->lease));
  // A follower answers a forwarded write before its caller's deadline, applied here or not (Committer).
  request.deadline = absl::FromChrono(context->deadline());
  services.operations.Write(
      admitted->identity, std::move(request),
      [context, reactor, answer = std::move(answer)](absl::StatusOr<pipeline::WriteResult> result) {
        if (result.ok() && result->not_applied_here) {
          context->AddTrailingMetadata(pipeline::kNotAppliedHereTrailer, "true");
        }
        answer(result, *reactor);
      });
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* SubmitWrite(grpc::CallbackServerContext* context, const ServiceContext& services,
                                      mutations::WriteRequest request, ketenbeeld::v1::WriteResponse* response) {
  return SubmitWriteThen(context, services, std::move(request),
                         [response](const absl::StatusOr<pipeline::WriteResult>& result, BudgetedReactor& reactor) {
                           if (result.ok()) {
                             response->set_revision(result->revision);
                             response->set_replayed(result->replayed);
                             if (result->record != nullptr) *response->mutable_record() = result->record->record;
                           }
                           reactor.FinishWith(result.status(), response);
                         });
}

grpc::ServerUnaryReactor* SubmitWriteAnsweringBytes(grpc::CallbackServerContext* context,
                                                    const ServiceContext& services, mutations::WriteRequest request,
                                                    grpc::ByteBuffer* response) {
  return SubmitWriteThen(context, services, std::move(request),
                         [response](const absl::StatusOr<pipeline::WriteResult>& result, BudgetedReactor& reactor) {
                           if (!result.ok()) return reactor.FinishHolding(result.status(), 0);
                           const std::string bytes = WriteResponseBytes(*result);
                           *response = wire::ToByteBuffer(bytes);
                           reactor.FinishHolding(absl::OkStatus(), bytes.size());
                         });
}

std::string WriteResponseBytes(const pipeline::WriteResult& result) {
  using ketenbeeld::v1::WriteResponse;
  const uint64_t revision = static_cast<uint64_t>(result.revision);
  const std::string* record = result.record != nullptr ? &result.record->wire : nullptr;
  std::string out;
  out.reserve(16 + (record != nullptr ? wire::FieldSize(WriteResponse::kRecordFieldNumber, record->size()) : 0));
  // proto3: a field at its default value is not written.
  if (revision != 0) {
    wire::AppendKey(WriteResponse::kRevisionFieldNumber, wire::kVarint, out);
    wire::AppendVarint(revision, out);
  }
  if (record != nullptr) wire::AppendBytesField(WriteResponse::kRecordFieldNumber, *record, out);
  if (result.replayed) {
    wire::AppendKey(WriteResponse::kReplayedFieldNumber, wire::kVarint, out);
    wire::AppendVarint(1, out);
  }
  return out;
}

}  // namespace ketenbeeld::api
