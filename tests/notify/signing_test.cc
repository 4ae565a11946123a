// The webhook signature: HMAC-SHA256 as published test vectors say, and verification that accepts only the exact
// signature of the exact body.
#include "server/notify/signing.h"

#include "gtest/gtest.h"

namespace ketenbeeld::notify {
namespace signing_test {
namespace {

// RFC 4231, test case 2.
TEST(SigningTest, MatchesRfc4231TestCaseTwo) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231, test case 6: a key longer than the block size is hashed first.
TEST(SigningTest, MatchesRfc4231TestCaseSixWithALongKey) {
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(SigningTest, VerifiesOnlyTheExactSignatureOfTheExactBody) {
  const std::string body = R"({"id":"00000000000000000042-0000","title":"Alert: Hitteplan"})";
  const std::string header = SignatureHeaderValue("geheim-geheim-geheim", body);
  EXPECT_EQ(header.substr(0, 7), "sha256=");
  EXPECT_EQ(header.size(), 7u + 64u);
  EXPECT_TRUE(VerifySignature("geheim-geheim-geheim", body, header));
  EXPECT_FALSE(VerifySignature("ander-geheim-geheim", body, header));
  EXPECT_FALSE(VerifySignature("geheim-geheim-geheim", body + " ", header));
  EXPECT_FALSE(VerifySignature("geheim-geheim-geheim", body, header.substr(7)));
  EXPECT_FALSE(VerifySignature("geheim-geheim-geheim", body, ""));
}

}  // namespace
}  // namespace signing_test
}  // namespace ketenbeeld::notify
