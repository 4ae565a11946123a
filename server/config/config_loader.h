// The server's configuration: one file in protobuf text format (ketenbeeld.server.v1.ServerConfig, documented example
// in deploy/ketenbeeld.textproto) plus flags, one per field, that override it. Reads, merges and validates them and
// maps the result onto app::ServerOptions. An invalid configuration is an error naming the field (or flag), so the
// server refuses to start instead of running with something the operator did not mean.
//
// Precedence: defaults < --config file < flags.
//
// Thread safety: the functions are pure. ConfigFlags is used from main's thread only.
#ifndef KETENBEELD_SERVER_CONFIG_CONFIG_LOADER_H_
#define KETENBEELD_SERVER_CONFIG_CONFIG_LOADER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ketenbeeld/server/v1/config.pb.h"
#include "server/app/server.h"

namespace ketenbeeld::config {

// A validated configuration: the server's options plus what main itself needs.
struct ResolvedConfig {
  app::ServerOptions server;
  // How long in-flight calls may take at shutdown.
  absl::Duration shutdown_grace = absl::Seconds(5);
};

// Parses a ServerConfig in text format. INVALID_ARGUMENT "<source>:<line>:<column>: <what>" for syntax errors and
// unknown fields (the message names the field).
absl::StatusOr<server::v1::ServerConfig> ParseConfigText(std::string_view text, std::string_view source);

// Reads and parses a config file. NOT_FOUND / PERMISSION_DENIED / UNAVAILABLE when it cannot be read; parse errors
// as ParseConfigText.
absl::StatusOr<server::v1::ServerConfig> ReadConfigFile(const std::string& path);

// Validates `config` and maps it onto ServerOptions, with defaults for what is unset. INVALID_ARGUMENT naming the
// field ("retention.max_age: must not be negative", "tls.client_ca: required with TLS") for anything invalid,
// including files (TLS, tokens) that cannot be read.
absl::StatusOr<ResolvedConfig> Resolve(const server::v1::ServerConfig& config);

// The command-line flags: --config FILE plus one flag per ServerConfig field (nested fields joined with '_', e.g.
// --retention_max_age 720h, --tls_client_ca ca.pem), durations in Go/absl syntax ("90s", "24h", "1h30m"). One flag
// per setting: the older duplicates (--heartbeat_ms, --shutdown_grace_ms, --report_interval_minutes,
// --scaled_up_report_interval_minutes) are gone; an unknown flag stops start-up with its name.
class ConfigFlags {
 public:
  // Adds the flags to `app`. Must outlive app.parse() and Load(); must not move.
  explicit ConfigFlags(CLI::App& app);
  ConfigFlags(const ConfigFlags&) = delete;
  ConfigFlags& operator=(const ConfigFlags&) = delete;

  // After app.parse(): the config file (when --config was given) with the flags applied on top, validated.
  // Errors: those of ReadConfigFile, and INVALID_ARGUMENT naming the flag or the field.
  absl::StatusOr<ResolvedConfig> Load() const;

  // The merged ServerConfig before validation (for tests and --print_config).
  absl::StatusOr<server::v1::ServerConfig> Merged() const;

 private:
  using Override = std::function<absl::Status(server::v1::ServerConfig&)>;
  void AddString(CLI::App& app, const std::string& flag, const std::string& help,
                 std::function<void(server::v1::ServerConfig&, const std::string&)> set);
  void AddDuration(CLI::App& app, const std::string& flag, const std::string& help,
                   std::function<google::protobuf::Duration*(server::v1::ServerConfig&)> field);
  void AddInt(CLI::App& app, const std::string& flag, const std::string& help,
              std::function<void(server::v1::ServerConfig&, int64_t)> set);

  std::string config_file_;
  // In command-line order; applied after the file.
  std::vector<Override> overrides_;
};

}  // namespace ketenbeeld::config

#endif  // KETENBEELD_SERVER_CONFIG_CONFIG_LOADER_H_
