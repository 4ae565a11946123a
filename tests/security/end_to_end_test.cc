// Authentication through real gRPC calls on 127.0.0.1: a tiny test service (PictureService.Get only) that calls the
// Authenticator and echoes the identity, served with MakeServerCredentials(), called through the client library's
// ConnectChecked() with certificates and tokens from the test PKI.
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/connection.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "server/security/authenticator.h"
#include "server/security/tokens.h"
#include "tests/security/test_pki.h"
#include "tests/security/token_line.h"
#include "tests/support/eventually.h"

namespace ketenbeeld::security {
namespace {

using ::ketenbeeld::client::ConnectOptions;
using ::ketenbeeld::testing::ClientCertificateSpec;
using ::ketenbeeld::testing::Eventually;
using ::ketenbeeld::testing::IssuedCertificate;
using ::ketenbeeld::testing::PkiDirectory;
using ::ketenbeeld::testing::ServerCertificateSpec;
using ::ketenbeeld::testing::TestCa;
using ::ketenbeeld::testing::TokenLine;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const char* CredentialWord(Credential credential) {
  switch (credential) {
    case Credential::kCertificate:
      return "certificate";
    case Credential::kToken:
      return "token";
    case Credential::kDevelopment:
      return "development";
  }
  return "?";
}

// Get answers with the caller's identity: record.name = the credential kind, record.updated_by = the actor.
class EchoIdentityService final : public v1::PictureService::CallbackService {
 public:
  explicit EchoIdentityService(const Authenticator* authenticator) : authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context, const v1::GetRequest* /*request*/,
                                v1::GetResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Identity> identity = authenticator_->Authenticate(*context);
    if (!identity.ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(identity.status().message())));
      return reactor;
    }
    response->mutable_record()->set_name(CredentialWord(identity->credential));
    *response->mutable_record()->mutable_updated_by() = identity->ToActor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  const Authenticator* authenticator_;
};

struct CallResult {
  grpc::Status status;
  v1::GetResponse response;
};

class EndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const IssuedCertificate server = ca_.IssueServer();
    server_certificate_ = dir_.Write("server.pem", server.certificate_pem);
    server_key_ = dir_.Write("server.key", server.key_pem);
    ca_file_ = dir_.Write("ca.pem", ca_.certificate_pem());
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }

  AuthenticatorOptions TlsOptions() const {
    AuthenticatorOptions options;
    options.tls.server_certificate = server_certificate_;
    options.tls.server_private_key = server_key_;
    options.tls.client_ca = ca_file_;
    return options;
  }

  void Start(const AuthenticatorOptions& options) {
    absl::StatusOr<std::unique_ptr<Authenticator>> authenticator = Authenticator::Create(options);
    ASSERT_TRUE(authenticator.ok()) << authenticator.status();
    authenticator_ = *std::move(authenticator);
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeServerCredentials(options);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    service_ = std::make_unique<EchoIdentityService>(authenticator_.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }

  // A client certificate written to files, as ConnectOptions for it.
  ConnectOptions WithCertificate(const IssuedCertificate& issued) {
    const std::string name = absl::StrCat("client-", ++files_);
    return {.ca_file = ca_file_,
            .cert_file = dir_.Write(name + ".pem", issued.certificate_pem),
            .key_file = dir_.Write(name + ".key", issued.key_pem)};
  }

  CallResult Call(const ConnectOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::ConnectChecked(Target(), options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    if (!channel.ok()) return {grpc::Status(grpc::StatusCode::INTERNAL, "no channel"), {}};
    return CallOn(*channel);
  }

  static CallResult CallOn(const std::shared_ptr<grpc::Channel>& channel) {
    std::unique_ptr<v1::PictureService::Stub> stub = v1::PictureService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    CallResult result;
    v1::GetRequest request;
    request.set_name("organizations/zh-noord");
    result.status = stub->Get(&context, request, &result.response);
    return result;
  }

  std::string Target() const { return absl::StrCat("127.0.0.1:", port_); }

  PkiDirectory dir_;
  TestCa ca_;
  std::string server_certificate_;
  std::string server_key_;
  std::string ca_file_;
  int files_ = 0;
  int port_ = 0;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<EchoIdentityService> service_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(EndToEndTest, ValidCertificateIsTheOrganisationAndRole) {
  Start(TlsOptions());
  const IssuedCertificate hospital = ca_.IssueClient("zh-noord", "institution");
  CallResult result = Call(WithCertificate(hospital));
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.response.record().name(), "certificate");
  const v1::Actor& actor = result.response.record().updated_by();
  EXPECT_EQ(actor.organization_id(), "zh-noord");
  EXPECT_EQ(actor.role(), v1::ROLE_INSTITUTION);
  EXPECT_EQ(actor.subject(), absl::StrCat("cert:CN=zh-noord,OU=institution serial ", hospital.serial));
}

TEST_F(EndToEndTest, ServerNameOverrideForACertificateThatOnlyNamesLocalhost) {
  const IssuedCertificate localhost_only =
      ca_.IssueServer(ServerCertificateSpec{.dns_names = {"localhost"}, .ip_addresses = {}});
  server_certificate_ = dir_.Write("server.pem", localhost_only.certificate_pem);
  server_key_ = dir_.Write("server.key", localhost_only.key_pem);
  Start(TlsOptions());
  ConnectOptions options = WithCertificate(ca_.IssueClient("ghor-vr10", "ghor"));
  EXPECT_EQ(Call(options).status.error_code(), grpc::StatusCode::UNAVAILABLE) << "127.0.0.1 is not in the certificate";
  options.server_name = "localhost";
  CallResult result = Call(options);
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.response.record().updated_by().role(), v1::ROLE_GHOR);
}

TEST_F(EndToEndTest, TheHandshakeRefusesNoCertificateAnotherCaAndExpiredCertificates) {
  Start(TlsOptions());
  TestCa other("Unrelated CA");
  const std::pair<const char*, ConnectOptions> refused[] = {
      {"no certificate", {.ca_file = ca_file_}},
      {"another CA", WithCertificate(other.IssueClient("zh-noord", "institution"))},
      {"expired", WithCertificate(ca_.IssueClient(ClientCertificateSpec{.common_name = "zh-noord",
                                                                        .organizational_units = {"institution"},
                                                                        .not_before = absl::Now() - absl::Hours(48),
                                                                        .not_after = absl::Now() - absl::Hours(24)}))},
      {"not yet valid",
       WithCertificate(ca_.IssueClient(ClientCertificateSpec{.common_name = "zh-noord",
                                                             .organizational_units = {"institution"},
                                                             .not_before = absl::Now() + absl::Hours(24),
                                                             .not_after = absl::Now() + absl::Hours(48)}))},
  };
  for (const auto& [name, options] : refused) {
    CallResult result = Call(options);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << name << ": " << result.status.error_message();
  }
  // The server is fine: a good certificate still gets in.
  EXPECT_TRUE(Call(WithCertificate(ca_.IssueClient("zh-noord", "institution"))).status.ok());
}

TEST_F(EndToEndTest, AClientThatDoesNotTrustTheServerRefusesIt) {
  Start(TlsOptions());
  TestCa other("Unrelated CA");
  ConnectOptions options = WithCertificate(ca_.IssueClient("zh-noord", "institution"));
  options.ca_file = dir_.Write("other-ca.pem", other.certificate_pem());
  EXPECT_EQ(Call(options).status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(EndToEndTest, ACertificateWithoutRoleGetsInButIsUnauthenticated) {
  Start(TlsOptions());
  CallResult result = Call(WithCertificate(ca_.IssueClient(ClientCertificateSpec{.common_name = "zh-noord"})));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(result.status.error_message(), HasSubstr("no subject OU (the role"));
}

TEST_F(EndToEndTest, ARevokedCertificateIsUnauthenticated) {
  const IssuedCertificate revoked = ca_.IssueClient("vvt-polder", "institution");
  AuthenticatorOptions options = TlsOptions();
  options.tls.client_crl = dir_.Write("crl.pem", ca_.Crl({revoked.serial}));
  Start(options);
  CallResult result = Call(WithCertificate(revoked));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(result.status.error_message(), HasSubstr("certificate revoked"));
  EXPECT_THAT(result.status.error_message(), HasSubstr(revoked.serial));
  EXPECT_TRUE(Call(WithCertificate(ca_.IssueClient("vvt-duin", "institution"))).status.ok());
}

TEST_F(EndToEndTest, RevokingTakesEffectOnAnOpenConnectionWithoutRestart) {
  AuthenticatorOptions options = TlsOptions();
  options.tls.client_crl = dir_.Write("crl.pem", ca_.Crl({}));
  Start(options);
  const IssuedCertificate certificate = ca_.IssueClient("zh-kust", "institution");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      client::ConnectChecked(Target(), WithCertificate(certificate));
  ASSERT_TRUE(channel.ok());
  ASSERT_TRUE(CallOn(*channel).status.ok());

  dir_.Write("crl.pem", ca_.Crl({certificate.serial}));
  EXPECT_TRUE(Eventually([&] { return CallOn(*channel).status.error_code() == grpc::StatusCode::UNAUTHENTICATED; }));
  EXPECT_THAT(CallOn(*channel).status.error_message(), HasSubstr("certificate revoked"));
}

TEST_F(EndToEndTest, WithTokensOverTlsEitherCredentialWorks) {
  AuthenticatorOptions options = TlsOptions();
  options.tokens_file = dir_.Write("tokens", TokenLine("dispatch-token", "meldkamer-vr10", "dispatch", "koppeling") +
                                                 TokenLine("other-token", "zh-west", "institution", "west"));
  Start(options);

  CallResult token = Call({.ca_file = ca_file_, .token = "dispatch-token"});
  ASSERT_TRUE(token.status.ok()) << token.status.error_message();
  EXPECT_EQ(token.response.record().name(), "token");
  EXPECT_EQ(token.response.record().updated_by().organization_id(), "meldkamer-vr10");
  EXPECT_EQ(token.response.record().updated_by().role(), v1::ROLE_DISPATCH);
  EXPECT_EQ(token.response.record().updated_by().subject(), "token:koppeling");

  CallResult certificate = Call(WithCertificate(ca_.IssueClient("ghor-vr10", "ghor")));
  ASSERT_TRUE(certificate.status.ok()) << certificate.status.error_message();
  EXPECT_EQ(certificate.response.record().name(), "certificate");

  CallResult unknown = Call({.ca_file = ca_file_, .token = "guessed"});
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(unknown.status.error_message(), HasSubstr("unknown or revoked token"));

  CallResult nothing = Call({.ca_file = ca_file_});
  EXPECT_EQ(nothing.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(nothing.status.error_message(), HasSubstr("no credentials"));

  // Removing the line revokes the token, also on a channel that is already open.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      client::ConnectChecked(Target(), {.ca_file = ca_file_, .token = "other-token"});
  ASSERT_TRUE(channel.ok());
  ASSERT_TRUE(CallOn(*channel).status.ok());
  dir_.Write("tokens", TokenLine("dispatch-token", "meldkamer-vr10", "dispatch", "koppeling"));
  EXPECT_TRUE(Eventually([&] { return CallOn(*channel).status.error_code() == grpc::StatusCode::UNAUTHENTICATED; }));
  EXPECT_TRUE(Call({.ca_file = ca_file_, .token = "dispatch-token"}).status.ok());
}

TEST_F(EndToEndTest, TokensOverPlaintextLoopback) {
  AuthenticatorOptions options;
  options.tokens_file = dir_.Write("tokens", TokenLine("loopback-token", "zh-noord", "institution", "script"));
  Start(options);
  CallResult valid = Call({.token = "loopback-token"});
  ASSERT_TRUE(valid.status.ok()) << valid.status.error_message();
  EXPECT_EQ(valid.response.record().updated_by().subject(), "token:script");

  CallResult missing = Call({});
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(missing.status.error_message(), HasSubstr("send a bearer token"));

  EXPECT_EQ(Call({.token = "wrong"}).status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(EndToEndTest, DevelopmentModeNamesThePeer) {
  Start({});
  CallResult result = Call({});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  EXPECT_EQ(result.response.record().name(), "development");
  EXPECT_EQ(result.response.record().updated_by().role(), v1::ROLE_UNSPECIFIED);
  EXPECT_THAT(result.response.record().updated_by().subject(), StartsWith("ipv4:127.0.0.1:"));
}

}  // namespace
}  // namespace ketenbeeld::security
