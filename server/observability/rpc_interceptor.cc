#include "server/observability/rpc_interceptor.h"

#include <atomic>
#include <cstdint>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/support/interceptor.h"
#include "server/observability/log.h"

namespace ketenbeeld::observability {
namespace {

constexpr size_t kMaxRequestIdLength = 64;

// A per-process random prefix plus a sequence number: unique across restarts and replicas, and cheap.
std::string GenerateRequestId() {
  static const std::string prefix = [] {
    std::random_device random;
    return absl::StrFormat("%08x", static_cast<uint32_t>(random()));
  }();
  static std::atomic<uint64_t> sequence{0};
  return absl::StrCat(prefix, "-", sequence.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

// Failed calls are logged at most this often per second (all methods and peers together): a client without
// credentials, or a broken one in a retry loop, can fail thousands of calls a second, and the log must stay readable
// and the disk must not fill. What is left out is counted in the next line (and every call is in the metrics).
constexpr int kFailedCallLinesPerSecond = 50;

LogBudget& FailedCallLogBudget() {
  static LogBudget* budget = new LogBudget(kFailedCallLinesPerSecond);
  return *budget;
}

LogLevel LevelFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return LogLevel::kDebug;
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
    case grpc::StatusCode::UNAVAILABLE:
      return LogLevel::kWarning;
    default:
      return LogLevel::kInfo;
  }
}

class RpcInterceptor : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(grpc::experimental::ServerRpcInfo* info, RpcObserver* observer)
      : info_(info),
        observer_(observer),
        method_(info->method() != nullptr ? info->method() : ""),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::multimap<grpc::string_ref, grpc::string_ref>* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find(kRequestIdHeader); it != metadata->end()) {
        const std::string_view given(it->second.data(), it->second.size());
        if (IsValidRequestId(given)) request_id_ = std::string(given);
        metadata->erase(kRequestIdHeader);
      }
      if (request_id_.empty()) request_id_ = GenerateRequestId();
      // Handlers read the id from the metadata (RequestIdOf); the strings live as long as this interceptor, which
      // gRPC destroys only after the call is done.
      metadata->emplace(grpc::string_ref(kRequestIdHeader), grpc::string_ref(request_id_));
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = GenerateRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdHeader, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const absl::Duration latency = absl::Now() - start_;
      if (observer_ != nullptr) observer_->OnRpcFinished(method_, static_cast<int>(status.error_code()), latency);
      const LogLevel level = LevelFor(status.error_code());
      if (!ShouldLog(level)) {
        // Nothing to build.
      } else if (status.ok()) {
        Log(level, "rpc",
            {{"request_id", request_id_},
             {"method", method_},
             {"code", CodeName(status.error_code())},
             {"duration_ms", absl::ToDoubleMilliseconds(latency)},
             {"peer", info_->server_context()->peer()}});
      } else if (int64_t dropped = 0; FailedCallLogBudget().Admit(&dropped)) {
        if (dropped > 0) Log(LogLevel::kWarning, "rpc_failures_not_logged", {{"count", dropped}});
        Log(level, "rpc",
            {{"request_id", request_id_},
             {"method", method_},
             {"code", CodeName(status.error_code())},
             {"duration_ms", absl::ToDoubleMilliseconds(latency)},
             {"peer", info_->server_context()->peer()},
             {"message", status.error_message()}});
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  RpcObserver* const observer_;
  const std::string method_;
  const absl::Time start_;
  std::string request_id_;
};

}  // namespace

grpc::experimental::Interceptor* RpcInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new RpcInterceptor(info, observer_);
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const std::multimap<grpc::string_ref, grpc::string_ref>& metadata = context.client_metadata();
  auto it = metadata.find(kRequestIdHeader);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace ketenbeeld::observability
