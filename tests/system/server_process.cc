#include "tests/system/server_process.h"

#include <filesystem>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace ketenbeeld::testing {

const char* ServerBinary() { return KETENBEELD_SERVER_BINARY; }
const char* CliBinary() { return KETENBEELD_CLI_BINARY; }

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartIn(const std::string& dir) {
  ServerProcessOptions options;
  options.data_dir = dir + "/db";
  options.log_path = dir + "/server.log";
  return Start(options);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(const ServerProcessOptions& options,
                                                                    absl::Duration timeout) {
  // The log file is shared by every start on it: look for server_started only in what this start appends.
  std::error_code ignored;
  const std::uintmax_t size = std::filesystem::file_size(options.log_path, ignored);
  const std::size_t log_offset = size == static_cast<std::uintmax_t>(-1) ? 0 : static_cast<std::size_t>(size);

  std::vector<std::string> args = {"--listen",
                                   options.listen,
                                   "--data_dir",
                                   options.data_dir,
                                   "--heartbeat_interval",
                                   absl::StrCat(options.heartbeat_ms, "ms"),
                                   "--shutdown_grace",
                                   absl::StrCat(options.shutdown_grace_ms, "ms")};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> process =
      ChildProcess::Spawn(ServerBinary(), args, /*stdout_path=*/"", options.log_path);
  if (!process.ok()) return process.status();

  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const std::string log = ReadWholeFile(options.log_path);
    const std::string ours = log.size() >= log_offset ? log.substr(log_offset) : log;
    for (const nlohmann::json& line : ParseJsonLines(ours)) {
      if (line.value("event", "") == "server_started" && line.contains("address") && line["address"].is_string()) {
        auto server = std::unique_ptr<ServerProcess>(
            new ServerProcess(options, *std::move(process), line["address"].get<std::string>()));
        server->http_port_ = line.value("http_port", 0);
        server->metrics_port_ = line.value("metrics_port", 0);
        return server;
      }
    }
    if (std::optional<ExitStatus> exited = (*process)->WaitForExit(absl::ZeroDuration()); exited.has_value()) {
      return absl::UnavailableError(
          absl::StrCat("ketenbeeld-server ended before it started (", exited->ToString(), "); its log:\n", ours));
    }
    if (absl::Now() >= deadline) {
      (*process)->Kill();
      return absl::UnavailableError(absl::StrCat("ketenbeeld-server did not log server_started within ",
                                                 absl::FormatDuration(timeout), "; its log:\n", ours));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::shared_ptr<grpc::Channel> ServerProcess::NewChannel() const {
  grpc::ChannelArguments arguments;
  // Each channel gets its own connection, so writer threads do not queue behind one another on one socket.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), arguments);
}

std::unique_ptr<v1::PictureService::Stub> ServerProcess::NewStub() const {
  return v1::PictureService::NewStub(NewChannel());
}

std::vector<nlohmann::json> ParseJsonLines(const std::string& text) {
  std::vector<nlohmann::json> objects;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) objects.push_back(std::move(parsed));
  }
  return objects;
}

bool WaitForFileContent(const std::string& path, const std::function<bool(const std::string&)>& done,
                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (done(ReadWholeFile(path))) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace ketenbeeld::testing
