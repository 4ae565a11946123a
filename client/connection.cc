#include "client/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpc/grpc.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"

namespace ketenbeeld::client {
namespace {

int ToMillis(absl::Duration duration) { return static_cast<int>(absl::ToInt64Milliseconds(duration)); }

constexpr char kAuthorizationKey[] = "authorization";

absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view what, absl::string_view marker) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
  std::string contents;
  char buffer[8192];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0) contents.append(buffer, read);
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": ", std::strerror(error)));
  // gRPC would only say "handshake failed" at the first call; say which file is wrong now.
  if (!absl::StrContains(contents, marker)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": no PEM ", marker, " in the file"));
  }
  return contents;
}

// The token as gRPC call credentials: over TLS, gRPC attaches it only to connections with privacy and integrity.
class BearerTokenPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerTokenPlugin(std::string authorization) : authorization_(std::move(authorization)) {}
  bool IsBlocking() const override { return false; }
  const char* GetType() const override { return "ketenbeeld-bearer"; }
  grpc::Status GetMetadata(grpc::string_ref /*service_url*/, grpc::string_ref /*method_name*/,
                           const grpc::AuthContext& /*channel_auth_context*/,
                           std::multimap<std::string, std::string>* metadata) override {
    metadata->emplace(kAuthorizationKey, authorization_);
    return grpc::Status::OK;
  }

 private:
  const std::string authorization_;
};

// The token on a plaintext (loopback) channel. gRPC 1.51 refuses call credentials on an insecure channel
// (InsecureChannelCredentials cannot be composed), so the header is added by an interceptor instead.
class BearerTokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit BearerTokenInterceptor(const std::string* authorization) : authorization_(authorization) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kAuthorizationKey, *authorization_);
    }
    methods->Proceed();
  }

 private:
  const std::string* authorization_;  // Owned by the factory, which the channel keeps alive.
};

class BearerTokenInterceptorFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenInterceptorFactory(std::string authorization) : authorization_(std::move(authorization)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* /*info*/) override {
    return new BearerTokenInterceptor(&authorization_);
  }

 private:
  const std::string authorization_;
};

absl::Status CheckToken(absl::string_view token) {
  for (char c : token) {
    // Header values must be printable ASCII; a newline pasted along with the token would be rejected by gRPC later
    // with a less helpful message.
    if (c <= 0x20 || c >= 0x7F) return absl::InvalidArgumentError("token: must be printable ASCII without spaces");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::ChannelArguments MakeChannelArguments(const ConnectOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, ToMillis(options.keepalive_time));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ToMillis(options.keepalive_timeout));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, options.keepalive_permit_without_calls ? 1 : 0);
  // Without this, gRPC stops sending keepalive pings after two pings with no data in between, which is exactly
  // the quiet-feed situation keepalive is for.
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, ToMillis(options.initial_reconnect_backoff));
  // gRPC's minimum time for one connection attempt (ConnectOptions::connect_timeout says why it is this argument).
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, ToMillis(options.connect_timeout));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, ToMillis(options.max_reconnect_backoff));
  arguments.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  if (!options.server_name.empty()) arguments.SetSslTargetNameOverride(options.server_name);
  return arguments;
}

absl::StatusOr<std::string> ChannelTarget(const std::string& servers) {
  if (servers.find(',') == std::string::npos) return servers;
  std::vector<std::string> v4;
  std::vector<std::string> v6;
  for (absl::string_view server : absl::StrSplit(servers, ',', absl::SkipEmpty())) {
    server = absl::StripAsciiWhitespace(server);
    const size_t colon = server.rfind(':');
    int port = 0;
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(server.substr(colon + 1), &port) || port <= 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("server: \"", server, "\" is not host:port"));
    }
    absl::string_view host = server.substr(0, colon);
    if (absl::EqualsIgnoreCase(host, "localhost")) host = "127.0.0.1";
    in_addr ipv4;
    in6_addr ipv6;
    if (inet_pton(AF_INET, std::string(host).c_str(), &ipv4) == 1) {
      v4.push_back(absl::StrCat(host, ":", port));
    } else if (absl::ConsumePrefix(&host, "[") && absl::ConsumeSuffix(&host, "]") &&
               inet_pton(AF_INET6, std::string(host).c_str(), &ipv6) == 1) {
      v6.push_back(absl::StrCat("[", host, "]:", port));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "server: \"", server,
          "\": several servers must be given as IP addresses (a host name that resolves to every member of the "
          "region works as one server)"));
    }
  }
  if (!v4.empty() && !v6.empty()) {
    return absl::InvalidArgumentError("server: several servers must all be IPv4 or all IPv6 addresses");
  }
  if (v4.empty() && v6.empty()) return absl::InvalidArgumentError("server: no address given");
  return v4.empty() ? absl::StrCat("ipv6:", absl::StrJoin(v6, ",")) : absl::StrCat("ipv4:", absl::StrJoin(v4, ","));
}

bool IsLoopbackTarget(const std::string& target) {
  if (target.find(',') != std::string::npos) {
    absl::string_view rest = target;
    const bool ipv6 = absl::ConsumePrefix(&rest, "ipv6:");
    if (!ipv6) absl::ConsumePrefix(&rest, "ipv4:");
    for (absl::string_view address : absl::StrSplit(rest, ',', absl::SkipEmpty())) {
      if (!IsLoopbackTarget(std::string(address))) return false;
    }
    return true;
  }
  absl::string_view rest = target;
  if (absl::StartsWith(rest, "unix:") || absl::StartsWith(rest, "unix-abstract:")) return true;
  absl::ConsumePrefix(&rest, "dns:///");
  absl::ConsumePrefix(&rest, "ipv4:");
  absl::ConsumePrefix(&rest, "ipv6:");
  // Host: "[v6]:port", "[v6]", "host:port" or "host".
  absl::string_view host;
  if (absl::ConsumePrefix(&rest, "[")) {
    host = rest.substr(0, rest.find(']'));
  } else {
    host = rest.substr(0, rest.find(':'));
  }
  if (absl::EqualsIgnoreCase(host, "localhost") || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
  int first = 0;
  if (octets.size() != 4 || !absl::SimpleAtoi(octets[0], &first) || first != 127) return false;
  for (absl::string_view octet : octets) {
    int value = 0;
    if (!absl::SimpleAtoi(octet, &value) || value < 0 || value > 255) return false;
  }
  return true;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChecked(const std::string& servers,
                                                              const ConnectOptions& options) {
  absl::StatusOr<std::string> channel_target = ChannelTarget(servers);
  if (!channel_target.ok()) return channel_target.status();
  const std::string& target = *channel_target;
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("a client certificate needs both the certificate file and its key file");
  }
  const bool tls = !options.ca_file.empty();
  if (!tls && (!options.cert_file.empty() || !options.server_name.empty())) {
    return absl::InvalidArgumentError(
        "a client certificate or server name needs TLS: give the CA file of the server's certificate too");
  }
  if (!options.token.empty()) {
    if (absl::Status status = CheckToken(options.token); !status.ok()) return status;
    if (!tls && !IsLoopbackTarget(target)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a token is sent over plaintext only to a loopback server; use TLS (a CA file) to reach ", target));
    }
  }
  const grpc::ChannelArguments arguments = MakeChannelArguments(options);
  const std::string authorization = options.token.empty() ? "" : absl::StrCat("Bearer ", options.token);

  if (!tls) {
    if (authorization.empty()) return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(std::make_unique<BearerTokenInterceptorFactory>(authorization));
    return grpc::experimental::CreateCustomChannelWithInterceptors(target, grpc::InsecureChannelCredentials(),
                                                                   arguments, std::move(interceptors));
  }

  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadPemFile(options.ca_file, "CA file", "CERTIFICATE");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = std::move(*ca);
  if (!options.cert_file.empty()) {
    absl::StatusOr<std::string> certificate = ReadPemFile(options.cert_file, "certificate file", "CERTIFICATE");
    if (!certificate.ok()) return certificate.status();
    absl::StatusOr<std::string> key = ReadPemFile(options.key_file, "key file", "PRIVATE KEY");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = std::move(*certificate);
    ssl.pem_private_key = std::move(*key);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::SslCredentials(ssl);
  if (!authorization.empty()) {
    credentials = grpc::CompositeChannelCredentials(
        credentials, grpc::MetadataCredentialsFromPlugin(std::make_unique<BearerTokenPlugin>(authorization)));
  }
  return grpc::CreateCustomChannel(target, credentials, arguments);
}

std::shared_ptr<grpc::Channel> Connect(const std::string& target, const ConnectOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectChecked(target, options);
  if (channel.ok()) return *std::move(channel);
  // A lame channel fails every call with this status. grpc::CreateChannelInternal is declared in grpcpp/channel.h
  // for exactly this wrapping of a core channel.
  // grpc_init/grpc_shutdown bracket the core call (the C++ Channel holds its own reference to the library).
  const std::string message(channel.status().message());
  grpc_init();
  std::shared_ptr<grpc::Channel> lame = grpc::CreateChannelInternal(
      "", grpc_lame_client_channel_create(target.c_str(), GRPC_STATUS_INVALID_ARGUMENT, message.c_str()), {});
  grpc_shutdown();
  return lame;
}

}  // namespace ketenbeeld::client
