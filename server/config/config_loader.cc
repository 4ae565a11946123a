#include "server/config/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "server/domain/field_checks.h"
#include "server/domain/region.h"
#include "server/domain/validation.h"
#include "server/http/gateway.h"

namespace ketenbeeld::config {
namespace {

absl::Status Invalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(message)));
}

// Collects the first parse error with its position (TextFormat's default collector only logs).
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (!error.empty()) return;
    // TextFormat counts from 0; editors count from 1.
    error = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  std::string error;
};

// google.protobuf.Duration -> absl::Duration; INVALID_ARGUMENT naming `field` when out of range or negative.
absl::StatusOr<absl::Duration> ToDuration(const google::protobuf::Duration& duration, std::string_view field) {
  if (duration.nanos() <= -1'000'000'000 || duration.nanos() >= 1'000'000'000 ||
      (duration.seconds() > 0 && duration.nanos() < 0) || (duration.seconds() < 0 && duration.nanos() > 0)) {
    return Invalid(field, "not a valid duration (nanos out of range or of the other sign than seconds)");
  }
  const absl::Duration value = FromProtoDuration(duration);
  if (value < absl::ZeroDuration()) return Invalid(field, "must not be negative");
  return value;
}

// Checks "host:port" with a numeric port 0..65535.
absl::Status CheckHostPort(const std::string& address, std::string_view field) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) || port < 0 || port > 65535) {
    return Invalid(field, absl::StrCat("expected host:port, got \"", address, "\""));
  }
  return absl::OkStatus();
}

// A file the server will read at start-up; checked now so that the error names the field.
absl::Status CheckReadableFile(const std::string& path, std::string_view field) {
  std::ifstream file(path);
  if (!file.is_open()) {
    return Invalid(field, absl::StrCat("cannot read \"", path, "\": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// replication.* -> options.replication (docs/replication.md).
absl::Status ResolveReplication(const server::v1::ServerConfig& config, app::ServerOptions& options) {
  const server::v1::ReplicationConfig& replication = config.replication();
  if (replication.etcd_endpoints().empty()) {
    if (!replication.member_id().empty() || !replication.advertise().empty()) {
      return Invalid("replication.etcd_endpoints", "is required with member_id and advertise (replicated mode)");
    }
    return absl::OkStatus();
  }
  replication::MemberOptions member;
  // "host:port", "http://host:port" (plaintext) or "https://host:port" (TLS), all of one kind.
  int https = 0;
  for (const std::string& endpoint : replication.etcd_endpoints()) {
    absl::string_view address = endpoint;
    if (absl::ConsumePrefix(&address, "https://")) {
      ++https;
    } else {
      absl::ConsumePrefix(&address, "http://");
    }
    absl::ConsumeSuffix(&address, "/");
    if (absl::Status valid = CheckHostPort(std::string(address), "replication.etcd_endpoints"); !valid.ok()) {
      return valid;
    }
    member.etcd_endpoints.emplace_back(address);
  }
  if (https > 0 && https < replication.etcd_endpoints_size()) {
    return Invalid("replication.etcd_endpoints",
                   "mixes https:// and plaintext endpoints: a region reaches etcd either over TLS or not at all");
  }
  member.etcd_tls.enabled = https > 0;
  for (const auto& [field, path, target] :
       {std::tuple<std::string_view, const std::string&, std::string*>{
            "replication.etcd_ca_file", replication.etcd_ca_file(), &member.etcd_tls.ca_file},
        {"replication.etcd_cert_file", replication.etcd_cert_file(), &member.etcd_tls.cert_file},
        {"replication.etcd_key_file", replication.etcd_key_file(), &member.etcd_tls.key_file}}) {
    if (path.empty()) continue;
    if (!member.etcd_tls.enabled) {
      return Invalid(field, "is for TLS to etcd, which needs https:// etcd_endpoints");
    }
    if (absl::Status status = CheckReadableFile(path, field); !status.ok()) return status;
    *target = path;
  }
  if (replication.etcd_cert_file().empty() != replication.etcd_key_file().empty()) {
    return Invalid(replication.etcd_cert_file().empty() ? "replication.etcd_cert_file" : "replication.etcd_key_file",
                   "etcd_cert_file and etcd_key_file go together (both or neither)");
  }
  const std::string& id = replication.member_id();
  if (id.empty() || id.size() > 63 || !std::all_of(id.begin(), id.end(), [](char c) {
        return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
      })) {
    return Invalid("replication.member_id",
                   absl::StrCat("must be 1..63 characters of a-z, 0-9 and '-', got \"", id, "\""));
  }
  member.member_id = id;
  if (replication.advertise().empty()) {
    return Invalid("replication.advertise",
                   "is required in replicated mode: the host:port clients reach this member at");
  }
  if (absl::Status valid = CheckHostPort(replication.advertise(), "replication.advertise"); !valid.ok()) return valid;
  member.advertise = replication.advertise();
  if (replication.has_lease_ttl()) {
    absl::StatusOr<absl::Duration> ttl = ToDuration(replication.lease_ttl(), "replication.lease_ttl");
    if (!ttl.ok()) return ttl.status();
    if (*ttl < absl::Seconds(1) || *ttl > absl::Seconds(60)) {
      return Invalid("replication.lease_ttl", "must be between 1s and 60s");
    }
    member.lease_ttl = *ttl;
  }
  if (replication.has_etcd_timeout()) {
    absl::StatusOr<absl::Duration> timeout = ToDuration(replication.etcd_timeout(), "replication.etcd_timeout");
    if (!timeout.ok()) return timeout.status();
    if (*timeout < absl::Milliseconds(100) || *timeout > absl::Seconds(30)) {
      return Invalid("replication.etcd_timeout", "must be between 100ms and 30s");
    }
    member.etcd_timeout = *timeout;
  }
  if (replication.has_log_retention_revisions()) {
    if (replication.log_retention_revisions() < 0) {
      return Invalid("replication.log_retention_revisions", "must be 0 (never trim) or more");
    }
    member.log_retention_revisions = replication.log_retention_revisions();
  }
  if (!replication.member_token_file().empty()) {
    std::ifstream file(replication.member_token_file());
    std::stringstream content;
    content << file.rdbuf();
    if (!file.is_open() || content.str().empty()) {
      return Invalid("replication.member_token_file",
                     absl::StrCat("cannot read \"", replication.member_token_file(), "\", or it is empty"));
    }
    member.member_token = std::string(absl::StripAsciiWhitespace(content.str()));
    if (member.member_token.size() < 32) {
      return Invalid("replication.member_token_file", "the token must be at least 32 characters");
    }
  } else if (!config.tls().server_certificate().empty() || !config.tokens_file().empty()) {
    return Invalid("replication.member_token_file",
                   "is required when TLS or tokens_file is configured: members must prove themselves to each other");
  }
  member.key_prefix = absl::StrCat("/ketenbeeld/", options.committer.region.safety_region(), "/");
  options.replication = std::move(member);
  return absl::OkStatus();
}

// A duration of notifications.* between `min` and `max`, when set.
absl::Status NotificationDuration(bool present, const google::protobuf::Duration& value, std::string_view field,
                                  absl::Duration min, absl::Duration max, absl::Duration& out) {
  if (!present) return absl::OkStatus();
  absl::StatusOr<absl::Duration> duration = ToDuration(value, field);
  if (!duration.ok()) return duration.status();
  if (*duration < min || *duration > max) {
    return Invalid(field, absl::StrCat("must be between ", absl::FormatDuration(min), " and ",
                                       absl::FormatDuration(max), ", got ", absl::FormatDuration(*duration)));
  }
  out = *duration;
  return absl::OkStatus();
}

// notifications.* -> the outbox's sender and worker (docs/operations.md, "Notifications").
absl::Status ResolveNotifications(const server::v1::ServerConfig& config, app::ServerOptions& options) {
  const server::v1::NotificationConfig& notifications = config.notifications();
  notify::CurlSender::Options& sender = options.notification_sender;
  notify::WorkerOptions& worker = options.notification_worker;
  sender.smtp_url = notifications.smtp_url();
  if (!notifications.smtp_from().empty()) sender.from = notifications.smtp_from();
  if (!notifications.ca_file().empty()) {
    if (absl::Status status = CheckReadableFile(notifications.ca_file(), "notifications.ca_file"); !status.ok()) {
      return status;
    }
    sender.ca_file = notifications.ca_file();
  }
  if (absl::Status status = notify::CurlSender::CheckOptions(sender); !status.ok()) return status;
  if (notifications.max_attempts() != 0) {
    if (notifications.max_attempts() < 1 || notifications.max_attempts() > 100) {
      return Invalid("notifications.max_attempts",
                     absl::StrCat("must be between 1 and 100, got ", notifications.max_attempts()));
    }
    worker.retry.max_attempts = notifications.max_attempts();
  }
  if (notifications.parallel_sends() != 0) {
    if (notifications.parallel_sends() < 1 || notifications.parallel_sends() > 64) {
      return Invalid("notifications.parallel_sends",
                     absl::StrCat("must be between 1 and 64, got ", notifications.parallel_sends()));
    }
    worker.parallel_sends = notifications.parallel_sends();
  }
  KETENBEELD_RETURN_IF_ERROR(NotificationDuration(notifications.has_initial_backoff(), notifications.initial_backoff(),
                                                  "notifications.initial_backoff", absl::Milliseconds(100),
                                                  absl::Hours(1), worker.retry.initial_backoff));
  KETENBEELD_RETURN_IF_ERROR(NotificationDuration(notifications.has_max_backoff(), notifications.max_backoff(),
                                                  "notifications.max_backoff", absl::Milliseconds(100), absl::Hours(1),
                                                  worker.retry.max_backoff));
  if (worker.retry.max_backoff < worker.retry.initial_backoff) {
    return Invalid("notifications.max_backoff", "must be at least initial_backoff");
  }
  KETENBEELD_RETURN_IF_ERROR(NotificationDuration(notifications.has_attempt_timeout(), notifications.attempt_timeout(),
                                                  "notifications.attempt_timeout", absl::Seconds(1), absl::Minutes(2),
                                                  sender.attempt_timeout));
  KETENBEELD_RETURN_IF_ERROR(NotificationDuration(notifications.has_poll_interval(), notifications.poll_interval(),
                                                  "notifications.poll_interval", absl::Milliseconds(10),
                                                  absl::Minutes(1), worker.poll_interval));
  return absl::OkStatus();
}

void ToProto(absl::Duration value, google::protobuf::Duration* out) {
  const int64_t seconds = absl::IDivDuration(value, absl::Seconds(1), &value);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(value)));
}

}  // namespace

absl::StatusOr<server::v1::ServerConfig> ParseConfigText(std::string_view text, std::string_view source) {
  server::v1::ServerConfig config;
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(source), ":", errors.error.empty() ? "could not be parsed" : errors.error));
  }
  return config;
}

absl::StatusOr<server::v1::ServerConfig> ReadConfigFile(const std::string& path) {
  std::ifstream file(path);
  if (!file.is_open()) {
    const int error = errno;
    const std::string message = absl::StrCat("config: cannot read \"", path, "\": ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  std::stringstream content;
  content << file.rdbuf();
  return ParseConfigText(content.str(), path);
}

absl::StatusOr<ResolvedConfig> Resolve(const server::v1::ServerConfig& config) {
  ResolvedConfig resolved;
  app::ServerOptions& options = resolved.server;

  if (!config.listen().empty()) options.listen_address = config.listen();
  if (absl::Status status = CheckHostPort(options.listen_address, "listen"); !status.ok()) return status;
  if (!config.data_dir().empty()) options.data_dir = config.data_dir();

  absl::StatusOr<domain::Region> region = domain::Region::FromConfig(config.region(), "region");
  if (!region.ok()) return region.status();
  options.committer.region = *std::move(region);

  // TLS: all or nothing (a half-configured TLS must not silently fall back to plaintext).
  const server::v1::TlsConfig& tls = config.tls();
  const bool any_tls = !tls.server_certificate().empty() || !tls.server_private_key().empty() ||
                       !tls.client_ca().empty() || !tls.client_crl().empty();
  if (any_tls) {
    if (tls.server_certificate().empty()) return Invalid("tls.server_certificate", "required with TLS");
    if (tls.server_private_key().empty()) return Invalid("tls.server_private_key", "required with TLS");
    if (tls.client_ca().empty()) return Invalid("tls.client_ca", "required with TLS");
    for (const auto& [field, path] :
         {std::pair<std::string_view, const std::string&>{"tls.server_certificate", tls.server_certificate()},
          {"tls.server_private_key", tls.server_private_key()},
          {"tls.client_ca", tls.client_ca()},
          {"tls.client_crl", tls.client_crl()}}) {
      if (path.empty()) continue;
      if (absl::Status status = CheckReadableFile(path, field); !status.ok()) return status;
    }
    options.tls = security::TlsOptions{.server_certificate = tls.server_certificate(),
                                       .server_private_key = tls.server_private_key(),
                                       .client_ca = tls.client_ca(),
                                       .client_crl = tls.client_crl()};
  }
  if (!config.tokens_file().empty()) {
    if (absl::Status status = CheckReadableFile(config.tokens_file(), "tokens_file"); !status.ok()) return status;
    options.tokens_file = config.tokens_file();
  }

  if (!config.metrics_listen().empty()) {
    if (absl::Status status = CheckHostPort(config.metrics_listen(), "metrics_listen"); !status.ok()) return status;
    options.metrics_listen_address = config.metrics_listen();
  }
  if (!config.http_listen().empty()) {
    if (absl::Status status = CheckHostPort(config.http_listen(), "http_listen"); !status.ok()) return status;
    options.http_listen_address = config.http_listen();
  }
  if (!config.http_public_origin().empty()) {
    if (absl::Status status = http::CheckPublicOrigin(config.http_public_origin()); !status.ok()) return status;
    options.http_public_origin = config.http_public_origin();
  }
  if (config.map().has_tile_url()) {
    if (absl::StatusOr<std::string> source = http::MapTileSource(config.map().tile_url()); !source.ok()) {
      return source.status();
    }
    options.map_tile_url = config.map().tile_url();
    // The default attribution belongs to the default tiles.
    if (options.map_tile_url != http::kDefaultMapTileUrl) options.map_attribution.clear();
  }
  for (int i = 0; i < config.federation().sources_size(); ++i) {
    const ketenbeeld::server::v1::UpstreamSourceConfig& source = config.federation().sources(i);
    const std::string field = absl::StrCat("federation.sources[", i, "]");
    if (!domain::checks::IsSafetyRegion(source.safety_region())) {
      return Invalid(absl::StrCat(field, ".safety_region"),
                     absl::StrCat("must be VR01..VR25, got \"", source.safety_region(), "\""));
    }
    if (absl::Status status = domain::ValidateId(source.identity(), absl::StrCat(field, ".identity")); !status.ok()) {
      return status;
    }
    if (!options.upstream_sources.emplace(source.safety_region(), source.identity()).second) {
      return Invalid(absl::StrCat(field, ".safety_region"),
                     absl::StrCat(source.safety_region(), " is named twice; one identity per source"));
    }
    if (source.has_endpoint()) {
      // The files are read at start-up (api::RegionForwarder::Create), naming the region's endpoint.
      const ketenbeeld::server::v1::RegionEndpointConfig& endpoint = source.endpoint();
      const std::string endpoint_field = absl::StrCat(field, ".endpoint");
      if (endpoint.target().empty()) return Invalid(absl::StrCat(endpoint_field, ".target"), "required");
      api::RegionEndpoint region{.target = endpoint.target(),
                                 .ca_file = endpoint.ca_file(),
                                 .cert_file = endpoint.cert_file(),
                                 .key_file = endpoint.key_file(),
                                 .token_file = endpoint.token_file(),
                                 .server_name = endpoint.server_name()};
      if (endpoint.has_timeout()) {
        absl::StatusOr<absl::Duration> timeout =
            ToDuration(endpoint.timeout(), absl::StrCat(endpoint_field, ".timeout"));
        if (!timeout.ok()) return timeout.status();
        if (*timeout < absl::Milliseconds(100) || *timeout > absl::Seconds(60)) {
          return Invalid(absl::StrCat(endpoint_field, ".timeout"), "must be between 100ms and 60s");
        }
        region.timeout = *timeout;
      }
      options.region_endpoints[source.safety_region()] = std::move(region);
    }
  }
  for (int i = 0; i < config.federation().reservation_forwarders_size(); ++i) {
    const ketenbeeld::server::v1::ReservationForwarderConfig& forwarder = config.federation().reservation_forwarders(i);
    const std::string field = absl::StrCat("federation.reservation_forwarders[", i, "]");
    if (absl::Status status = domain::ValidateId(forwarder.identity(), absl::StrCat(field, ".identity"));
        !status.ok()) {
      return status;
    }
    if (!domain::checks::IsSafetyRegion(forwarder.safety_region())) {
      return Invalid(absl::StrCat(field, ".safety_region"),
                     absl::StrCat("must be VR01..VR25, got \"", forwarder.safety_region(), "\""));
    }
    if (!options.reservation_forwarders.emplace(forwarder.identity(), forwarder.safety_region()).second) {
      return Invalid(absl::StrCat(field, ".identity"),
                     absl::StrCat("\"", forwarder.identity(), "\" is named twice; one region per forwarder"));
    }
  }
  if (config.federation().has_stale_after()) {
    absl::StatusOr<absl::Duration> stale_after =
        ToDuration(config.federation().stale_after(), "federation.stale_after");
    if (!stale_after.ok()) return stale_after.status();
    if (*stale_after < absl::Seconds(2) || *stale_after > absl::Hours(24)) {
      return Invalid("federation.stale_after", "must be between 2s and 24h");
    }
    options.upstream_stale_after = *stale_after;
  }
  if (config.map().has_attribution()) {
    if (absl::Status status = http::CheckMapAttribution(config.map().attribution()); !status.ok()) return status;
    options.map_attribution = config.map().attribution();
  }
  if (config.http_max_connections() != 0) {
    if (config.http_max_connections() < 16 || config.http_max_connections() > 65536) {
      return Invalid("http_max_connections",
                     absl::StrCat("must be between 16 and 65536, got ", config.http_max_connections()));
    }
    options.http_max_connections = config.http_max_connections();
  }
  if (config.http_max_streams() != 0) {
    if (config.http_max_streams() < 1 || config.http_max_streams() > 65536) {
      return Invalid("http_max_streams", absl::StrCat("must be between 1 and 65536, got ", config.http_max_streams()));
    }
    options.http_max_streams = config.http_max_streams();
  }
  // A feed holds a connection: more feeds than connections would leave the surplus feeds waiting in the accept queue
  // instead of being answered 503.
  if (options.http_max_streams > options.http_max_connections) {
    return Invalid("http_max_streams",
                   absl::StrCat("must not exceed http_max_connections (", options.http_max_connections, "), got ",
                                options.http_max_streams, ": raise http_max_connections too"));
  }

  const server::v1::RetentionConfig& retention = config.retention();
  absl::StatusOr<absl::Duration> max_age = ToDuration(retention.max_age(), "retention.max_age");
  if (!max_age.ok()) return max_age.status();
  options.retention.max_age = *max_age;
  if (retention.max_events() < 0) return Invalid("retention.max_events", "must not be negative");
  options.retention.max_events = retention.max_events();
  if (retention.has_check_interval()) {
    absl::StatusOr<absl::Duration> interval = ToDuration(retention.check_interval(), "retention.check_interval");
    if (!interval.ok()) return interval.status();
    if (*interval < absl::Milliseconds(10)) return Invalid("retention.check_interval", "must be at least 10ms");
    options.retention.check_interval = *interval;
  }

  const server::v1::LimitsConfig& limits = config.limits();
  if (limits.max_request_bytes() != 0) {
    if (limits.max_request_bytes() < 4096 || limits.max_request_bytes() > (64 << 20)) {
      return Invalid("limits.max_request_bytes",
                     absl::StrCat("must be between 4096 and 67108864, got ", limits.max_request_bytes()));
    }
    options.max_receive_message_bytes = limits.max_request_bytes();
  }
  if (limits.max_feed_message_bytes() != 0) {
    // Clients with gRPC's default limit accept 4 MiB; a feed message must fit with room for framing.
    if (limits.max_feed_message_bytes() < 4096 || limits.max_feed_message_bytes() > (3 << 20)) {
      return Invalid("limits.max_feed_message_bytes",
                     absl::StrCat("must be between 4096 and 3145728, got ", limits.max_feed_message_bytes()));
    }
    options.feed.max_message_bytes = static_cast<size_t>(limits.max_feed_message_bytes());
  }
  if (limits.max_subscriptions_per_identity() < 0) {
    return Invalid("limits.max_subscriptions_per_identity", "must not be negative");
  }
  if (limits.max_requests_per_second_per_identity() < 0) {
    return Invalid("limits.max_requests_per_second_per_identity", "must not be negative");
  }
  options.identity_limits.max_subscriptions = limits.max_subscriptions_per_identity();
  options.identity_limits.max_requests_per_second = limits.max_requests_per_second_per_identity();
  if (limits.min_aggregate_group() < 0 || limits.min_aggregate_group() > 1000) {
    return Invalid("limits.min_aggregate_group",
                   absl::StrCat("must be between 0 and 1000, got ", limits.min_aggregate_group()));
  }
  if (limits.min_aggregate_group() != 0) options.min_aggregate_group = limits.min_aggregate_group();
  if (limits.max_publish_streams_per_identity() < 0) {
    return Invalid("limits.max_publish_streams_per_identity", "must not be negative");
  }
  options.identity_limits.max_publish_streams = limits.max_publish_streams_per_identity();
  if (limits.max_calls_in_flight_per_identity() < 0) {
    return Invalid("limits.max_calls_in_flight_per_identity", "must not be negative");
  }
  options.identity_limits.max_calls_in_flight = limits.max_calls_in_flight_per_identity();
  if (limits.max_unsent_answers_per_identity() < 0) {
    return Invalid("limits.max_unsent_answers_per_identity", "must not be negative");
  }
  options.identity_limits.max_unsent_answers = limits.max_unsent_answers_per_identity();
  if (limits.max_response_bytes_held_per_identity() != 0 && limits.max_response_bytes_held_per_identity() < 65536) {
    return Invalid("limits.max_response_bytes_held_per_identity",
                   absl::StrCat("must be at least 65536, got ", limits.max_response_bytes_held_per_identity()));
  }
  options.identity_limits.max_response_bytes_held = limits.max_response_bytes_held_per_identity();
  if (limits.max_write_bytes_per_second_per_organization() != 0 &&
      limits.max_write_bytes_per_second_per_organization() < 1024) {
    return Invalid("limits.max_write_bytes_per_second_per_organization",
                   absl::StrCat("must be at least 1024, got ", limits.max_write_bytes_per_second_per_organization()));
  }
  options.identity_limits.max_write_bytes_per_second = limits.max_write_bytes_per_second_per_organization();
  if (limits.memory_quota_bytes() != 0 && limits.memory_quota_bytes() < (int64_t{64} << 20)) {
    return Invalid("limits.memory_quota_bytes",
                   absl::StrCat("must be at least 67108864, got ", limits.memory_quota_bytes()));
  }
  options.memory_quota_bytes = limits.memory_quota_bytes();
  if (limits.max_scanned_records_per_read() != 0) {
    if (limits.max_scanned_records_per_read() < 1 || limits.max_scanned_records_per_read() > 1'000'000) {
      return Invalid("limits.max_scanned_records_per_read",
                     absl::StrCat("must be between 1 and 1000000, got ", limits.max_scanned_records_per_read()));
    }
    options.scan_limits.max_records = static_cast<size_t>(limits.max_scanned_records_per_read());
  }
  if (limits.max_scanned_bytes_per_read() != 0) {
    if (limits.max_scanned_bytes_per_read() < 65536 || limits.max_scanned_bytes_per_read() > (int64_t{1} << 30)) {
      return Invalid("limits.max_scanned_bytes_per_read",
                     absl::StrCat("must be between 65536 and 1073741824, got ", limits.max_scanned_bytes_per_read()));
    }
    options.scan_limits.max_bytes = static_cast<size_t>(limits.max_scanned_bytes_per_read());
  }
  if (limits.max_records_per_picture() != 0) {
    if (limits.max_records_per_picture() < 1 || limits.max_records_per_picture() > 10'000'000) {
      return Invalid("limits.max_records_per_picture",
                     absl::StrCat("must be between 1 and 10000000, got ", limits.max_records_per_picture()));
    }
    options.scan_limits.max_picture_records = static_cast<size_t>(limits.max_records_per_picture());
  }
  if (limits.max_bytes_per_picture() != 0) {
    if (limits.max_bytes_per_picture() < 65536 || limits.max_bytes_per_picture() > (int64_t{16} << 30)) {
      return Invalid("limits.max_bytes_per_picture",
                     absl::StrCat("must be between 65536 and 17179869184, got ", limits.max_bytes_per_picture()));
    }
    options.scan_limits.max_picture_bytes = static_cast<size_t>(limits.max_bytes_per_picture());
  }

  if (!config.backup_dir().empty()) {
    if (!std::filesystem::path(config.backup_dir()).is_absolute()) {
      return Invalid("backup_dir", absl::StrCat("must be an absolute path, got \"", config.backup_dir(), "\""));
    }
    options.backup_dir = config.backup_dir();
  }
  if (absl::Status replication = ResolveReplication(config, options); !replication.ok()) return replication;
  if (absl::Status notifications = ResolveNotifications(config, options); !notifications.ok()) return notifications;
  const server::v1::AuditConfig& audit = config.audit();
  if (audit.max_file_bytes() != 0) {
    if (audit.max_file_bytes() < 4096 || audit.max_file_bytes() > (int64_t{1} << 40)) {
      return Invalid("audit.max_file_bytes",
                     absl::StrCat("must be between 4096 and 1099511627776, got ", audit.max_file_bytes()));
    }
    options.audit_options.max_file_bytes = audit.max_file_bytes();
  }
  if (audit.max_files() != 0) {
    if (audit.max_files() < 1 || audit.max_files() > 10000) {
      return Invalid("audit.max_files", absl::StrCat("must be between 1 and 10000, got ", audit.max_files()));
    }
    options.audit_options.max_files = audit.max_files();
  }

  if (config.has_heartbeat_interval()) {
    absl::StatusOr<absl::Duration> heartbeat = ToDuration(config.heartbeat_interval(), "heartbeat_interval");
    if (!heartbeat.ok()) return heartbeat.status();
    if (*heartbeat < absl::Milliseconds(10) || *heartbeat > absl::Minutes(10)) {
      return Invalid("heartbeat_interval", "must be between 10ms and 10m");
    }
    options.feed.heartbeat_interval = *heartbeat;
  }
  // Parked feeds are woken at least twice per heartbeat interval, so a heartbeat is never late by much.
  options.hub.wake_interval = std::min(absl::Seconds(1), options.feed.heartbeat_interval / 2);

  if (config.has_shutdown_grace()) {
    absl::StatusOr<absl::Duration> grace = ToDuration(config.shutdown_grace(), "shutdown_grace");
    if (!grace.ok()) return grace.status();
    if (*grace > absl::Minutes(10)) return Invalid("shutdown_grace", "must be at most 10m");
    resolved.shutdown_grace = *grace;
  }
  return resolved;
}

// ---------------------------------------------------------------------------------------------------------------

void ConfigFlags::AddString(CLI::App& app, const std::string& flag, const std::string& help,
                            std::function<void(server::v1::ServerConfig&, const std::string&)> set) {
  app.add_option_function<std::string>(
      "--" + flag,
      [this, set = std::move(set)](const std::string& value) {
        overrides_.push_back([set, value](server::v1::ServerConfig& config) {
          set(config, value);
          return absl::OkStatus();
        });
      },
      help);
}

void ConfigFlags::AddDuration(CLI::App& app, const std::string& flag, const std::string& help,
                              std::function<google::protobuf::Duration*(server::v1::ServerConfig&)> field) {
  app.add_option_function<std::string>(
      "--" + flag,
      [this, flag, field = std::move(field)](const std::string& text) {
        overrides_.push_back([flag, field, text](server::v1::ServerConfig& config) {
          absl::Duration value;
          if (!absl::ParseDuration(text, &value) || value < absl::ZeroDuration()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "--", flag, ": not a duration (e.g. 500ms, 90s, 24h, 1h30m; not negative): \"", text, "\""));
          }
          ToProto(value, field(config));
          return absl::OkStatus();
        });
      },
      help);
}

void ConfigFlags::AddInt(CLI::App& app, const std::string& flag, const std::string& help,
                         std::function<void(server::v1::ServerConfig&, int64_t)> set) {
  app.add_option_function<int64_t>(
      "--" + flag,
      [this, set = std::move(set)](int64_t value) {
        overrides_.push_back([set, value](server::v1::ServerConfig& config) {
          set(config, value);
          return absl::OkStatus();
        });
      },
      help);
}

ConfigFlags::ConfigFlags(CLI::App& app) {
  using C = server::v1::ServerConfig;
  app.add_option("--config", config_file_,
                 "Configuration file in protobuf text format (ketenbeeld.server.v1.ServerConfig; see "
                 "deploy/ketenbeeld.textproto). Flags override it")
      ->check(CLI::ExistingFile);
  AddString(app, "listen", "Address of the gRPC API, host:port (default 127.0.0.1:50051; loopback only without TLS)",
            [](C& c, const std::string& v) { c.set_listen(v); });
  AddString(app, "data_dir", "RocksDB data directory, created when missing (default ./ketenbeeld-data)",
            [](C& c, const std::string& v) { c.set_data_dir(v); });
  AddString(app, "region", "The safety region this server serves, VR01..VR25 (default VR10)",
            [](C& c, const std::string& v) { c.mutable_region()->set_safety_region(v); });
  AddString(app, "scale_up_levels", "Scale-up (GRIP) levels, lowest first, comma-separated",
            [](C& c, const std::string& v) {
              c.mutable_region()->clear_scale_up_levels();
              for (absl::string_view level : absl::StrSplit(v, ',', absl::SkipEmpty())) {
                c.mutable_region()->add_scale_up_levels(std::string(level));
              }
            });
  AddDuration(app, "reporting_interval", "Default reporting cadence (default 24h)",
              [](C& c) { return c.mutable_region()->mutable_reporting_interval(); });
  AddDuration(app, "scaled_up_reporting_interval", "Reporting cadence while scaled up (default 1h)",
              [](C& c) { return c.mutable_region()->mutable_scaled_up_reporting_interval(); });
  AddString(app, "scaled_up_from_level", "The level from which the scaled-up cadence applies (default GRIP 1)",
            [](C& c, const std::string& v) { c.mutable_region()->set_scaled_up_from_level(v); });
  AddString(app, "tls_server_certificate", "TLS: the server's certificate (PEM)",
            [](C& c, const std::string& v) { c.mutable_tls()->set_server_certificate(v); });
  AddString(app, "tls_server_private_key", "TLS: the server's private key (PEM)",
            [](C& c, const std::string& v) { c.mutable_tls()->set_server_private_key(v); });
  AddString(app, "tls_client_ca", "TLS: CA of the organisations' client certificates (PEM; required with TLS)",
            [](C& c, const std::string& v) { c.mutable_tls()->set_client_ca(v); });
  AddString(app, "tls_client_crl", "TLS: revoked client certificates (PEM CRL; optional)",
            [](C& c, const std::string& v) { c.mutable_tls()->set_client_crl(v); });
  AddString(app, "tokens_file", "Bearer tokens for integrations (see docs/security.md)",
            [](C& c, const std::string& v) { c.set_tokens_file(v); });
  AddString(app, "metrics_listen", "Address of the Prometheus endpoint (GET /metrics), host:port; empty: none",
            [](C& c, const std::string& v) { c.set_metrics_listen(v); });
  AddDuration(app, "retention_max_age", "Remove events older than this (e.g. 720h); 0: no age limit",
              [](C& c) { return c.mutable_retention()->mutable_max_age(); });
  AddInt(app, "retention_max_events", "Keep at most this many events; 0: no count limit",
         [](C& c, int64_t v) { c.mutable_retention()->set_max_events(v); });
  AddDuration(app, "retention_check_interval", "How often retention runs (default 1h)",
              [](C& c) { return c.mutable_retention()->mutable_check_interval(); });
  AddInt(app, "max_request_bytes", "Largest request accepted (default 1048576)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_request_bytes(static_cast<int32_t>(v)); });
  AddInt(app, "max_feed_message_bytes", "Largest feed message built (default 1048576)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_feed_message_bytes(static_cast<int32_t>(v)); });
  AddInt(app, "max_subscriptions_per_identity", "Live feeds per identity (default 64)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_subscriptions_per_identity(static_cast<int32_t>(v)); });
  AddInt(
      app, "max_requests_per_second_per_identity", "Sustained requests per second per identity (default 200)",
      [](C& c, int64_t v) { c.mutable_limits()->set_max_requests_per_second_per_identity(static_cast<int32_t>(v)); });
  AddInt(app, "min_aggregate_group",
         "A figure of a capacity total is shown to other institutions and the bestuur only where at least this many "
         "organisations gave it, and changes only after this many changed (default 3)",
         [](C& c, int64_t v) { c.mutable_limits()->set_min_aggregate_group(static_cast<int32_t>(v)); });
  AddInt(app, "max_publish_streams_per_identity", "PublishStatus streams open at a time per identity (default 8)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_publish_streams_per_identity(static_cast<int32_t>(v)); });
  AddInt(app, "max_calls_in_flight_per_identity", "Unary calls per identity not yet answered (default 32)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_calls_in_flight_per_identity(static_cast<int32_t>(v)); });
  AddInt(app, "max_unsent_answers_per_identity",
         "Answered unary calls per identity whose answers have not gone out yet (default 2 x "
         "max_calls_in_flight_per_identity)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_unsent_answers_per_identity(static_cast<int32_t>(v)); });
  AddInt(app, "max_response_bytes_held_per_identity", "Bytes of answers not yet sent per identity (default 16777216)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_response_bytes_held_per_identity(v); });
  AddInt(app, "max_write_bytes_per_second_per_organization",
         "Bytes written per organisation per second, sustained, with bursts of 128 s' worth (default 65536)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_write_bytes_per_second_per_organization(v); });
  AddInt(app, "memory_quota_bytes", "gRPC's memory for all callers together (default 1073741824)",
         [](C& c, int64_t v) { c.mutable_limits()->set_memory_quota_bytes(v); });
  AddInt(app, "max_scanned_records_per_read",
         "Records one List at a past revision or one History scans before it pages (default 2000)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_scanned_records_per_read(static_cast<int32_t>(v)); });
  AddInt(app, "max_scanned_bytes_per_read",
         "Bytes one List at a past revision or one History scans before it pages (default 4194304)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_scanned_bytes_per_read(v); });
  AddInt(app, "max_records_per_picture",
         "Records one read of a whole past picture (a brief) may read before it is refused (default 200000)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_records_per_picture(static_cast<int32_t>(v)); });
  AddInt(app, "max_bytes_per_picture",
         "Bytes one read of a whole past picture (a brief) may read before it is refused (default 268435456)",
         [](C& c, int64_t v) { c.mutable_limits()->set_max_bytes_per_picture(v); });
  AddDuration(app, "heartbeat_interval", "Heartbeat interval of live feeds (default 5s)",
              [](C& c) { return c.mutable_heartbeat_interval(); });
  AddDuration(app, "shutdown_grace", "How long in-flight calls may take at shutdown (default 5s)",
              [](C& c) { return c.mutable_shutdown_grace(); });
  AddString(app, "etcd_endpoints",
            "Replicated mode: the etcd cluster's client endpoints, host:port or https://host:port, comma-separated "
            "(docs/replication.md)",
            [](C& c, const std::string& v) {
              c.mutable_replication()->clear_etcd_endpoints();
              for (absl::string_view endpoint : absl::StrSplit(v, ',', absl::SkipEmpty())) {
                c.mutable_replication()->add_etcd_endpoints(std::string(endpoint));
              }
            });
  AddString(app, "member_id", "Replicated mode: this member's name in the region, a-z 0-9 -",
            [](C& c, const std::string& v) { c.mutable_replication()->set_member_id(v); });
  AddString(app, "advertise", "Replicated mode: host:port at which clients and the other members reach this member",
            [](C& c, const std::string& v) { c.mutable_replication()->set_advertise(v); });
  AddDuration(app, "lease_ttl", "Replicated mode: the leader's lease, about the failover time (default 5s)",
              [](C& c) { return c.mutable_replication()->mutable_lease_ttl(); });
  AddDuration(app, "etcd_timeout", "Replicated mode: deadline of one etcd request (default 2s)",
              [](C& c) { return c.mutable_replication()->mutable_etcd_timeout(); });
  AddInt(app, "log_retention_revisions",
         "Replicated mode: revisions the region's log in etcd keeps; older groups are trimmed (default 100000; 0: "
         "never)",
         [](C& c, int64_t v) { c.mutable_replication()->set_log_retention_revisions(v); });
  AddString(app, "member_token_file", "Replicated mode: file with the region's member token (same on every member)",
            [](C& c, const std::string& v) { c.mutable_replication()->set_member_token_file(v); });
  AddString(app, "etcd_ca_file", "Replicated mode, https:// etcd endpoints: the CA of etcd's server certificates (PEM)",
            [](C& c, const std::string& v) { c.mutable_replication()->set_etcd_ca_file(v); });
  AddString(app, "etcd_cert_file", "Replicated mode, https:// etcd endpoints: this member's client certificate (PEM)",
            [](C& c, const std::string& v) { c.mutable_replication()->set_etcd_cert_file(v); });
  AddString(app, "etcd_key_file", "Replicated mode, https:// etcd endpoints: the client certificate's key (PEM)",
            [](C& c, const std::string& v) { c.mutable_replication()->set_etcd_key_file(v); });
  AddString(app, "backup_dir",
            "Backups are written only into new directories inside this absolute directory; empty: backups refused",
            [](C& c, const std::string& v) { c.set_backup_dir(v); });
  AddInt(app, "audit_max_file_bytes", "Size at which the audit trail's file is rotated (default 67108864)",
         [](C& c, int64_t v) { c.mutable_audit()->set_max_file_bytes(v); });
  AddInt(app, "audit_max_files", "Rotated audit trail files kept besides the current one (default 32)",
         [](C& c, int64_t v) { c.mutable_audit()->set_max_files(static_cast<int32_t>(v)); });
  AddString(app, "http_listen",
            "Address of the HTTP gateway (JSON API, live feed, crisis-room dashboard), host:port; empty: off",
            [](C& c, const std::string& v) { c.set_http_listen(v); });
  AddInt(app, "http_max_streams",
         "Live feeds (Server-Sent Events) the HTTP gateway serves at once, at most http_max_connections (default 256)",
         [](C& c, int64_t v) { c.set_http_max_streams(static_cast<int32_t>(v)); });
  AddInt(app, "http_max_connections",
         "Connections the HTTP gateway holds open at once, feeds included; needs as many open files (default 512)",
         [](C& c, int64_t v) { c.set_http_max_connections(static_cast<int32_t>(v)); });
  AddString(app, "http_public_origin",
            "Origin of the dashboard behind the TLS proxy (https://host[:port]), whose POSTs the gateway accepts",
            [](C& c, const std::string& v) { c.set_http_public_origin(v); });
  AddString(app, "map_tile_url",
            "Tiles of the dashboard's map, https://host[:port]/path with {z}, {x}, {y} (default PDOK's "
            "BRT-Achtergrondkaart); empty: no tiles",
            [](C& c, const std::string& v) { c.mutable_map()->set_tile_url(v); });
  AddString(app, "map_attribution", "Attribution of the map's tiles, plain text (default with PDOK's tiles only)",
            [](C& c, const std::string& v) { c.mutable_map()->set_attribution(v); });
  AddString(app, "notifications_smtp_url",
            "SMTP server for e-mail notifications, smtp://host[:port] (STARTTLS) or smtps://host[:port]; empty: none",
            [](C& c, const std::string& v) { c.mutable_notifications()->set_smtp_url(v); });
  AddString(app, "notifications_smtp_from",
            "Sender address of notification e-mails (required with --notifications_smtp_url)",
            [](C& c, const std::string& v) { c.mutable_notifications()->set_smtp_from(v); });
  AddInt(app, "notifications_max_attempts", "Delivery attempts per notification before it is FAILED (default 12)",
         [](C& c, int64_t v) { c.mutable_notifications()->set_max_attempts(static_cast<int32_t>(v)); });
  AddDuration(app, "notifications_initial_backoff", "Wait after a notification's first failed attempt (default 5s)",
              [](C& c) { return c.mutable_notifications()->mutable_initial_backoff(); });
  AddDuration(app, "notifications_max_backoff", "Longest wait between a notification's attempts (default 10m)",
              [](C& c) { return c.mutable_notifications()->mutable_max_backoff(); });
  AddDuration(app, "notifications_attempt_timeout", "Deadline of one delivery attempt (default 10s)",
              [](C& c) { return c.mutable_notifications()->mutable_attempt_timeout(); });
  AddDuration(app, "notifications_poll_interval",
              "How often the outbox is checked for due notifications (default 500ms)",
              [](C& c) { return c.mutable_notifications()->mutable_poll_interval(); });
  AddInt(app, "notifications_parallel_sends", "Notifications sent at once (default 8)",
         [](C& c, int64_t v) { c.mutable_notifications()->set_parallel_sends(static_cast<int32_t>(v)); });
  AddString(app, "notifications_ca_file", "CA bundle (PEM) for webhook and SMTP servers; empty: the system's",
            [](C& c, const std::string& v) { c.mutable_notifications()->set_ca_file(v); });
}

absl::StatusOr<server::v1::ServerConfig> ConfigFlags::Merged() const {
  server::v1::ServerConfig config;
  if (!config_file_.empty()) {
    absl::StatusOr<server::v1::ServerConfig> from_file = ReadConfigFile(config_file_);
    if (!from_file.ok()) return from_file.status();
    config = *std::move(from_file);
  }
  for (const Override& apply : overrides_) {
    if (absl::Status status = apply(config); !status.ok()) return status;
  }
  return config;
}

absl::StatusOr<ResolvedConfig> ConfigFlags::Load() const {
  absl::StatusOr<server::v1::ServerConfig> config = Merged();
  if (!config.ok()) return config.status();
  absl::StatusOr<ResolvedConfig> resolved = Resolve(*config);
  if (!resolved.ok() && !config_file_.empty()) {
    return absl::Status(resolved.status().code(),
                        absl::StrCat("config ", config_file_, " (with flags): ", resolved.status().message()));
  }
  return resolved;
}

}  // namespace ketenbeeld::config
