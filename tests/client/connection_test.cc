#include "client/connection.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

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
