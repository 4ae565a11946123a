// The standard identifiers of an organisation (AGB, URA, KVK branch number, LRZa): their format checks in
// ValidateOrganization and ValidateFilter, the scheme table, and the identifier filter.
#include "server/domain/identifiers.h"

#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "server/domain/filter.h"
#include "server/domain/validation.h"
#include "tests/support/proto_text.h"

namespace ketenbeeld::domain {
namespace identifiers_test {

using ::ketenbeeld::testing::ParseTextProto;
using ::ketenbeeld::v1::Filter;
using ::ketenbeeld::v1::Organization;
using ::ketenbeeld::v1::Record;
using ::ketenbeeld::v1::StandardIdentifiers;

Organization IdentifiedOrganization() {
  return ParseTextProto<Organization>(R"pb(
    id: "mcl"
    name: "Medisch Centrum Leeuwarden"
    kind: ORGANIZATION_KIND_HOSPITAL
    safety_region: "VR02"
    identifiers { agb: "06010210" ura: "00015823" kvk_branch_number: "000012345678" lrza: "1234" }
  )pb");
}

Record RecordOf(const Organization& organization) {
  Record record;
  record.set_name("organizations/" + organization.id());
  record.set_kind(v1::ENTITY_KIND_ORGANIZATION);
  record.mutable_scope()->set_organization_id(organization.id());
  *record.mutable_organization() = organization;
  return record;
}

// The value of `field` in a message of StandardIdentifiers, set by reflection so that every scheme is tried alike.
void SetIdentifier(StandardIdentifiers& identifiers, absl::string_view field, const std::string& value) {
  const google::protobuf::FieldDescriptor* descriptor =
      StandardIdentifiers::descriptor()->FindFieldByName(std::string(field));
  ASSERT_NE(descriptor, nullptr) << field;
  identifiers.GetReflection()->SetString(&identifiers, descriptor, value);
}

TEST(IdentifierSchemesTest, CoverEveryFieldOfTheMessage) {
  const google::protobuf::Descriptor* message = StandardIdentifiers::descriptor();
  ASSERT_EQ(message->field_count(), static_cast<int>(std::size(kIdentifierSchemes)));
  for (const IdentifierScheme& scheme : kIdentifierSchemes) {
    const google::protobuf::FieldDescriptor* field = message->FindFieldByName(std::string(scheme.field));
    ASSERT_NE(field, nullptr) << scheme.field;
    StandardIdentifiers identifiers;
    SetIdentifier(identifiers, scheme.field, "42");
    EXPECT_EQ((identifiers.*scheme.value)(), "42") << scheme.field << ": the accessor reads another field";
  }
}

TEST(IdentifierValidationTest, WellFormedIdentifiersAreValid) {
  EXPECT_TRUE(ValidateOrganization(IdentifiedOrganization()).ok()) << ValidateOrganization(IdentifiedOrganization());
  Organization organization = IdentifiedOrganization();
  organization.mutable_identifiers()->Clear();  // Each one is optional.
  EXPECT_TRUE(ValidateOrganization(organization).ok());
  organization.mutable_identifiers()->set_lrza(std::string(20, '9'));
  EXPECT_TRUE(ValidateOrganization(organization).ok());
  organization.mutable_identifiers()->set_lrza("0");
  EXPECT_TRUE(ValidateOrganization(organization).ok());
}

struct BadValue {
  absl::string_view field;
  std::string value;
  std::string expected;  // The whole message.
};

TEST(IdentifierValidationTest, MalformedIdentifiersFailNamingTheField) {
  const BadValue cases[] = {
      {"agb", "0601021", "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"0601021\""},
      {"agb", "060102100", "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"060102100\""},
      {"agb", "0601021a", "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"0601021a\""},
      {"agb", "06 010210", "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"06 010210\""},
      {"agb", "-6010210", "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"-6010210\""},
      {"ura", "1582", "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"1582\""},
      {"ura", "0001582\xd9\xa3",
       "must be exactly 8 digits 0-9 (no spaces, dots or letters), got \"0001582\\xd9\\xa3\""},
      {"kvk_branch_number", "12345678", "must be exactly 12 digits 0-9 (no spaces, dots or letters), got \"12345678\""},
      {"kvk_branch_number", "0000.1234.5678",
       "must be exactly 12 digits 0-9 (no spaces, dots or letters), got \"0000.1234.5678\""},
      {"lrza", std::string(21, '1'),
       "must be 1 to 20 digits 0-9 (no spaces, dots or letters), got \"111111111111111111111\""},
      {"lrza", "LRZA-12", "must be 1 to 20 digits 0-9 (no spaces, dots or letters), got \"LRZA-12\""},
  };
  for (const BadValue& bad : cases) {
    Organization organization = IdentifiedOrganization();
    SetIdentifier(*organization.mutable_identifiers(), bad.field, bad.value);
    const absl::Status status = ValidateOrganization(organization);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad.field << " " << bad.value;
    EXPECT_EQ(status.message(), absl::StrCat("organization.identifiers.", bad.field, ": ", bad.expected));

    Filter filter;
    SetIdentifier(*filter.mutable_identifiers(), bad.field, bad.value);
    const absl::Status filter_status = ValidateFilter(filter);
    EXPECT_EQ(filter_status.code(), absl::StatusCode::kInvalidArgument) << bad.field << " " << bad.value;
    EXPECT_EQ(filter_status.message(), absl::StrCat("filter.identifiers.", bad.field, ": ", bad.expected));
  }
}

TEST(IdentifierValidationTest, FilterWithWellFormedIdentifiersIsValid) {
  const Filter filter = ParseTextProto<Filter>(R"pb(identifiers { agb: "06010210" lrza: "77" })pb");
  EXPECT_TRUE(ValidateFilter(filter).ok()) << ValidateFilter(filter);
}

TEST(SharedIdentifierTest, NamesTheFirstSchemeWithTheSameValue) {
  const StandardIdentifiers held = IdentifiedOrganization().identifiers();
  EXPECT_EQ(SharedIdentifier(held, StandardIdentifiers()), nullptr);
  EXPECT_EQ(SharedIdentifier(StandardIdentifiers(), StandardIdentifiers()), nullptr);  // Empty is "not known".

  StandardIdentifiers other;
  other.set_agb("06010211");
  other.set_kvk_branch_number("000012345678");
  const IdentifierScheme* shared = SharedIdentifier(other, held);
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->field, "kvk_branch_number");

  // The same digits under another register are a different identifier.
  StandardIdentifiers crossed;
  crossed.set_ura(held.agb());
  EXPECT_EQ(SharedIdentifier(crossed, held), nullptr);
}

TEST(IdentifierFilterTest, MatchesOnlyOrganisationsHoldingOneOfTheIdentifiers) {
  const Record mcl = RecordOf(IdentifiedOrganization());
  Organization plain = IdentifiedOrganization();
  plain.set_id("plain");
  plain.clear_identifiers();
  const Record without = RecordOf(plain);
  Record report;
  report.set_name("organizations/mcl/status");
  report.set_kind(v1::ENTITY_KIND_STATUS_REPORT);
  report.mutable_scope()->set_organization_id("mcl");

  const CompiledFilter by_agb(ParseTextProto<Filter>(R"pb(identifiers { agb: "06010210" })pb"));
  EXPECT_TRUE(by_agb.Matches(mcl));
  EXPECT_FALSE(by_agb.Matches(without));
  EXPECT_FALSE(by_agb.Matches(report)) << "an identifier filter selects organisations only";

  // Set fields are alternatives: one matching identifier is enough.
  const CompiledFilter either(
      ParseTextProto<Filter>(R"pb(identifiers { agb: "99999999" kvk_branch_number: "000012345678" })pb"));
  EXPECT_TRUE(either.Matches(mcl));
  const CompiledFilter neither(ParseTextProto<Filter>(R"pb(identifiers { agb: "99999999" ura: "99999999" })pb"));
  EXPECT_FALSE(neither.Matches(mcl));

  // An identifiers message with nothing set filters nothing; other lists still apply (AND).
  const CompiledFilter empty(ParseTextProto<Filter>(R"pb(identifiers {})pb"));
  EXPECT_TRUE(empty.Matches(report));
  const CompiledFilter other_org(ParseTextProto<Filter>(R"pb(organization_ids: "plain"
                                                             identifiers { agb: "06010210" })pb"));
  EXPECT_FALSE(other_org.Matches(mcl));

  v1::Event event;
  *event.mutable_record() = mcl;
  EXPECT_TRUE(by_agb.Matches(event));
  *event.mutable_record() = without;
  EXPECT_FALSE(by_agb.Matches(event));
}

}  // namespace identifiers_test
}  // namespace ketenbeeld::domain
