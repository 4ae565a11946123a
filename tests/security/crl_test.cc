// CRL loading: serials listed, signature verified against the client CA, errors naming the file.
#include "server/security/crl.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/test_pki.h"

namespace ketenbeeld::security {
namespace {

using ::ketenbeeld::testing::IssuedCertificate;
using ::ketenbeeld::testing::PkiDirectory;
using ::ketenbeeld::testing::TestCa;
using ::testing::HasSubstr;

TEST(RevocationList, ListsTheRevokedSerialsOnly) {
  TestCa ca;
  const IssuedCertificate revoked = ca.IssueClient("vvt-polder", "institution");
  const IssuedCertificate valid = ca.IssueClient("vvt-duin", "institution");
  absl::StatusOr<RevocationList> list =
      RevocationList::Parse(ca.Crl({revoked.serial}), ca.certificate_pem(), "crl.pem");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 1u);
  EXPECT_TRUE(list->IsRevoked(revoked.serial));
  EXPECT_FALSE(list->IsRevoked(valid.serial));
  EXPECT_GT(list->next_update(), absl::Now());
}

TEST(RevocationList, AnEmptyCrlRevokesNothing) {
  TestCa ca;
  absl::StatusOr<RevocationList> list = RevocationList::Parse(ca.Crl({}), ca.certificate_pem(), "crl.pem");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 0u);
}

TEST(RevocationList, FindsTheIssuerInACaBundle) {
  TestCa ca;
  TestCa other("Another CA");
  const IssuedCertificate revoked = ca.IssueClient("zh-west", "institution");
  absl::StatusOr<RevocationList> list =
      RevocationList::Parse(ca.Crl({revoked.serial}), other.certificate_pem() + ca.certificate_pem(), "crl.pem");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->IsRevoked(revoked.serial));
}

TEST(RevocationList, ACrlOfAnotherCaIsRefused) {
  TestCa ca;
  TestCa other("Another CA");
  absl::StatusOr<RevocationList> list = RevocationList::Parse(other.Crl({}), ca.certificate_pem(), "/etc/crl.pem");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(list.status().message(), HasSubstr("/etc/crl.pem: "));
  EXPECT_THAT(list.status().message(), HasSubstr("not issued by the client CA"));
}

TEST(RevocationList, AForgedSignatureIsRefused) {
  // Same issuer name, different key: only the signature tells them apart.
  TestCa ca("Region CA");
  TestCa impostor("Region CA");
  absl::StatusOr<RevocationList> list = RevocationList::Parse(impostor.Crl({}), ca.certificate_pem(), "crl.pem");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(list.status().message(), HasSubstr("crl.pem: the signature of the CRL does not verify"));
}

TEST(RevocationList, GarbageAndMissingFilesAreNamed) {
  TestCa ca;
  absl::StatusOr<RevocationList> list = RevocationList::Parse("hello", ca.certificate_pem(), "crl.pem");
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(list.status().message(), HasSubstr("crl.pem: no PEM CRL"));

  PkiDirectory dir;
  list = RevocationList::ReadFiles(dir.path() + "/missing.crl", dir.Write("ca.pem", ca.certificate_pem()));
  EXPECT_EQ(list.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(list.status().message(), HasSubstr("missing.crl: cannot read the CRL"));
}

}  // namespace
}  // namespace ketenbeeld::security
