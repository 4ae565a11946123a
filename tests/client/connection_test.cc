#include "client/connection.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace ketenbeeld::client {
namespace {

std::map<std::string, int> IntegerArguments(const grpc::ChannelArguments& arguments) {
  grpc_channel_args channel_args;
  arguments.SetChannelArgs(&channel_args);
  std::map<std::string, int> integers;
  for (size_t i = 0; i < channel_args.num_args; ++i) {
    if (channel_args.args[i].type == GRPC_ARG_INTEGER) {
      integers[channel_args.args[i].key] = channel_args.args[i].value.integer;
    }
  }
  return integers;
}

TEST(ConnectionTest, KeepaliveAndReconnectBackoffAreExplicit) {
  const std::map<std::string, int> arguments = IntegerArguments(MakeChannelArguments({}));
  EXPECT_EQ(arguments.at(GRPC_ARG_KEEPALIVE_TIME_MS), 10000);
  EXPECT_EQ(arguments.at(GRPC_ARG_KEEPALIVE_TIMEOUT_MS), 5000);
  EXPECT_EQ(arguments.at(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 1);
  EXPECT_EQ(arguments.at(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA), 0);
  EXPECT_EQ(arguments.at(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS), 10000);
  EXPECT_EQ(arguments.at(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS), 100);
  EXPECT_EQ(arguments.at(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS), 20000);  // gRPC's connect timeout
}

// A TCP relay on 127.0.0.1 to `upstream_port` that holds each connection for `delay` before passing bytes, like a
// slow link or a busy server: the server's HTTP/2 settings arrive `delay` after the client connected.
class SlowRelay {
 public:
  SlowRelay(int upstream_port, std::chrono::milliseconds delay) : upstream_port_(upstream_port), delay_(delay) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = Loopback(0);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(listen(listener_, 8), 0);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~SlowRelay() {
    stop_ = true;
    shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    for (std::thread& relay : relays_) relay.join();
    close(listener_);
  }
  SlowRelay(const SlowRelay&) = delete;
  SlowRelay& operator=(const SlowRelay&) = delete;

  int port() const { return port_; }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    return address;
  }

  void Accept() {
    while (!stop_) {
      const int client = accept(listener_, nullptr, nullptr);
      if (client < 0) return;  // shut down
      relays_.emplace_back([this, client] { Relay(client); });
    }
  }

  // Copies bytes both ways until either side closes or the relay stops (polls every 50 ms for the stop flag).
  void Relay(int client) {
    std::this_thread::sleep_for(delay_);
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = Loopback(upstream_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      std::array<pollfd, 2> ends = {pollfd{.fd = client, .events = POLLIN, .revents = 0},
                                    pollfd{.fd = server, .events = POLLIN, .revents = 0}};
      std::array<char, 16384> buffer;
      bool open = true;
      while (open && !stop_) {
        if (poll(ends.data(), ends.size(), 50) < 0) break;
        for (size_t i = 0; i < ends.size() && open; ++i) {
          if (ends[i].revents == 0) continue;
          const ssize_t n = read(ends[i].fd, buffer.data(), buffer.size());
          open = n > 0 && write(ends[1 - i].fd, buffer.data(), static_cast<size_t>(n)) == n;
        }
      }
    }
    close(server);
    close(client);
  }

  const int upstream_port_;
  const std::chrono::milliseconds delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> relays_;  // only the acceptor thread adds, joined after it
};

// A call made as soon as the channel exists (not waiting for the connection, as the CLI does) succeeds when the
// connection takes longer than the reconnect backoff: gRPC gives one attempt the connect timeout, not the backoff.
TEST(ConnectionTest, ACallGoesThroughWhenTheConnectionIsSlowerThanTheBackoff) {
  // A server whose PictureService implements nothing: any call that reaches it is answered UNIMPLEMENTED.
  v1::PictureService::CallbackService unimplemented;
  int server_port = 0;
  grpc::ServerBuilder builder;
  builder.RegisterService(&unimplemented);
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &server_port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  SlowRelay relay(server_port, std::chrono::milliseconds(600));

  auto stub = v1::PictureService::NewStub(Connect("127.0.0.1:" + std::to_string(relay.port())));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::GetResponse response;
  const grpc::Status status = stub->Get(&context, v1::GetRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << status.error_message();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

TEST(ConnectionTest, OptionsAreHonoured) {
  ConnectOptions options;
  options.keepalive_time = absl::Seconds(30);
  options.keepalive_permit_without_calls = false;
  const std::map<std::string, int> arguments = IntegerArguments(MakeChannelArguments(options));
  EXPECT_EQ(arguments.at(GRPC_ARG_KEEPALIVE_TIME_MS), 30000);
  EXPECT_EQ(arguments.at(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 0);
}

}  // namespace
}  // namespace ketenbeeld::client

namespace ketenbeeld::client {
namespace {

TEST(ChannelTargetTest, OneServerIsUsedAsGiven) {
  EXPECT_EQ(*ChannelTarget("127.0.0.1:50051"), "127.0.0.1:50051");
  EXPECT_EQ(*ChannelTarget("dns:///ketenbeeld.vr10.example:443"), "dns:///ketenbeeld.vr10.example:443");
}

TEST(ChannelTargetTest, SeveralMembersBecomeAnAddressListTheChannelFailsOverIn) {
  EXPECT_EQ(*ChannelTarget("127.0.0.1:7001,127.0.0.1:7002, localhost:7003"),
            "ipv4:127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003");
  EXPECT_EQ(*ChannelTarget("[::1]:7001,[::1]:7002"), "ipv6:[::1]:7001,[::1]:7002");
  EXPECT_TRUE(IsLoopbackTarget(*ChannelTarget("127.0.0.1:7001,127.0.0.2:7002")));
  EXPECT_FALSE(IsLoopbackTarget(*ChannelTarget("127.0.0.1:7001,10.0.0.2:7002")));
}

TEST(ChannelTargetTest, SeveralMembersMustBeAddressesWithPorts) {
  for (const char* servers :
       {"a.example:1,b.example:2", "127.0.0.1,127.0.0.2:1", "127.0.0.1:1,[::1]:2", "127.0.0.1:0,127.0.0.1:2", ","}) {
    absl::StatusOr<std::string> target = ChannelTarget(servers);
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument) << servers;
    EXPECT_TRUE(absl::StrContains(target.status().message(), "server")) << servers << ": " << target.status();
  }
}

TEST(ChannelTargetTest, ATokenGoesOverPlaintextOnlyWhenEveryMemberIsLocal) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> remote =
      ConnectChecked("127.0.0.1:7001,10.0.0.2:7002", ConnectOptions{.token = "secret"});
  EXPECT_EQ(remote.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ConnectChecked("127.0.0.1:7001,127.0.0.1:7002", ConnectOptions{.token = "secret"}).ok());
}

}  // namespace
}  // namespace ketenbeeld::client
