// Connecting to a ketenbeeld server.
//
// Thread safety: Connect() and MakeChannelArguments() may be called concurrently; the returned channel is
// thread-safe (gRPC channels are) and shared by its owners.
#ifndef KETENBEELD_CLIENT_CONNECTION_H_
#define KETENBEELD_CLIENT_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace ketenbeeld::client {

// How to reach the server. Plaintext only for now (loopback development); TLS and token settings will be added
// here, so callers already pass a struct rather than loose arguments.
struct ConnectOptions {
  // HTTP/2 keepalive: a ping after this much idle time, and the connection is considered dead when the ack does
  // not arrive within `keepalive_timeout`. This is what lets a feed notice a silently vanished server (cable
  // pulled, VM frozen) within ~15 s instead of waiting for TCP to time out after minutes.
  // The server must allow pings this often (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS <= this, and
  // GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), or it answers with GOAWAY "too_many_pings".
  absl::Duration keepalive_time = absl::Seconds(10);
  absl::Duration keepalive_timeout = absl::Seconds(5);
  // Also ping while no call is active, so an idle CLI connection is kept honest too.
  bool keepalive_permit_without_calls = true;
  // gRPC's own reconnect backoff of the channel. Its default grows to 120 s, which would make calls fail fast
  // with UNAVAILABLE for up to two minutes after a server restart even though Feed retries every <= 10 s; keep it
  // in step with Feed's backoff.
  absl::Duration min_reconnect_backoff = absl::Milliseconds(100);
  absl::Duration max_reconnect_backoff = absl::Seconds(10);
  // Largest message accepted from the server. Snapshots are chunked well below gRPC's 4 MB default; a larger
  // limit only guards against a future server with bigger chunks.
  int max_receive_message_bytes = 16 * 1024 * 1024;
};

// The channel arguments Connect() uses (exposed for tests and for callers that build their own channel).
grpc::ChannelArguments MakeChannelArguments(const ConnectOptions& options);

// Returns a channel to `target` ("127.0.0.1:50051", "dns:///host:port", "unix:/path"). Never fails: gRPC connects
// lazily, so an unreachable server shows up as UNAVAILABLE on the first call (see UserMessage()).
std::shared_ptr<grpc::Channel> Connect(const std::string& target, const ConnectOptions& options = {});

}  // namespace ketenbeeld::client

#endif  // KETENBEELD_CLIENT_CONNECTION_H_
