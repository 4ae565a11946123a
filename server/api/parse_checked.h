// Unary methods whose request is parsed under our control. With generated message types and the callback API, gRPC
// 1.51 parses the request before the handler runs and answers a request that cannot be parsed (garbage bytes, a string
// field with invalid UTF-8) with UNIMPLEMENTED and no message (CallbackUnaryHandler::RunHandler). A service replaces
// the generated handler of each unary method with ParseChecked in its constructor:
//
//   MarkMethodCallback(MethodIndex(v1::ReportService::service_full_name(), "PutScenario"),
//                      ParseChecked(this, context_, &ReportService::PutScenario));
//
// A request that parses runs the method exactly as the generated handler would. One that does not is admitted like any
// call (UNAUTHENTICATED, RESOURCE_EXHAUSTED from the gate) and then answered INVALID_ARGUMENT naming the field with
// invalid UTF-8, or saying the bytes are not a message of the request type.
#ifndef KETENBEELD_SERVER_API_PARSE_CHECKED_H_
#define KETENBEELD_SERVER_API_PARSE_CHECKED_H_

#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "grpc/byte_buffer.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/message_allocator.h"
#include "server/api/service_context.h"

namespace ketenbeeld::api {

// What is wrong with `bytes` as a message of `type`, naming the field where it can: "GetRequest.id: not valid UTF-8".
std::string DescribeParseFailure(const grpc::ByteBuffer& bytes, const google::protobuf::Descriptor& type);

// The index of `method` in the generated service `service_full_name` (declaration order, as gRPC numbers them).
// Aborts for an unknown name: a programming error, found by the first test that starts a server.
int MethodIndex(std::string_view service_full_name, std::string_view method);

// A gRPC method handler that parses the request itself: the generated typed handler when the request parses, a
// handler of the raw bytes that refuses the call when it does not.
template <typename Request, typename Response>
class ParseCheckedUnaryHandler final : public grpc::internal::MethodHandler {
 public:
  using Method = std::function<grpc::ServerUnaryReactor*(grpc::CallbackServerContext*, const Request*, Response*)>;
  using Refusal = std::function<grpc::ServerUnaryReactor*(grpc::CallbackServerContext*, const grpc::ByteBuffer*,
                                                          grpc::ByteBuffer*)>;

  ParseCheckedUnaryHandler(Method method, Refusal refusal) : typed_(std::move(method)), refusal_(std::move(refusal)) {}

  void* Deserialize(grpc_call* call, grpc_byte_buffer* request, grpc::Status* status, void** handler_data) override {
    // Lives in the call's arena like the handlers' own state; trivially destructible.
    auto* route = new (grpc::g_core_codegen_interface->grpc_call_arena_alloc(call, sizeof(Route))) Route{};
    *handler_data = route;
    // The typed parse consumes the buffer; keep a reference to the bytes for the refusal.
    grpc_byte_buffer* copy = request == nullptr ? nullptr : grpc_byte_buffer_copy(request);
    void* parsed = typed_.Deserialize(call, request, status, &route->data);
    if (status->ok()) {
      if (copy != nullptr) grpc_byte_buffer_destroy(copy);
      return parsed;
    }
    // The typed handler will not run, so it will not release its messages either: release them here. A parse that
    // failed half-way has already allocated sub-messages, which the call's arena would free without their destructors
    // (LeakSanitizer reported exactly that).
    if (route->data != nullptr) static_cast<grpc::MessageHolder<Request, Response>*>(route->data)->Release();
    route->data = nullptr;
    route->refused = true;
    return refusal_.Deserialize(call, copy, status, &route->data);  // Takes the copy; always parses.
  }

  void RunHandler(const HandlerParameter& param) override {
    const auto* route = static_cast<const Route*>(param.internal_data);
    const HandlerParameter inner(param.call, param.server_context, param.request, param.status,
                                 route == nullptr ? nullptr : route->data, param.call_requester);
    if (route != nullptr && route->refused) {
      refusal_.RunHandler(inner);
    } else {
      typed_.RunHandler(inner);
    }
  }

 private:
  struct Route {
    bool refused = false;
    void* data = nullptr;
  };

  grpc::internal::CallbackUnaryHandler<Request, Response> typed_;
  grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer> refusal_;
};

// The handler for `method` of `service`; `services` admits the caller of a request that does not parse.
template <typename Service, typename Request, typename Response>
grpc::internal::MethodHandler* ParseChecked(Service* service, const ServiceContext& services,
                                            grpc::ServerUnaryReactor* (Service::*method)(grpc::CallbackServerContext*,
                                                                                         const Request*, Response*)) {
  return new ParseCheckedUnaryHandler<Request, Response>(
      [service, method](grpc::CallbackServerContext* context, const Request* request, Response* response) {
        return (service->*method)(context, request, response);
      },
      [services](grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes, grpc::ByteBuffer*) {
        return Serve(context, services, nullptr, [&](const security::Identity&) {
          return absl::InvalidArgumentError(DescribeParseFailure(*bytes, *Request::descriptor()));
        });
      });
}

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_PARSE_CHECKED_H_
