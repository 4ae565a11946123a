// Connecting to a ketenbeeld server: plaintext (loopback development), TLS with the region's CA, optionally with a
// client certificate (mTLS: the certificate names the organisation and role) or a bearer token.
//
// Thread safety: Connect(), ConnectChecked() and MakeChannelArguments() may be called concurrently; the returned
// channel is thread-safe (gRPC channels are) and shared by its owners.
#ifndef KETENBEELD_CLIENT_CONNECTION_H_
#define KETENBEELD_CLIENT_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace ketenbeeld::client {

// How to reach the server.
// The string members are initialised with `{}` so that callers may use designated initializers
// (`{.ca_file = ..., .token = ...}`) without GCC's -Wmissing-field-initializers.
struct ConnectOptions {
  // TLS: the PEM file with the CA that signed the server's certificate. Empty: plaintext, which the server only
  // offers on loopback addresses.
  std::string ca_file{};
  // mTLS: this organisation's client certificate and its private key (PEM), both or neither; TLS only.
  std::string cert_file{};
  std::string key_file{};
  // A bearer token, sent as "authorization: Bearer <token>" on every call: over TLS as gRPC call credentials (gRPC
  // never sends those over an unprotected connection), over plaintext only to a loopback server.
  std::string token{};
  // TLS: the name the server's certificate must carry, when it is not the host in the target (for example
  // "localhost" when connecting to 127.0.0.1 with a certificate that only names localhost).
  std::string server_name{};

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
  absl::Duration initial_reconnect_backoff = absl::Milliseconds(100);
  absl::Duration max_reconnect_backoff = absl::Seconds(10);
  // How long one connection attempt (TCP, TLS and the server's HTTP/2 settings) may take. gRPC reads this from
  // GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, not from a "connect timeout" argument: setting that to the initial backoff
  // (100 ms) made every attempt that took longer fail, and with it every call not waiting for the connection (a
  // slow link, a busy server, a TLS handshake across the country).
  absl::Duration connect_timeout = absl::Seconds(20);
  // Largest message accepted from the server. Snapshots are chunked well below gRPC's 4 MB default; a larger
  // limit only guards against a future server with bigger chunks.
  int max_receive_message_bytes = 16 * 1024 * 1024;
};

// The channel arguments Connect() uses (exposed for tests and for callers that build their own channel). Includes
// the TLS name override when `server_name` is set.
grpc::ChannelArguments MakeChannelArguments(const ConnectOptions& options);

// The gRPC target for `servers`: one target as given ("127.0.0.1:50051", "dns:///host:port", "unix:/path"), or the
// members of a replicated region as "ip:port,ip:port,..." (IPv4 or [IPv6] literals; "localhost" is 127.0.0.1),
// which becomes gRPC's "ipv4:"/"ipv6:" address list: the channel then uses one member and moves on to another by
// itself when that one goes away (gRPC's pick_first), so reads, writes (a follower forwards them to the leader) and
// feeds (which resume by revision) carry on. A host name that resolves to every member does the same as one server.
// INVALID_ARGUMENT naming `server` for a list that is not all IPv4 or all IPv6 literals with ports.
absl::StatusOr<std::string> ChannelTarget(const std::string& servers);

// Returns a channel to `target` (one server or several, see ChannelTarget). gRPC connects lazily, so an
// unreachable server, a refused certificate or an untrusted server shows up as UNAVAILABLE on the first call (see
// UserMessage()). Fails before connecting, with INVALID_ARGUMENT naming the file or setting, when:
//   - ca_file, cert_file or key_file cannot be read or holds no PEM;
//   - only one of cert_file and key_file is set, or cert_file/key_file/server_name are set without ca_file;
//   - a token would go over plaintext to a target that is not a loopback address (127.0.0.0/8, ::1, localhost,
//     unix:), where anyone on the path could read it.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChecked(const std::string& target,
                                                              const ConnectOptions& options = {});

// ConnectChecked() for callers that cannot handle an error here (plaintext options cannot fail). When the options
// are invalid it returns a channel on which every call fails at once with INVALID_ARGUMENT and ConnectChecked()'s
// message (a Feed on it ends rather than retrying): it never falls back to plaintext or drops the token.
std::shared_ptr<grpc::Channel> Connect(const std::string& target, const ConnectOptions& options = {});

// Whether `target` names this machine: "127.x.y.z:port", "[::1]:port", "localhost:port", with or without the
// "dns:///", "ipv4:", "ipv6:" schemes, and "unix:" paths.
bool IsLoopbackTarget(const std::string& target);

}  // namespace ketenbeeld::client

#endif  // KETENBEELD_CLIENT_CONNECTION_H_
