// deploy/dev-certs.sh and deploy/issue-token.sh produce files the server accepts: certificates that name the demo
// organisations and roles, a CRL signed by the CA that lists a revoked certificate, a tokens line that authenticates.
// Runs the scripts (needs bash and the openssl CLI).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/security/authenticator.h"
#include "server/security/certificate.h"
#include "server/security/crl.h"
#include "server/security/files.h"
#include "tests/security/test_pki.h"

namespace ketenbeeld::security {
namespace {

using ::ketenbeeld::testing::PkiDirectory;

// Runs `command` with bash; returns its stdout, and its exit status in `exit_status`.
std::string RunShell(const std::string& command, int* exit_status) {
  std::string output;
  std::FILE* pipe = popen(absl::StrCat("bash -c '", command, "' 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) {
    *exit_status = -1;
    return output;
  }
  char buffer[4096];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, read);
  *exit_status = pclose(pipe);
  return output;
}

class DevCertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
  }
  std::string Script(const std::string& name) const { return absl::StrCat(KETENBEELD_SOURCE_DIR, "/deploy/", name); }
  std::string File(const std::string& name) const { return absl::StrCat(dir_.path(), "/", name); }
  PkiDirectory dir_;
};

TEST_F(DevCertsTest, CertificatesNameTheDemoOrganisationsAndTheServerAcceptsThem) {
  int status = 0;
  RunShell(absl::StrCat(Script("dev-certs.sh"), " ", dir_.path(), " VR10"), &status);
  ASSERT_EQ(status, 0);

  const std::pair<const char*, v1::Role> expected[] = {
      {"ghor-vr10", v1::ROLE_GHOR},         {"meldkamer-vr10", v1::ROLE_DISPATCH},
      {"zh-noord", v1::ROLE_INSTITUTION},   {"zh-kust", v1::ROLE_INSTITUTION},
      {"zh-west", v1::ROLE_INSTITUTION},    {"vvt-duin", v1::ROLE_INSTITUTION},
      {"vvt-polder", v1::ROLE_INSTITUTION}, {"bestuur-vr10", v1::ROLE_BESTUUR},
      {"beheer", v1::ROLE_OPERATOR},        {"federatie-vr10", v1::ROLE_FEDERATION},
  };
  for (const auto& [name, role] : expected) {
    absl::StatusOr<std::string> pem = ReadWholeFile(File(absl::StrCat(name, ".pem")), "certificate");
    ASSERT_TRUE(pem.ok()) << pem.status();
    absl::StatusOr<ClientCertificate> certificate = ParseClientCertificate(*pem);
    ASSERT_TRUE(certificate.ok()) << name << ": " << certificate.status();
    EXPECT_EQ(certificate->identity.organization_id, name);
    EXPECT_EQ(certificate->identity.role, role) << name;
    // New certificates carry the current role word, not a deprecated one ("administration", "admin").
    EXPECT_THAT(certificate->identity.subject, ::testing::HasSubstr(absl::StrCat(",OU=", RoleWord(role), " serial ")))
        << name;
  }

  AuthenticatorOptions options;
  options.tls.server_certificate = File("server.pem");
  options.tls.server_private_key = File("server.key");
  options.tls.client_ca = File("ca.pem");
  options.tls.client_crl = File("crl.pem");
  EXPECT_TRUE(MakeServerCredentials(options).ok()) << MakeServerCredentials(options).status();
  EXPECT_TRUE(Authenticator::Create(options).ok()) << Authenticator::Create(options).status();

  absl::StatusOr<RevocationList> crl = RevocationList::ReadFiles(File("crl.pem"), File("ca.pem"));
  ASSERT_TRUE(crl.ok()) << crl.status();
  EXPECT_EQ(crl->size(), 0u);

  // Running it again keeps the CA (idempotent): certificates issued before still verify against it.
  const std::string ca_before = *ReadWholeFile(File("ca.pem"), "CA");
  RunShell(absl::StrCat(Script("dev-certs.sh"), " ", dir_.path(), " VR10"), &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(*ReadWholeFile(File("ca.pem"), "CA"), ca_before);

  RunShell(absl::StrCat(Script("dev-certs.sh"), " revoke ", dir_.path(), " vvt-polder"), &status);
  ASSERT_EQ(status, 0);
  crl = RevocationList::ReadFiles(File("crl.pem"), File("ca.pem"));
  ASSERT_TRUE(crl.ok()) << crl.status();
  EXPECT_EQ(crl->size(), 1u);
  EXPECT_TRUE(crl->IsRevoked(ParseClientCertificate(*ReadWholeFile(File("vvt-polder.pem"), "c"))->serial));
  EXPECT_FALSE(crl->IsRevoked(ParseClientCertificate(*ReadWholeFile(File("vvt-duin.pem"), "c"))->serial));
}

TEST_F(DevCertsTest, IssuedTokenAuthenticates) {
  int status = 0;
  const std::string token =
      std::string(absl::StripAsciiWhitespace(RunShell(absl::StrCat(Script("issue-token.sh"), " --file ", File("tokens"),
                                                                   " meldkamer-vr10 dispatch Meldkamer koppeling"),
                                                      &status)));
  ASSERT_EQ(status, 0);
  EXPECT_EQ(token.size(), 64u);

  AuthenticatorOptions options;
  options.tokens_file = File("tokens");
  absl::StatusOr<std::unique_ptr<Authenticator>> authenticator = Authenticator::Create(options);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  absl::StatusOr<Identity> identity = (*authenticator)->AuthenticateHttp("127.0.0.1:1", "Bearer " + token);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(identity->organization_id, "meldkamer-vr10");
  EXPECT_EQ(identity->role, v1::ROLE_DISPATCH);
  EXPECT_EQ(identity->subject, "token:Meldkamer koppeling");

  RunShell(absl::StrCat(Script("issue-token.sh"), " --file ", File("tokens"), " zh-noord nurse x"), &status);
  EXPECT_NE(status, 0) << "an unknown role is refused before anything is written";
}

}  // namespace
}  // namespace ketenbeeld::security
