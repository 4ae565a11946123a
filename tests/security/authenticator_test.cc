// The Authenticator without the network: start-up errors, modes, the HTTP entry point, reloading the tokens file and
// the CRL, and the server credentials' start-up checks. (Calls through gRPC: end_to_end_test.cc.)
#include "server/security/authenticator.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/security/certificate.h"
#include "server/security/reloading_file.h"
#include "server/security/tokens.h"
#include "tests/security/test_pki.h"
#include "tests/security/token_line.h"
#include "tests/support/eventually.h"

namespace ketenbeeld::security {
namespace {

using ::ketenbeeld::testing::Eventually;
using ::ketenbeeld::testing::IssuedCertificate;
using ::ketenbeeld::testing::PkiDirectory;
using ::ketenbeeld::testing::TestCa;
using ::ketenbeeld::testing::TokenLine;
using ::testing::HasSubstr;

// TLS options with the server certificate and key and the client CA written to `dir`.
TlsOptions TlsFiles(const PkiDirectory& dir, const TestCa& ca, const IssuedCertificate& server) {
  TlsOptions tls;
  tls.server_certificate = dir.Write("server.pem", server.certificate_pem);
  tls.server_private_key = dir.Write("server.key", server.key_pem);
  tls.client_ca = dir.Write("ca.pem", ca.certificate_pem());
  return tls;
}

TEST(Authenticator, WithoutTlsOrTokensIsDevelopmentMode) {
  absl::StatusOr<std::unique_ptr<Authenticator>> authenticator = Authenticator::Create({});
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_TRUE((*authenticator)->development_mode());
  absl::StatusOr<Identity> identity = (*authenticator)->AuthenticateHttp("127.0.0.1:5555", "");
  ASSERT_TRUE(identity.ok());
  EXPECT_TRUE(identity->development());
  EXPECT_EQ(identity->subject, "http:127.0.0.1:5555");
  EXPECT_EQ(identity->role, v1::ROLE_UNSPECIFIED);
}

TEST(Authenticator, HttpAcceptsKnownTokensOnly) {
  PkiDirectory dir;
  AuthenticatorOptions options;
  options.tokens_file = dir.Write("tokens", TokenLine("s3cret", "meldkamer-vr10", "dispatch", "meldkamer koppeling"));
  absl::StatusOr<std::unique_ptr<Authenticator>> authenticator = Authenticator::Create(options);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_FALSE((*authenticator)->development_mode());

  absl::StatusOr<Identity> identity = (*authenticator)->AuthenticateHttp("127.0.0.1:1", "Bearer s3cret");
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->organization_id, "meldkamer-vr10");
  EXPECT_EQ(identity->role, v1::ROLE_DISPATCH);
  EXPECT_EQ(identity->subject, "token:meldkamer koppeling");
  EXPECT_EQ(identity->credential, Credential::kToken);

  const std::pair<const char*, const char*> refused[] = {
      {"", "no credentials"},
      {"Bearer wrong", "unknown or revoked token"},
      {"Basic czNjcmV0", "not \"Bearer <token>\""},
  };
  for (const auto& [header, message] : refused) {
    absl::StatusOr<Identity> result = (*authenticator)->AuthenticateHttp("127.0.0.1:1", header);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated) << header;
    EXPECT_THAT(result.status().message(), HasSubstr(message)) << header;
  }
}

TEST(Authenticator, HttpWithTlsButNoTokensRefusesEveryone) {
  PkiDirectory dir;
  TestCa ca;
  AuthenticatorOptions options;
  const IssuedCertificate server = ca.IssueServer();
  options.tls = TlsFiles(dir, ca, server);
  absl::StatusOr<std::unique_ptr<Authenticator>> authenticator = Authenticator::Create(options);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_FALSE((*authenticator)->development_mode());
  absl::StatusOr<Identity> result = (*authenticator)->AuthenticateHttp("127.0.0.1:1", "Bearer anything");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(result.status().message(), HasSubstr("bearer tokens only"));
}

TEST(Authenticator, RemovingATokenLineRevokesItWithoutRestart) {
  PkiDirectory dir;
  AuthenticatorOptions options;
  options.tokens_file = dir.Write(
      "tokens", TokenLine("keep", "zh-noord", "institution", "a") + TokenLine("drop", "zh-kust", "institution", "b"));
  std::unique_ptr<Authenticator> authenticator = *Authenticator::Create(options);
  ASSERT_TRUE(authenticator->AuthenticateHttp("p", "Bearer drop").ok());

  dir.Write("tokens", TokenLine("keep", "zh-noord", "institution", "a"));
  EXPECT_TRUE(Eventually([&] { return !authenticator->AuthenticateHttp("p", "Bearer drop").ok(); }));
  EXPECT_EQ(authenticator->AuthenticateHttp("p", "Bearer drop").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(authenticator->AuthenticateHttp("p", "Bearer keep").ok());
}

TEST(Authenticator, ABrokenTokensFileKeepsThePreviousVersionUntilFixed) {
  PkiDirectory dir;
  AuthenticatorOptions options;
  options.tokens_file = dir.Write("tokens", TokenLine("old", "zh-noord", "institution", "a"));
  std::unique_ptr<Authenticator> authenticator = *Authenticator::Create(options);

  dir.Write("tokens", "this line is broken\n" + TokenLine("new", "zh-noord", "institution", "a"));
  absl::SleepFor(absl::Milliseconds(2200));  // Two reload checks.
  EXPECT_TRUE(authenticator->AuthenticateHttp("p", "Bearer old").ok()) << "a typo must not lock everybody out";
  EXPECT_FALSE(authenticator->AuthenticateHttp("p", "Bearer new").ok());

  dir.Write("tokens", TokenLine("new", "zh-noord", "institution", "a"));
  EXPECT_TRUE(Eventually([&] { return authenticator->AuthenticateHttp("p", "Bearer new").ok(); }));
  EXPECT_FALSE(authenticator->AuthenticateHttp("p", "Bearer old").ok());
}

TEST(Authenticator, RevalidateSeesATokenWithdrawnOrChangedSinceItWasUsed) {
  PkiDirectory dir;
  AuthenticatorOptions options;
  options.tokens_file = dir.Write("tokens", TokenLine("keep", "zh-noord", "institution", "a") +
                                                TokenLine("drop", "zh-kust", "institution", "b") +
                                                TokenLine("demote", "ghor-vr10", "ghor", "c"));
  std::unique_ptr<Authenticator> authenticator = *Authenticator::Create(options);
  const Identity keep = *authenticator->AuthenticateHttp("p", "Bearer keep");
  const Identity drop = *authenticator->AuthenticateHttp("p", "Bearer drop");
  const Identity demote = *authenticator->AuthenticateHttp("p", "Bearer demote");
  EXPECT_TRUE(authenticator->Revalidate(keep).ok());
  EXPECT_TRUE(authenticator->Revalidate(drop).ok());

  // `drop` is withdrawn and `demote` now names another role: an identity established before no longer holds.
  dir.Write("tokens",
            TokenLine("keep", "zh-noord", "institution", "a") + TokenLine("demote", "ghor-vr10", "institution", "c"));
  EXPECT_TRUE(Eventually([&] { return !authenticator->Revalidate(drop).ok(); }));
  EXPECT_EQ(authenticator->Revalidate(drop).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(authenticator->Revalidate(drop).message(), HasSubstr("token revoked: token:b"));
  EXPECT_EQ(authenticator->Revalidate(demote).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(authenticator->Revalidate(keep).ok());
}

TEST(Authenticator, ADeletedTokensFileWithdrawsEveryTokenUntilItIsBack) {
  PkiDirectory dir;
  AuthenticatorOptions options;
  const std::string line = TokenLine("t", "zh-noord", "institution", "a");
  options.tokens_file = dir.Write("tokens", line);
  std::unique_ptr<Authenticator> authenticator = *Authenticator::Create(options);
  const Identity identity = *authenticator->AuthenticateHttp("p", "Bearer t");

  ASSERT_EQ(std::remove(options.tokens_file.c_str()), 0);
  EXPECT_TRUE(Eventually([&] { return !authenticator->AuthenticateHttp("p", "Bearer t").ok(); }));
  EXPECT_EQ(authenticator->Revalidate(identity).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(authenticator->development_mode()) << "a missing tokens file must not open the server";

  dir.Write("tokens", line);
  EXPECT_TRUE(Eventually([&] { return authenticator->AuthenticateHttp("p", "Bearer t").ok(); }));
  EXPECT_TRUE(authenticator->Revalidate(identity).ok());
}

TEST(Authenticator, RevalidateSeesACertificateRevokedSinceItWasUsed) {
  PkiDirectory dir;
  TestCa ca;
  const IssuedCertificate client = ca.IssueClient("zh-noord", "institution");
  AuthenticatorOptions options;
  options.tls = TlsFiles(dir, ca, ca.IssueServer());
  options.tls.client_crl = dir.Write("crl.pem", ca.Crl({}));
  std::unique_ptr<Authenticator> authenticator = *Authenticator::Create(options);
  // The identity as the gRPC handshake's certificate gives it.
  const Identity identity = ParseClientCertificate(client.certificate_pem)->identity;
  EXPECT_EQ(identity.credential_id, client.serial);
  EXPECT_TRUE(authenticator->Revalidate(identity).ok());

  dir.Write("crl.pem", ca.Crl({client.serial}));
  EXPECT_TRUE(Eventually([&] { return !authenticator->Revalidate(identity).ok(); }));
  EXPECT_EQ(authenticator->Revalidate(identity).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(authenticator->Revalidate(identity).message(), HasSubstr("revoked"));
  EXPECT_THAT(authenticator->Revalidate(identity).message(), HasSubstr(client.serial));
}

TEST(Authenticator, StartUpErrorsNameTheOptionAndFile) {
  PkiDirectory dir;
  TestCa ca;
  TestCa other("Other CA");
  const IssuedCertificate server = ca.IssueServer();
  AuthenticatorOptions tls;
  tls.tls = TlsFiles(dir, ca, server);

  AuthenticatorOptions bad_crl = tls;
  bad_crl.tls.client_crl = dir.Write("other.crl", other.Crl({}));
  absl::StatusOr<std::unique_ptr<Authenticator>> result = Authenticator::Create(bad_crl);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.client_crl: "));
  EXPECT_THAT(result.status().message(), HasSubstr("other.crl: the CRL is not issued by the client CA"));

  AuthenticatorOptions missing_crl = tls;
  missing_crl.tls.client_crl = dir.path() + "/missing.crl";
  result = Authenticator::Create(missing_crl);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.client_crl: "));
  EXPECT_THAT(result.status().message(), HasSubstr("missing.crl"));

  AuthenticatorOptions bad_tokens;
  bad_tokens.tokens_file = dir.Write("tokens", "# ok\n\nsha256:abc zh-noord institution x\n");
  result = Authenticator::Create(bad_tokens);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("tokens_file: "));
  EXPECT_THAT(result.status().message(), HasSubstr("/tokens:3: the token hash must be 64 hex digits"));

  AuthenticatorOptions no_ca = tls;
  no_ca.tls.client_ca.clear();
  result = Authenticator::Create(no_ca);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.client_ca: required with TLS"));
}

TEST(MakeServerCredentials, PlaintextWithoutTls) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeServerCredentials({});
  ASSERT_TRUE(credentials.ok());
  EXPECT_NE(*credentials, nullptr);
}

TEST(MakeServerCredentials, FileProblemsFailAtStartUpNamingTheOption) {
  PkiDirectory dir;
  TestCa ca;
  const IssuedCertificate server = ca.IssueServer();
  const IssuedCertificate other = ca.IssueServer();
  AuthenticatorOptions good;
  good.tls = TlsFiles(dir, ca, server);
  ASSERT_TRUE(MakeServerCredentials(good).ok());

  AuthenticatorOptions mismatched = good;
  mismatched.tls.server_private_key = dir.Write("other.key", other.key_pem);
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> result = MakeServerCredentials(mismatched);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.server_private_key: "));
  EXPECT_THAT(result.status().message(), HasSubstr("does not belong to the tls.server_certificate"));

  AuthenticatorOptions missing_ca = good;
  missing_ca.tls.client_ca = dir.path() + "/missing-ca.pem";
  result = MakeServerCredentials(missing_ca);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.client_ca: "));
  EXPECT_THAT(result.status().message(), HasSubstr("missing-ca.pem"));

  AuthenticatorOptions missing_certificate = good;
  missing_certificate.tls.server_certificate = dir.path() + "/missing.pem";
  result = MakeServerCredentials(missing_certificate);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.server_certificate: "));

  AuthenticatorOptions no_key = good;
  no_key.tls.server_private_key.clear();
  result = MakeServerCredentials(no_key);
  EXPECT_THAT(result.status().message(), HasSubstr("tls.server_private_key: required with TLS"));
}

TEST(ReloadingFile, ReloadsOnChangeOnlyAndRetriesAfterAFailedLoad) {
  PkiDirectory dir;
  const std::string path = dir.Write("value", "1");
  std::atomic<int> loads = 0;
  auto loader = [&loads](const std::string& file) -> absl::StatusOr<int> {
    ++loads;
    std::ifstream in(file);
    int value = 0;
    if (!(in >> value)) return absl::InvalidArgumentError("not a number");
    return value;
  };
  absl::StatusOr<std::unique_ptr<ReloadingFile<int>>> reloading =
      ReloadingFile<int>::Create(path, "value", loader, absl::ZeroDuration());
  ASSERT_TRUE(reloading.ok());
  EXPECT_EQ(*(*reloading)->Current(), 1);
  EXPECT_EQ(*(*reloading)->Current(), 1);
  EXPECT_EQ(loads, 1) << "an unchanged file is not loaded again";

  {
    std::ofstream rewrite(path, std::ios::trunc);  // In place: same inode, new size and mtime.
    rewrite << "22";
  }
  EXPECT_EQ(*(*reloading)->Current(), 22);
  EXPECT_EQ(loads, 2);

  dir.Write("value", "oops");
  EXPECT_EQ(*(*reloading)->Current(), 22);  // The last good value stays.
  EXPECT_EQ(*(*reloading)->Current(), 22);
  EXPECT_EQ(loads, 4) << "a failed load is retried at the next check";

  dir.Write("value", "3");
  EXPECT_EQ(*(*reloading)->Current(), 3);
}

TEST(ReloadingFile, AFirstLoadFailureIsReturned) {
  PkiDirectory dir;
  absl::StatusOr<std::unique_ptr<ReloadingFile<int>>> reloading = ReloadingFile<int>::Create(
      dir.Write("value", "x"), "value",
      [](const std::string&) -> absl::StatusOr<int> { return absl::InvalidArgumentError("value: bad"); });
  EXPECT_EQ(reloading.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reloading.status().message(), "value: bad");
}

}  // namespace
}  // namespace ketenbeeld::security
