// ketenbeeld-federator: see federator.h and docs/federation.md. SIGTERM or SIGINT stops it: every source's feed is
// cancelled; a call in flight is abandoned (its range is applied at most once, downstream, and the next run reads
// the cursor).
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/connection.h"
#include "federator/federator.h"

int main(int argc, char** argv) {
  using ketenbeeld::federator::FederatorConfig;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << ketenbeeld::federator::Usage();
    return 0;
  }
  absl::StatusOr<FederatorConfig> config = ketenbeeld::federator::ParseFlags(args);
  if (!config.ok()) {
    std::cerr << "ketenbeeld-federator: " << config.status().message() << "\n" << ketenbeeld::federator::Usage();
    return 2;
  }
  // Signals are taken by the main thread only (sigwait below); every thread started after this inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto connect = [](const ketenbeeld::federator::Endpoint& endpoint,
                    const std::string& what) -> std::shared_ptr<grpc::Channel> {
    absl::StatusOr<std::string> target = ketenbeeld::client::ChannelTarget(endpoint.target);
    if (!target.ok()) {
      std::cerr << "ketenbeeld-federator: " << what << ": " << target.status().message() << "\n";
      return nullptr;
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        ketenbeeld::client::ConnectChecked(*target, endpoint.connect);
    if (!channel.ok()) {
      std::cerr << "ketenbeeld-federator: " << what << ": " << channel.status().message() << "\n";
      return nullptr;
    }
    return *std::move(channel);
  };
  std::shared_ptr<grpc::Channel> downstream = connect(config->downstream, "--downstream");
  if (downstream == nullptr) return 2;
  // Every channel is kept connecting while it is not connected (federator.h, "Reconnecting").
  std::vector<std::unique_ptr<ketenbeeld::federator::ChannelKeeper>> keepers;
  keepers.push_back(std::make_unique<ketenbeeld::federator::ChannelKeeper>(downstream));
  std::shared_ptr<ketenbeeld::v1::FederationService::StubInterface> federation =
      ketenbeeld::v1::FederationService::NewStub(downstream);

  std::vector<std::unique_ptr<ketenbeeld::federator::SourceFederator>> federators;
  for (const ketenbeeld::federator::SourceConfig& source : config->sources) {
    std::shared_ptr<grpc::Channel> channel = connect(source.endpoint, "--source " + source.region);
    if (channel == nullptr) return 2;
    keepers.push_back(std::make_unique<ketenbeeld::federator::ChannelKeeper>(channel));
    federators.push_back(std::make_unique<ketenbeeld::federator::SourceFederator>(
        source.region, ketenbeeld::v1::PictureService::NewStub(channel), federation, *config));
  }
  std::vector<std::thread> threads;
  for (auto& federator : federators) threads.emplace_back([raw = federator.get()] { raw->Run(); });
  std::cerr << "{\"event\":\"started\",\"sources\":" << federators.size() << "}\n" << std::flush;

  int received = 0;
  sigwait(&signals, &received);
  for (auto& federator : federators) federator->Stop();
  for (std::thread& thread : threads) thread.join();
  keepers.clear();
  std::cerr << "{\"event\":\"stopped\"}\n" << std::flush;
  return 0;
}
