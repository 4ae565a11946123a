#include "client/connection.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace ketenbeeld::client {
namespace {

int ToMillis(absl::Duration duration) { return static_cast<int>(absl::ToInt64Milliseconds(duration)); }

}  // namespace

grpc::ChannelArguments MakeChannelArguments(const ConnectOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, ToMillis(options.keepalive_time));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ToMillis(options.keepalive_timeout));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, options.keepalive_permit_without_calls ? 1 : 0);
  // Without this, gRPC stops sending keepalive pings after two pings with no data in between, which is exactly
  // the quiet-feed situation keepalive is for.
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, ToMillis(options.min_reconnect_backoff));
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, ToMillis(options.min_reconnect_backoff));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ToMillis(options.max_reconnect_backoff));
  arguments.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  return arguments;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& target, const ConnectOptions& options) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), MakeChannelArguments(options));
}

}  // namespace ketenbeeld::client
