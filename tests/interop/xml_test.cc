// Safe XML parsing (server/interop/xml.h): what an attacker's document cannot make the server do.
#include "server/interop/xml.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/interop/cap.h"
#include "server/interop/have.h"

namespace ketenbeeld::interop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The classic "billion laughs": ten levels of ten references each, 10^9 "lol"s once expanded.
std::string BillionLaughs(absl::string_view root) {
  std::string dtd = absl::StrCat("<?xml version=\"1.0\"?>\n<!DOCTYPE ", root, " [\n<!ENTITY lol \"lol\">\n");
  for (int level = 1; level <= 9; ++level) {
    std::string refs;
    for (int i = 0; i < 10; ++i) absl::StrAppend(&refs, "&lol", level == 1 ? "" : absl::StrCat(level - 1), ";");
    absl::StrAppend(&dtd, "<!ENTITY lol", level, " \"", refs, "\">\n");
  }
  return absl::StrCat(dtd, "]>\n<", root, ">&lol9;</", root, ">\n");
}

constexpr absl::string_view kExternalEntity =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE alert [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>&xxe;</identifier></alert>\n";

constexpr absl::string_view kExternalDtd =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE alert SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n"
    "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>\n";

constexpr absl::string_view kParameterEntity =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE alert [ <!ENTITY % remote SYSTEM \"file:///etc/passwd\"> %remote; ]>\n"
    "<alert/>\n";

TEST(XmlTest, ABillionLaughsIsRefusedAtTheDoctypeBeforeAnyEntityIsDeclared) {
  const absl::StatusOr<XmlDocument> parsed = ParseXml(BillionLaughs("alert"), "cap");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("cap: a document type declaration (<!DOCTYPE>) is not accepted"));
}

TEST(XmlTest, AnExternalEntityIsRefusedAndNeverResolved) {
  for (absl::string_view payload : {kExternalEntity, kExternalDtd, kParameterEntity}) {
    const absl::StatusOr<XmlDocument> parsed = ParseXml(payload, "cap");
    ASSERT_FALSE(parsed.ok()) << payload;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("document type declaration"));
    EXPECT_THAT(parsed.status().message(), Not(HasSubstr("root:")));  // Nothing of /etc/passwd leaks.
  }
}

TEST(XmlTest, TheImportersRefuseBombsAndExternalEntitiesToo) {
  for (const std::string& payload : {BillionLaughs("alert"), std::string(kExternalEntity)}) {
    const absl::StatusOr<CapImport> cap = CapToAlert(payload);
    ASSERT_FALSE(cap.ok());
    EXPECT_EQ(cap.status().code(), absl::StatusCode::kInvalidArgument);
  }
  const absl::StatusOr<HaveImport> have = HaveToStatus(BillionLaughs("HAVE"));
  ASSERT_FALSE(have.ok());
  EXPECT_THAT(have.status().message(), HasSubstr("have: a document type declaration"));
}

TEST(XmlTest, MalformedXmlIsRefusedWithTheLineAndLibxmlsReason) {
  const absl::StatusOr<XmlDocument> parsed = ParseXml("<alert>\n<info>\n</alert>", "cap");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("cap: line 3:"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("info"));
}

TEST(XmlTest, EmptyOversizedAndDeepDocumentsAreRefused) {
  EXPECT_THAT(ParseXml("", "cap").status().message(), HasSubstr("empty document"));
  const std::string big = absl::StrCat("<a>", std::string(2000, 'x'), "</a>");
  const absl::StatusOr<XmlDocument> oversized = ParseXml(big, "cap", XmlLimits{.max_bytes = 1000, .max_depth = 16});
  ASSERT_FALSE(oversized.ok());
  EXPECT_THAT(oversized.status().message(), HasSubstr("more than the 1000 accepted"));
  std::string deep;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&deep, "<a>");
  for (int i = 0; i < 40; ++i) absl::StrAppend(&deep, "</a>");
  const absl::StatusOr<XmlDocument> nested = ParseXml(deep, "cap");
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(nested.status().message(), HasSubstr("nest deeper than the 16 levels"));
  std::string shallow = "<a><b/><b><c><d/></c></b><b/></a>";
  EXPECT_TRUE(ParseXml(shallow, "cap", XmlLimits{.max_bytes = 1000, .max_depth = 4}).ok());
  EXPECT_FALSE(ParseXml(shallow, "cap", XmlLimits{.max_bytes = 1000, .max_depth = 3}).ok());
}

TEST(XmlTest, TheWriterEscapesMarkupAndDropsWhatXmlCannotCarry) {
  XmlWriter writer("urn:example", "root");
  writer.Add(writer.root(), "text", "a < b & c > d \"e\"\x01\x02 tab\tend");
  const std::string out = writer.Serialize();
  EXPECT_THAT(out, HasSubstr("a &lt; b &amp; c &gt; d"));
  const absl::StatusOr<XmlDocument> back = ParseXml(out, "test");
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << out;
  EXPECT_EQ(xml::ChildText(back->root(), "urn:example", "text"), "a < b & c > d \"e\" tab\tend");
}

// The importers run on many threads at once (gRPC and the HTTP gateway's call threads): the compiled schema is shared,
// each parse and validation has its own contexts. Under TSan (make test-tsan) this is the check that they do.
TEST(XmlTest, ImportsRunConcurrently) {
  const std::string bomb = BillionLaughs("alert");
  ketenbeeld::v1::Alert alert;
  alert.set_id("a");
  alert.set_headline("h");
  alert.set_urgency(ketenbeeld::v1::URGENCY_IMMEDIATE);
  alert.set_severity(ketenbeeld::v1::ALERT_SEVERITY_MINOR);
  alert.set_certainty(ketenbeeld::v1::CERTAINTY_OBSERVED);
  const absl::StatusOr<std::string> valid = AlertToCap(alert, CapExportOptions{.sender = "ketenbeeld:VR10"});
  ASSERT_TRUE(valid.ok()) << valid.status();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&bomb, &valid] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_TRUE(CapToAlert(*valid).ok());
        EXPECT_FALSE(CapToAlert(bomb).ok());
        EXPECT_FALSE(HaveToStatus("<HAVE xmlns=\"urn:oasis:names:tc:emergency:edxl:have:2.0\"/>").ok());
        EXPECT_FALSE(CapToAlert("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"/>").ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace ketenbeeld::interop
