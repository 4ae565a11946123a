// Contact endpoints: URL and address checks, secrets kept on registration and withheld from reads.
#include "server/domain/endpoints.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/validation.h"

namespace ketenbeeld::domain {
namespace endpoints_test {
namespace {

namespace v1 = ::ketenbeeld::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "s3cret-s3cret-s3cret";

v1::ContactEndpoint Webhook(const std::string& id, const std::string& url, const std::string& secret = kSecret) {
  v1::ContactEndpoint endpoint;
  endpoint.set_id(id);
  endpoint.mutable_webhook()->set_url(url);
  endpoint.mutable_webhook()->set_secret(secret);
  return endpoint;
}

v1::ContactEndpoint Email(const std::string& id, const std::string& address) {
  v1::ContactEndpoint endpoint;
  endpoint.set_id(id);
  endpoint.mutable_email()->set_address(address);
  return endpoint;
}

std::string Problem(const v1::ContactEndpoint& endpoint) {
  v1::Contact contact;
  *contact.add_endpoints() = endpoint;
  const absl::Status status = CheckEndpoints(contact, "organization.contact");
  return status.ok() ? "" : std::string(status.message());
}

TEST(EndpointsTest, HttpsWebhooksAndPlainHttpOnlyToLoopbackAreAccepted) {
  EXPECT_EQ(Problem(Webhook("alarm", "https://alarm.zorgcentrum.nl/ketenbeeld")), "");
  EXPECT_EQ(Problem(Webhook("alarm", "https://[2001:db8::1]:8443/hook")), "");
  EXPECT_EQ(Problem(Webhook("dev", "http://127.0.0.1:8080/hook")), "");
  EXPECT_EQ(Problem(Webhook("dev", "http://localhost/hook")), "");
  EXPECT_EQ(Problem(Webhook("dev", "http://[::1]:9/hook")), "");
}

TEST(EndpointsTest, BadWebhookUrlsAreRefusedNamingTheField) {
  const std::string field = "organization.contact.endpoints[0].webhook.url";
  EXPECT_THAT(Problem(Webhook("a", "http://alarm.zorgcentrum.nl/hook")), HasSubstr(field + ": "));
  EXPECT_THAT(Problem(Webhook("a", "http://alarm.zorgcentrum.nl/hook")), HasSubstr("must be https://"));
  EXPECT_THAT(Problem(Webhook("a", "ftp://alarm.zorgcentrum.nl/")), HasSubstr("must start with https://"));
  EXPECT_THAT(Problem(Webhook("a", "https://user:pw@alarm.zorgcentrum.nl/")), HasSubstr("user name or password"));
  EXPECT_THAT(Problem(Webhook("a", "https:///hook")), HasSubstr("no host"));
  EXPECT_THAT(Problem(Webhook("a", "https://alarm.nl:99999/")), HasSubstr("port"));
  EXPECT_THAT(Problem(Webhook("a", "https://alarm.nl/a b")), HasSubstr("spaces"));
  EXPECT_THAT(Problem(Webhook("a", "")), HasSubstr(field + ": required"));
}

TEST(EndpointsTest, SecretsOfTheWrongLengthAreRefusedWithoutQuotingThem) {
  const std::string message = Problem(Webhook("a", "https://alarm.nl/", "kort-geheim"));
  EXPECT_THAT(message, HasSubstr("organization.contact.endpoints[0].webhook.secret: must be 16..200 characters"));
  EXPECT_THAT(message, Not(HasSubstr("kort-geheim")));
}

TEST(EndpointsTest, EmailAddressesMustBeOneAddressWithoutHeaderTricks) {
  EXPECT_EQ(Problem(Email("mail", "crisis@zorgcentrum.nl")), "");
  const std::string field = "organization.contact.endpoints[0].email.address";
  EXPECT_THAT(Problem(Email("mail", "crisis@zorgcentrum.nl\r\nBcc: x@y.nl")), HasSubstr(field));
  EXPECT_THAT(Problem(Email("mail", "a@b.nl,c@d.nl")), HasSubstr(field));
  EXPECT_THAT(Problem(Email("mail", "zonder-apenstaart.nl")), HasSubstr(field));
  EXPECT_THAT(Problem(Email("mail", "a@localhost")), HasSubstr(field));
}

TEST(EndpointsTest, EndpointsNeedUniqueIdsAndOneTarget) {
  v1::Contact contact;
  *contact.add_endpoints() = Email("x", "a@b.nl");
  *contact.add_endpoints() = Email("x", "c@d.nl");
  EXPECT_THAT(std::string(CheckEndpoints(contact, "organization.contact").message()),
              HasSubstr("organization.contact.endpoints[1].id: duplicate"));
  v1::Contact empty;
  empty.add_endpoints()->set_id("leeg");
  EXPECT_THAT(std::string(CheckEndpoints(empty, "organization.contact").message()),
              HasSubstr("organization.contact.endpoints[0]: needs a webhook or an email target"));
}

TEST(EndpointsTest, ValidateOrganizationChecksTheEndpoints) {
  v1::Organization organization;
  organization.set_id("zc-3");
  organization.set_name("Zorgcentrum 3");
  organization.set_kind(v1::ORGANIZATION_KIND_NURSING_HOME);
  organization.set_safety_region("VR10");
  *organization.mutable_contact()->add_endpoints() = Webhook("a", "http://alarm.nl/");
  EXPECT_THAT(std::string(ValidateOrganization(organization, "organization").message()),
              HasSubstr("organization.contact.endpoints[0].webhook.url"));
}

TEST(EndpointsTest, ARegistrationWithoutSecretKeepsTheStoredOneForTheSameIdAndUrl) {
  v1::Organization stored;
  *stored.mutable_contact()->add_endpoints() = Webhook("alarm", "https://alarm.nl/hook");
  v1::Organization again;
  *again.mutable_contact()->add_endpoints() = Webhook("alarm", "https://alarm.nl/hook", "");
  ASSERT_TRUE(KeepSecrets(&stored, again).ok());
  EXPECT_EQ(again.contact().endpoints(0).webhook().secret(), kSecret);

  v1::Organization moved;
  *moved.mutable_contact()->add_endpoints() = Webhook("alarm", "https://elders.nl/hook", "");
  const absl::Status status = KeepSecrets(&stored, moved);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("organization.contact.endpoints[0].webhook.secret: required"));
  EXPECT_EQ(KeepSecrets(nullptr, moved).code(), absl::StatusCode::kInvalidArgument);
}

TEST(EndpointsTest, StripSecretsEmptiesEverySecretAndNothingElse) {
  v1::Record record;
  *record.mutable_organization()->mutable_contact()->add_endpoints() = Webhook("alarm", "https://alarm.nl/hook");
  *record.mutable_organization()->mutable_contact()->add_endpoints() = Email("mail", "crisis@zorg.nl");
  EXPECT_TRUE(HoldsSecrets(record));
  StripSecrets(record);
  EXPECT_FALSE(HoldsSecrets(record));
  EXPECT_EQ(record.organization().contact().endpoints(0).webhook().url(), "https://alarm.nl/hook");
  EXPECT_EQ(record.organization().contact().endpoints(1).email().address(), "crisis@zorg.nl");
  EXPECT_EQ(record.SerializeAsString().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace endpoints_test
}  // namespace ketenbeeld::domain
