// The server configuration: the documented example parses and validates, every invalid value is refused with an
// error naming the field (or flag), and flags override the file.
#include "server/config/config_loader.h"

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/test_pki.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<ResolvedConfig> ResolveText(const std::string& text) {
  absl::StatusOr<server::v1::ServerConfig> config = ParseConfigText(text, "test.textproto");
  if (!config.ok()) return config.status();
  return Resolve(*config);
}

// The error message of resolving `text` (empty when it resolved).
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<ResolvedConfig> resolved = ResolveText(text);
  EXPECT_FALSE(resolved.ok()) << text;
  if (!resolved.ok()) {
    EXPECT_EQ(resolved.status().code(), absl::StatusCode::kInvalidArgument);
  }
  return resolved.ok() ? "" : std::string(resolved.status().message());
}

// Parses `args` (argv[1..]) into ConfigFlags and loads the configuration.
absl::StatusOr<ResolvedConfig> LoadWithFlags(const std::vector<std::string>& args) {
  CLI::App app;
  ConfigFlags flags(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes argv reversed from a vector.
  app.parse(reversed);
  return flags.Load();
}

// `config` with its files under /etc/ketenbeeld/tls/ moved to `tls`, where a test CA's server certificate, server key,
// CA certificate and empty CRL are written under `names` (in that order). Empty when `config` names no such file.
std::string WithTestTlsFiles(const std::string& config, const std::array<const char*, 4>& names,
                             testing::PkiDirectory& tls) {
  if (!absl::StrContains(config, "\"/etc/ketenbeeld/tls/")) return "";
  testing::TestCa ca;
  const testing::IssuedCertificate server = ca.IssueServer();
  tls.Write(names[0], server.certificate_pem);
  tls.Write(names[1], server.key_pem);
  tls.Write(names[2], ca.certificate_pem());
  tls.Write(names[3], ca.Crl({}));
  return absl::StrReplaceAll(config, {{"\"/etc/ketenbeeld/tls/", absl::StrCat("\"", tls.path(), "/")}});
}

// The example that docs/operations.md installs, with its TLS files where it expects them (here: a test CA's files
// under the names deploy/dev-certs.sh writes, in a temporary directory instead of /etc/ketenbeeld/tls).
TEST(ConfigLoaderTest, DocumentedExampleIsValidAndSafe) {
  std::ifstream file(KETENBEELD_EXAMPLE_CONFIG);
  ASSERT_TRUE(file.is_open());
  std::stringstream content;
  content << file.rdbuf();
  testing::PkiDirectory tls;
  const std::string text = WithTestTlsFiles(content.str(), {"server.pem", "server.key", "ca.pem", "crl.pem"}, tls);
  ASSERT_FALSE(text.empty());

  absl::StatusOr<ResolvedConfig> resolved = ResolveText(text);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  const app::ServerOptions& options = resolved->server;
  EXPECT_EQ(options.listen_address, "127.0.0.1:50051");
  EXPECT_EQ(options.data_dir, "/var/lib/ketenbeeld");
  EXPECT_EQ(options.committer.region.safety_region(), "VR10");
  EXPECT_EQ(options.committer.region.reporting_interval(), absl::Hours(24));
  EXPECT_EQ(options.metrics_listen_address, "127.0.0.1:9464");
  EXPECT_EQ(options.http_listen_address, "127.0.0.1:8080");
  EXPECT_EQ(options.max_receive_message_bytes, 1 << 20);
  EXPECT_EQ(options.feed.heartbeat_interval, absl::Seconds(5));
  EXPECT_EQ(options.identity_limits.max_subscriptions, 64);
  EXPECT_EQ(options.identity_limits.max_publish_streams, 8);
  EXPECT_EQ(options.identity_limits.max_calls_in_flight, 32);
  EXPECT_EQ(options.identity_limits.max_unsent_answers, 64);
  EXPECT_EQ(options.identity_limits.max_response_bytes_held, 16 << 20);
  EXPECT_EQ(options.memory_quota_bytes, int64_t{1} << 30);
  EXPECT_EQ(options.scan_limits.max_records, 2000);
  EXPECT_EQ(options.scan_limits.max_bytes, 4 << 20);
  EXPECT_EQ(resolved->shutdown_grace, absl::Seconds(5));
  // Safe defaults: authenticated callers only (mTLS with a CRL), history that does not grow forever, backups only
  // into their directory, a bounded audit trail.
  EXPECT_TRUE(options.tls.enabled());
  EXPECT_EQ(options.tls.client_crl, tls.path() + "/crl.pem");
  EXPECT_TRUE(options.retention.enabled());
  EXPECT_EQ(options.retention.max_age, absl::Hours(24 * 90));
  EXPECT_EQ(options.retention.max_events, 0);
  EXPECT_EQ(options.retention.check_interval, absl::Hours(1));
  EXPECT_EQ(options.backup_dir, "/var/backups/ketenbeeld");
  EXPECT_EQ(options.audit_options.max_file_bytes, 64 << 20);
  EXPECT_EQ(options.audit_options.max_files, 32);
  EXPECT_TRUE(app::CheckServerOptions(options).ok()) << app::CheckServerOptions(options);
}

// The Kubernetes example (deploy/k8s/configmap.yaml) as `kubectl apply` installs it, with its TLS files (the Secret's
// key names) in a temporary directory: as safe as the installed example, backups included.
TEST(ConfigLoaderTest, KubernetesExampleIsValidAndSafe) {
  std::ifstream file(KETENBEELD_K8S_CONFIGMAP);
  ASSERT_TRUE(file.is_open());
  // The configuration is the block under "ketenbeeld.textproto: |", indented by four spaces.
  std::string text;
  bool in_block = false;
  for (std::string line; std::getline(file, line);) {
    if (absl::StrContains(line, "ketenbeeld.textproto: |")) {
      in_block = true;
    } else if (in_block && absl::StartsWith(line, "    ")) {
      absl::StrAppend(&text, line.substr(4), "\n");
    } else if (in_block && !line.empty()) {
      break;
    }
  }
  testing::PkiDirectory tls;
  text = WithTestTlsFiles(text, {"tls.crt", "tls.key", "ca.crt", "crl.pem"}, tls);
  ASSERT_FALSE(text.empty());

  absl::StatusOr<ResolvedConfig> resolved = ResolveText(text);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  const app::ServerOptions& options = resolved->server;
  EXPECT_EQ(options.data_dir, "/var/lib/ketenbeeld");
  EXPECT_TRUE(options.tls.enabled());
  EXPECT_EQ(options.tls.client_crl, tls.path() + "/crl.pem") << "revocation without a restart";
  EXPECT_TRUE(options.retention.enabled());
  // The directory the StatefulSet mounts its `backups` volume at: without it every backup would be refused.
  EXPECT_EQ(options.backup_dir, "/var/backups/ketenbeeld");
  EXPECT_TRUE(app::CheckServerOptions(options).ok()) << app::CheckServerOptions(options);
}

TEST(ConfigLoaderTest, BackupDirAndAuditAreChecked) {
  EXPECT_THAT(ErrorOf(R"pb(backup_dir: "backups")pb"), StartsWith("backup_dir: must be an absolute path"));
  EXPECT_THAT(ErrorOf("audit { max_file_bytes: 100 }"), StartsWith("audit.max_file_bytes: must be between 4096"));
  EXPECT_THAT(ErrorOf("audit { max_files: -1 }"), StartsWith("audit.max_files: must be between 1 and 10000"));
  absl::StatusOr<ResolvedConfig> resolved =
      LoadWithFlags({"--backup_dir", "/srv/backups", "--audit_max_file_bytes", "1048576", "--audit_max_files", "4"});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->server.backup_dir, "/srv/backups");
  EXPECT_EQ(resolved->server.audit_options.max_file_bytes, 1 << 20);
  EXPECT_EQ(resolved->server.audit_options.max_files, 4);
  // Unset: backups off, the audit trail's defaults.
  absl::StatusOr<ResolvedConfig> defaults = ResolveText("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->server.backup_dir.empty());
  EXPECT_EQ(defaults->server.audit_options.max_files, policy::AuditOptions::kDefaultMaxFiles);
}

TEST(ConfigLoaderTest, ReplicationIsCheckedAndOffByDefault) {
  absl::StatusOr<ResolvedConfig> single = ResolveText("");
  ASSERT_TRUE(single.ok());
  EXPECT_FALSE(single->server.replication.has_value()) << "a single node unless etcd is configured";

  EXPECT_THAT(ErrorOf(R"pb(replication { member_id: "a" advertise: "127.0.0.1:1" })pb"),
              StartsWith("replication.etcd_endpoints: is required"));
  EXPECT_THAT(ErrorOf(R"pb(replication { etcd_endpoints: "etcd" member_id: "a" advertise: "127.0.0.1:1" })pb"),
              StartsWith("replication.etcd_endpoints: expected host:port"));
  EXPECT_THAT(
      ErrorOf(R"pb(replication { etcd_endpoints: "127.0.0.1:2379" member_id: "A B" advertise: "127.0.0.1:1" })pb"),
      StartsWith("replication.member_id: must be 1..63 characters"));
  EXPECT_THAT(ErrorOf(R"pb(replication { etcd_endpoints: "127.0.0.1:2379" member_id: "a" })pb"),
              StartsWith("replication.advertise: is required"));
  EXPECT_THAT(ErrorOf(R"pb(replication {
                             etcd_endpoints: "127.0.0.1:2379"
                             member_id: "a"
                             advertise: "127.0.0.1:1"
                             lease_ttl { nanos: 500000000 }
                           })pb"),
              StartsWith("replication.lease_ttl: must be between 1s and 60s"));
  EXPECT_THAT(
      ErrorOf(R"pb(tokens_file: "/dev/null"
                   replication { etcd_endpoints: "127.0.0.1:2379" member_id: "a" advertise: "127.0.0.1:1" })pb"),
      StartsWith("replication.member_token_file: is required when TLS or tokens_file"));
  EXPECT_THAT(ErrorOf(R"pb(replication {
                             etcd_endpoints: "127.0.0.1:2379"
                             member_id: "a"
                             advertise: "127.0.0.1:1"
                             log_retention_revisions: -1
                           })pb"),
              StartsWith("replication.log_retention_revisions: must be 0 (never trim) or more"));

  absl::StatusOr<ResolvedConfig> resolved =
      LoadWithFlags({"--region", "VR16", "--etcd_endpoints", "10.0.0.1:2379,10.0.0.2:2379", "--member_id", "vr16-b",
                     "--advertise", "10.0.0.2:50051", "--lease_ttl", "3s", "--log_retention_revisions", "0"});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_TRUE(resolved->server.replication.has_value());
  const replication::MemberOptions& member = *resolved->server.replication;
  EXPECT_EQ(member.etcd_endpoints, (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379"}));
  EXPECT_EQ(member.member_id, "vr16-b");
  EXPECT_EQ(member.advertise, "10.0.0.2:50051");
  EXPECT_EQ(member.lease_ttl, absl::Seconds(3));
  EXPECT_EQ(member.key_prefix, "/ketenbeeld/VR16/");
  EXPECT_EQ(member.log_retention_revisions, 0) << "0 never trims, and is not the same as unset";
  absl::StatusOr<ResolvedConfig> unset =
      LoadWithFlags({"--etcd_endpoints", "10.0.0.1:2379", "--member_id", "vr16-b", "--advertise", "10.0.0.2:50051"});
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_EQ(unset->server.replication->log_retention_revisions, 100000);
}

// TLS to etcd: https:// endpoints (all of them), the CA and the client certificate files, read at start.
TEST(ConfigLoaderTest, EtcdTlsIsCheckedAndCarried) {
  testing::PkiDirectory dir;
  const std::string ca = dir.Write("etcd-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string cert = dir.Write("member.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string key = dir.Write("member.key", "-----BEGIN PRIVATE KEY-----\n");
  absl::StatusOr<ResolvedConfig> resolved = LoadWithFlags(
      {"--etcd_endpoints", "https://10.0.0.1:2379,https://10.0.0.2:2379/", "--member_id", "vr16-b", "--advertise",
       "10.0.0.2:50051", "--etcd_ca_file", ca, "--etcd_cert_file", cert, "--etcd_key_file", key});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  const replication::MemberOptions& member = *resolved->server.replication;
  EXPECT_EQ(member.etcd_endpoints, (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379"}));
  EXPECT_TRUE(member.etcd_tls.enabled);
  EXPECT_EQ(member.etcd_tls.ca_file, ca);
  EXPECT_EQ(member.etcd_tls.cert_file, cert);
  EXPECT_EQ(member.etcd_tls.key_file, key);

  // http:// and bare host:port are plaintext, as before.
  absl::StatusOr<ResolvedConfig> plaintext = LoadWithFlags(
      {"--etcd_endpoints", "http://10.0.0.1:2379,10.0.0.2:2379", "--member_id", "a", "--advertise", "10.0.0.2:1"});
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_FALSE(plaintext->server.replication->etcd_tls.enabled);
  EXPECT_EQ(plaintext->server.replication->etcd_endpoints,
            (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379"}));

  const std::string base = R"pb(member_id: "a" advertise: "127.0.0.1:1")pb";
  EXPECT_THAT(ErrorOf(absl::StrCat("replication { ", base,
                                   "etcd_endpoints: \"https://10.0.0.1:2379\" etcd_endpoints: \"10.0.0.2:2379\" }")),
              StartsWith("replication.etcd_endpoints: mixes https:// and plaintext endpoints"));
  EXPECT_THAT(ErrorOf(absl::StrCat("replication { ", base, "etcd_endpoints: \"https://etcd\" }")),
              StartsWith("replication.etcd_endpoints: expected host:port"));
  EXPECT_THAT(ErrorOf(absl::StrCat("replication { ", base, R"pb(etcd_endpoints: "10.0.0.1:2379" etcd_ca_file: ")pb", ca,
                                   "\" }")),
              StartsWith("replication.etcd_ca_file: is for TLS to etcd, which needs https:// etcd_endpoints"));
  EXPECT_THAT(ErrorOf(absl::StrCat("replication { ", base,
                                   "etcd_endpoints: \"https://10.0.0.1:2379\" etcd_ca_file: \"/no/such/ca.pem\" }")),
              StartsWith("replication.etcd_ca_file: cannot read \"/no/such/ca.pem\""));
  EXPECT_THAT(ErrorOf(absl::StrCat("replication { ", base,
                                   R"pb(etcd_endpoints: "https://10.0.0.1:2379"
                                        etcd_cert_file: "/no/such/cert.pem"
                                        etcd_key_file: ")pb",
                                   key, "\" }")),
              StartsWith("replication.etcd_cert_file: cannot read \"/no/such/cert.pem\""));
  EXPECT_THAT(ErrorOf(absl::StrCat("replication { ", base,
                                   R"pb(etcd_endpoints: "https://10.0.0.1:2379" etcd_cert_file: ")pb", cert, "\" }")),
              StartsWith("replication.etcd_key_file: etcd_cert_file and etcd_key_file go together"));
}

// The HTTP gateway's caps: 1,000 dashboards need more than the default 256 feeds (bench/: sse_fanout), and each feed
// holds a connection, so the feed cap may not exceed the connection cap.
TEST(ConfigLoaderTest, HttpFeedAndConnectionCapsAreCheckedAndCarried) {
  absl::StatusOr<ResolvedConfig> raised =
      LoadWithFlags({"--http_max_streams", "1000", "--http_max_connections", "1100"});
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(raised->server.http_max_streams, 1000);
  EXPECT_EQ(raised->server.http_max_connections, 1100);
  absl::StatusOr<ResolvedConfig> defaults = ResolveText("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->server.http_max_streams, http::GatewayOptions{}.max_streams);
  EXPECT_EQ(defaults->server.http_max_connections, http::GatewayOptions{}.max_connections);

  EXPECT_THAT(ErrorOf("http_max_streams: 1000"),
              StartsWith("http_max_streams: must not exceed http_max_connections (512), got 1000"));
  EXPECT_THAT(ErrorOf("http_max_streams: 600 http_max_connections: 500"),
              StartsWith("http_max_streams: must not exceed http_max_connections (500)"));
  EXPECT_THAT(ErrorOf("http_max_streams: -1"), StartsWith("http_max_streams: must be between 1 and 65536, got -1"));
  EXPECT_THAT(ErrorOf("http_max_connections: 8"), StartsWith("http_max_connections: must be between 16 and 65536"));
  EXPECT_THAT(ErrorOf("http_max_connections: 100000"), StartsWith("http_max_connections: must be between 16"));
}

// The dashboard map's tiles: PDOK's with Kadaster's attribution unless configured; an empty URL means no tiles; another
// URL drops the default attribution (it names PDOK's source); a malformed one is refused naming the field.
TEST(ConfigLoaderTest, MapTilesDefaultToPdokAndAreChecked) {
  absl::StatusOr<ResolvedConfig> defaults = ResolveText("");
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->server.map_tile_url, http::kDefaultMapTileUrl);
  EXPECT_EQ(defaults->server.map_attribution, "Kaartgegevens \u00a9 Kadaster");

  absl::StatusOr<ResolvedConfig> none = LoadWithFlags({"--map_tile_url", ""});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->server.map_tile_url, "");
  EXPECT_EQ(none->server.map_attribution, "");

  absl::StatusOr<ResolvedConfig> own = ResolveText(
      "map { tile_url: \"https://{s}.tiles.example.org/{z}/{x}/{y}.png\" "
      "attribution: \"\xc2\xa9 OpenStreetMap\" }");
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->server.map_tile_url, "https://{s}.tiles.example.org/{z}/{x}/{y}.png");
  EXPECT_EQ(own->server.map_attribution, "\u00a9 OpenStreetMap");
  absl::StatusOr<ResolvedConfig> unattributed =
      LoadWithFlags({"--map_tile_url", "http://127.0.0.1:8081/tiles/{z}/{x}/{y}.png"});
  ASSERT_TRUE(unattributed.ok()) << unattributed.status();
  EXPECT_EQ(unattributed->server.map_attribution, "");

  EXPECT_THAT(ErrorOf("map { tile_url: \"http://tiles.example.org/{z}/{x}/{y}.png\" }"),
              StartsWith("map.tile_url: must use https://"));
  EXPECT_THAT(ErrorOf("map { tile_url: \"https://tiles.example.org/{z}/{x}.png\" }"), StartsWith("map.tile_url:"));
  EXPECT_THAT(ErrorOf("map { attribution: \"a\\nb\" }"), StartsWith("map.attribution:"));
}

TEST(ConfigLoaderTest, EmptyConfigGivesTheDefaults) {
  absl::StatusOr<ResolvedConfig> resolved = ResolveText("");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  const app::ServerOptions defaults;
  EXPECT_EQ(resolved->server.listen_address, defaults.listen_address);
  EXPECT_EQ(resolved->server.data_dir, defaults.data_dir);
  EXPECT_EQ(resolved->server.committer.region.safety_region(), "VR10");
  EXPECT_FALSE(resolved->server.retention.enabled()) << "default: keep everything";
  EXPECT_TRUE(resolved->server.metrics_listen_address.empty());
  EXPECT_EQ(resolved->server.feed.heartbeat_interval, absl::Seconds(5));
  EXPECT_EQ(resolved->shutdown_grace, absl::Seconds(5));
}

TEST(ConfigLoaderTest, SyntaxErrorsAndUnknownFieldsNameThePlace) {
  absl::StatusOr<server::v1::ServerConfig> unknown =
      ParseConfigText("listen: \"127.0.0.1:1\"\nlisten_adres: \"x\"\n", "a.txt");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), StartsWith("a.txt:2:"));
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("listen_adres"));
  absl::StatusOr<server::v1::ServerConfig> wrong_type = ParseConfigText("retention { max_events: \"veel\" }", "b.txt");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_THAT(std::string(wrong_type.status().message()), HasSubstr("b.txt:1:"));
  EXPECT_TRUE(absl::IsNotFound(ReadConfigFile("/nonexistent/ketenbeeld.textproto").status()));
}

TEST(ConfigLoaderTest, InvalidValuesAreRefusedNamingTheField) {
  EXPECT_THAT(ErrorOf("listen: \"zonder-poort\""), StartsWith("listen: expected host:port"));
  EXPECT_THAT(ErrorOf("region { safety_region: \"VR99\" }"), StartsWith("region.safety_region:"));
  EXPECT_THAT(ErrorOf("retention { max_age { seconds: -5 } }"), StartsWith("retention.max_age: must not be negative"));
  EXPECT_THAT(ErrorOf("retention { max_age { seconds: 1 nanos: 2000000000 } }"), StartsWith("retention.max_age:"));
  EXPECT_THAT(ErrorOf("retention { max_events: -1 }"), StartsWith("retention.max_events:"));
  EXPECT_THAT(ErrorOf("retention { check_interval { nanos: 1000 } }"), StartsWith("retention.check_interval:"));
  EXPECT_THAT(ErrorOf("limits { max_request_bytes: 10 }"), StartsWith("limits.max_request_bytes:"));
  EXPECT_THAT(ErrorOf("limits { max_feed_message_bytes: 8388608 }"), StartsWith("limits.max_feed_message_bytes:"));
  EXPECT_THAT(ErrorOf("limits { max_subscriptions_per_identity: -3 }"),
              StartsWith("limits.max_subscriptions_per_identity:"));
  EXPECT_THAT(ErrorOf("limits { max_publish_streams_per_identity: -1 }"),
              StartsWith("limits.max_publish_streams_per_identity:"));
  EXPECT_THAT(ErrorOf("limits { max_calls_in_flight_per_identity: -1 }"),
              StartsWith("limits.max_calls_in_flight_per_identity:"));
  EXPECT_THAT(ErrorOf("limits { max_unsent_answers_per_identity: -1 }"),
              StartsWith("limits.max_unsent_answers_per_identity:"));
  EXPECT_THAT(ErrorOf("limits { max_response_bytes_held_per_identity: 100 }"),
              StartsWith("limits.max_response_bytes_held_per_identity:"));
  EXPECT_THAT(ErrorOf("limits { memory_quota_bytes: 1048576 }"), StartsWith("limits.memory_quota_bytes:"));
  EXPECT_THAT(ErrorOf("limits { max_scanned_records_per_read: -2 }"),
              StartsWith("limits.max_scanned_records_per_read:"));
  EXPECT_THAT(ErrorOf("limits { max_scanned_bytes_per_read: 10 }"), StartsWith("limits.max_scanned_bytes_per_read:"));
  EXPECT_THAT(ErrorOf("limits { max_records_per_picture: -1 }"), StartsWith("limits.max_records_per_picture:"));
  EXPECT_THAT(ErrorOf("limits { max_bytes_per_picture: 100 }"), StartsWith("limits.max_bytes_per_picture:"));
  EXPECT_THAT(ErrorOf("limits { max_write_bytes_per_second_per_organization: 100 }"),
              StartsWith("limits.max_write_bytes_per_second_per_organization:"));
  EXPECT_THAT(ErrorOf("heartbeat_interval { seconds: 3600 }"), StartsWith("heartbeat_interval:"));
  EXPECT_THAT(ErrorOf("shutdown_grace { seconds: 86400 }"), StartsWith("shutdown_grace:"));
  EXPECT_THAT(ErrorOf("metrics_listen: \"9464\""), StartsWith("metrics_listen:"));
  EXPECT_THAT(ErrorOf("http_listen: \"127.0.0.1:99999\""), StartsWith("http_listen:"));
  EXPECT_THAT(ErrorOf("http_public_origin: \"ketenbeeld.example.nl/\""), StartsWith("http_public_origin:"));
  EXPECT_THAT(ErrorOf("tokens_file: \"/nonexistent/tokens\""), StartsWith("tokens_file: cannot read"));
  // TLS is all or nothing: a half configuration must not silently fall back to plaintext.
  EXPECT_THAT(ErrorOf("tls { server_certificate: \"/x.crt\" }"), StartsWith("tls.server_private_key: required"));
  EXPECT_THAT(ErrorOf("tls { server_certificate: \"/x.crt\" server_private_key: \"/x.key\" }"),
              StartsWith("tls.client_ca: required"));
  EXPECT_THAT(ErrorOf("tls { client_crl: \"/x.crl\" }"), StartsWith("tls.server_certificate: required"));
  EXPECT_THAT(ErrorOf("tls { server_certificate: \"/nonexistent.crt\" server_private_key: \"/x.key\" "
                      "client_ca: \"/ca.crt\" }"),
              StartsWith("tls.server_certificate: cannot read"));
}

TEST(ConfigLoaderTest, TlsAndTokensAreCarriedIntoServerOptions) {
  testing::TempDir dir;
  std::vector<std::string> files;
  for (const char* name : {"server.crt", "server.key", "ca.crt", "tokens"}) {
    files.push_back(dir.path() + "/" + name);
    std::ofstream(files.back()) << "placeholder\n";
  }
  absl::StatusOr<ResolvedConfig> resolved =
      ResolveText(absl::StrCat("tls { server_certificate: \"", files[0], "\" server_private_key: \"", files[1],
                               "\" client_ca: \"", files[2], "\" }\ntokens_file: \"", files[3], "\""));
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_TRUE(resolved->server.tls.enabled());
  EXPECT_EQ(resolved->server.tls.server_certificate, files[0]);
  EXPECT_EQ(resolved->server.tls.server_private_key, files[1]);
  EXPECT_EQ(resolved->server.tls.client_ca, files[2]);
  EXPECT_TRUE(resolved->server.tls.client_crl.empty());
  EXPECT_EQ(resolved->server.tokens_file, files[3]);
}

TEST(ConfigLoaderTest, FlagsOverrideTheFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/ketenbeeld.textproto";
  std::ofstream(path) << "listen: \"127.0.0.1:6000\"\ndata_dir: \"/uit/bestand\"\n"
                         "retention { max_events: 100 }\nheartbeat_interval { seconds: 2 }\n";
  absl::StatusOr<ResolvedConfig> resolved =
      LoadWithFlags({"--config", path, "--data_dir", "/uit/vlag", "--retention_max_age", "720h", "--heartbeat_interval",
                     "250ms", "--region", "VR02", "--shutdown_grace", "1m30s"});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->server.listen_address, "127.0.0.1:6000");  // From the file.
  EXPECT_EQ(resolved->server.data_dir, "/uit/vlag");             // The flag wins.
  EXPECT_EQ(resolved->server.retention.max_events, 100);
  EXPECT_EQ(resolved->server.retention.max_age, absl::Hours(720));
  EXPECT_EQ(resolved->server.feed.heartbeat_interval, absl::Milliseconds(250));
  EXPECT_EQ(resolved->server.hub.wake_interval, absl::Milliseconds(125));
  EXPECT_EQ(resolved->server.committer.region.safety_region(), "VR02");
  EXPECT_EQ(resolved->shutdown_grace, absl::Seconds(90));
}

TEST(ConfigLoaderTest, BadFlagValuesNameTheFlagOrField) {
  absl::StatusOr<ResolvedConfig> bad_duration = LoadWithFlags({"--retention_max_age", "een maand"});
  ASSERT_FALSE(bad_duration.ok());
  EXPECT_THAT(std::string(bad_duration.status().message()), StartsWith("--retention_max_age: not a duration"));
  absl::StatusOr<ResolvedConfig> too_fast = LoadWithFlags({"--heartbeat_interval", "1ms"});
  ASSERT_FALSE(too_fast.ok());
  EXPECT_THAT(std::string(too_fast.status().message()), StartsWith("heartbeat_interval:"));
}

TEST(ConfigLoaderTest, NotificationsAreResolvedAndBadValuesNamed) {
  absl::StatusOr<ResolvedConfig> resolved = ResolveText(R"(
    notifications {
      smtp_url: "smtp://127.0.0.1:2525"
      smtp_from: "ghor@vr10.nl"
      max_attempts: 5
      initial_backoff { nanos: 200000000 }
      max_backoff { seconds: 2 }
      attempt_timeout { seconds: 3 }
      poll_interval { nanos: 50000000 }
      parallel_sends: 4
    })");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  const app::ServerOptions& options = resolved->server;
  EXPECT_EQ(options.notification_sender.smtp_url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(options.notification_sender.from, "ghor@vr10.nl");
  EXPECT_EQ(options.notification_sender.attempt_timeout, absl::Seconds(3));
  EXPECT_EQ(options.notification_worker.retry.max_attempts, 5);
  EXPECT_EQ(options.notification_worker.retry.initial_backoff, absl::Milliseconds(200));
  EXPECT_EQ(options.notification_worker.retry.max_backoff, absl::Seconds(2));
  EXPECT_EQ(options.notification_worker.poll_interval, absl::Milliseconds(50));
  EXPECT_EQ(options.notification_worker.parallel_sends, 4);

  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {R"(notifications { smtp_url: "http://mail" })", "notifications.smtp_url:"},
           {R"(notifications { smtp_from: "geen adres" })", "notifications.smtp_from:"},
           {R"(notifications { smtp_url: "smtp://127.0.0.1:2525" })", "notifications.smtp_from: required"},
           {R"(notifications { max_attempts: 101 })", "notifications.max_attempts:"},
           {R"(notifications { initial_backoff { seconds: 10 } max_backoff { seconds: 5 } })",
            "notifications.max_backoff:"},
           {R"(notifications { poll_interval { nanos: 1000 } })", "notifications.poll_interval:"},
           {R"(notifications { parallel_sends: 65 })", "notifications.parallel_sends:"}}) {
    absl::StatusOr<ResolvedConfig> bad = ResolveText(text);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr(field)) << text;
  }
}

TEST(ConfigLoaderTest, FederationSourcesAreResolvedAndBadValuesNamed) {
  absl::StatusOr<ResolvedConfig> resolved = ResolveText(
      "federation { sources { safety_region: \"VR10\" identity: \"federator-vr10\" }\n"
      "sources { safety_region: \"VR11\" identity: \"federator-vr11\" }\n"
      "stale_after { seconds: 120 } }");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->server.upstream_sources.size(), 2u);
  EXPECT_EQ(resolved->server.upstream_sources.at("VR10"), "federator-vr10");
  EXPECT_EQ(resolved->server.upstream_stale_after, absl::Minutes(2));
  EXPECT_TRUE(ResolveText("").ok());
  EXPECT_TRUE(ResolveText("")->server.upstream_sources.empty());

  const struct {
    const char* text;
    const char* field;
  } bad[] = {
      {"federation { sources { safety_region: \"VR30\" identity: \"f\" } }", "federation.sources[0].safety_region"},
      {"federation { sources { safety_region: \"VR10\" identity: \"Not An Id\" } }", "federation.sources[0].identity"},
      {"federation { sources { safety_region: \"VR10\" identity: \"a\" }\n"
       "sources { safety_region: \"VR10\" identity: \"b\" } }",
       "federation.sources[1].safety_region"},
      {"federation { stale_after { seconds: 1 } }", "federation.stale_after"},
  };
  for (const auto& c : bad) {
    absl::StatusOr<ResolvedConfig> refused = ResolveText(c.text);
    ASSERT_FALSE(refused.ok()) << c.text;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr(c.field)) << refused.status();
  }
}

// Forwarding reservations (docs/reservations.md, "Across regions"): a source's endpoint on the ROAZ server, the listed
// forwarders on the region's server.
TEST(ConfigLoaderTest, ReservationForwardingIsResolvedAndBadValuesNamed) {
  absl::StatusOr<ResolvedConfig> resolved = ResolveText(
      "federation { sources { safety_region: \"VR10\" identity: \"federator-vr10\"\n"
      "  endpoint { target: \"vr10.example:50051\" ca_file: \"/etc/ca.pem\" token_file: \"/etc/vr10.token\"\n"
      "    server_name: \"vr10\" timeout { seconds: 3 } } }\n"
      "sources { safety_region: \"VR11\" identity: \"federator-vr11\" }\n"
      "reservation_forwarders { identity: \"roaz-vr12\" safety_region: \"VR12\" } }");
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_EQ(resolved->server.region_endpoints.size(), 1u);
  const app::ServerOptions& options = resolved->server;
  EXPECT_EQ(options.region_endpoints.at("VR10").target, "vr10.example:50051");
  EXPECT_EQ(options.region_endpoints.at("VR10").ca_file, "/etc/ca.pem");
  EXPECT_EQ(options.region_endpoints.at("VR10").token_file, "/etc/vr10.token");
  EXPECT_EQ(options.region_endpoints.at("VR10").server_name, "vr10");
  EXPECT_EQ(options.region_endpoints.at("VR10").timeout, absl::Seconds(3));
  EXPECT_EQ(options.reservation_forwarders.at("roaz-vr12"), "VR12");

  const struct {
    const char* text;
    const char* field;
  } bad[] = {
      {"federation { sources { safety_region: \"VR10\" identity: \"f\" endpoint { } } }",
       "federation.sources[0].endpoint.target"},
      {"federation { sources { safety_region: \"VR10\" identity: \"f\"\n"
       "endpoint { target: \"h:1\" timeout { seconds: 61 } } } }",
       "federation.sources[0].endpoint.timeout"},
      {"federation { reservation_forwarders { identity: \"Not An Id\" safety_region: \"VR12\" } }",
       "federation.reservation_forwarders[0].identity"},
      {"federation { reservation_forwarders { identity: \"roaz\" safety_region: \"VR31\" } }",
       "federation.reservation_forwarders[0].safety_region"},
      {"federation { reservation_forwarders { identity: \"roaz\" safety_region: \"VR12\" }\n"
       "reservation_forwarders { identity: \"roaz\" safety_region: \"VR13\" } }",
       "federation.reservation_forwarders[1].identity"},
  };
  for (const auto& c : bad) {
    absl::StatusOr<ResolvedConfig> refused = ResolveText(c.text);
    ASSERT_FALSE(refused.ok()) << c.text;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr(c.field)) << refused.status();
  }
}

}  // namespace
}  // namespace ketenbeeld::config
