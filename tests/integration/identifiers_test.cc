// Standard identifiers through the gRPC API: registered and read back, unique across the region (ALREADY_EXISTS
// naming the field), malformed ones refused (INVALID_ARGUMENT naming the field), and an organisation found by them
// with List and History (Filter.identifiers), as a dispatch centre would find "AGB 06010210".
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace identifiers_test {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Organization WithIdentifiers(const std::string& id, const std::string& agb, const std::string& ura,
                                 const std::string& kvk = "", const std::string& lrza = "") {
  v1::Organization organization = MakeOrganization(id);
  v1::StandardIdentifiers& identifiers = *organization.mutable_identifiers();
  identifiers.set_agb(agb);
  identifiers.set_ura(ura);
  identifiers.set_kvk_branch_number(kvk);
  identifiers.set_lrza(lrza);
  return organization;
}

// The names of the records a List with `identifiers` returns, and the call's status.
grpc::Status ListByIdentifiers(v1::PictureService::Stub& stub, const v1::StandardIdentifiers& identifiers,
                               std::vector<std::string>* names) {
  v1::ListRequest request;
  *request.mutable_filter()->mutable_identifiers() = identifiers;
  v1::ListResponse response;
  const grpc::Status status = stub.List(Deadline().get(), request, &response);
  names->clear();
  for (const v1::Record& record : response.records()) names->push_back(record.name());
  return status;
}

v1::StandardIdentifiers Agb(const std::string& agb) {
  v1::StandardIdentifiers identifiers;
  identifiers.set_agb(agb);
  return identifiers;
}

TEST(IdentifiersApiTest, RegisteredIdentifiersAreStoredAndFindTheOrganisation) {
  TestServer server;
  v1::WriteResponse registered;
  ASSERT_TRUE(
      Register(server.stub(), WithIdentifiers("zh-noord", "06010210", "00015823", "000012345678", "77"), &registered)
          .ok());
  EXPECT_EQ(registered.record().organization().identifiers().kvk_branch_number(), "000012345678");
  ASSERT_TRUE(Register(server.stub(), WithIdentifiers("zh-zuid", "06020304", "")).ok());
  ASSERT_TRUE(Register(server.stub(), MakeOrganization("ggd")).ok());
  ASSERT_TRUE(Report(server.stub(), MakeReport("zh-noord")).ok());  // Its status is not an organisation record.

  std::vector<std::string> names;
  ASSERT_TRUE(ListByIdentifiers(server.stub(), Agb("06010210"), &names).ok());
  EXPECT_THAT(names, ElementsAre("organizations/zh-noord"));

  v1::StandardIdentifiers by_ura;
  by_ura.set_ura("00015823");
  ASSERT_TRUE(ListByIdentifiers(server.stub(), by_ura, &names).ok());
  EXPECT_THAT(names, ElementsAre("organizations/zh-noord"));

  v1::StandardIdentifiers either;  // Set fields are alternatives.
  either.set_agb("06020304");
  either.set_lrza("77");
  ASSERT_TRUE(ListByIdentifiers(server.stub(), either, &names).ok());
  EXPECT_THAT(names, ElementsAre("organizations/zh-noord", "organizations/zh-zuid"));

  ASSERT_TRUE(ListByIdentifiers(server.stub(), Agb("99999999"), &names).ok());
  EXPECT_TRUE(names.empty());

  // History with the same filter: the registration events of the organisation only.
  v1::HistoryRequest history;
  *history.mutable_filter()->mutable_identifiers() = Agb("06020304");
  v1::HistoryResponse events;
  ASSERT_TRUE(server.stub().History(Deadline().get(), history, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).record().name(), "organizations/zh-zuid");
}

TEST(IdentifiersApiTest, AnIdentifierHeldByAnotherOrganisationIsAlreadyExistsAndWritesNothing) {
  TestServer server;
  ASSERT_TRUE(Register(server.stub(), WithIdentifiers("zh-noord", "06010210", "00015823")).ok());
  const int64_t revision = server.server().revision();

  const grpc::Status agb = Register(server.stub(), WithIdentifiers("zh-zuid", "06010210", ""));
  EXPECT_EQ(agb.error_code(), grpc::StatusCode::ALREADY_EXISTS) << agb.error_message();
  EXPECT_THAT(agb.error_message(), StartsWith("organization.identifiers.agb: "));
  EXPECT_THAT(agb.error_message(), HasSubstr("already held by organisation \"zh-noord\""));

  const grpc::Status ura = Register(server.stub(), WithIdentifiers("zh-zuid", "06099999", "00015823"));
  EXPECT_EQ(ura.error_code(), grpc::StatusCode::ALREADY_EXISTS) << ura.error_message();
  EXPECT_THAT(ura.error_message(), StartsWith("organization.identifiers.ura: "));

  EXPECT_EQ(server.server().revision(), revision);
  std::vector<std::string> names;
  ASSERT_TRUE(ListByIdentifiers(server.stub(), Agb("06010210"), &names).ok());
  EXPECT_THAT(names, ElementsAre("organizations/zh-noord"));

  // The holder itself may register again with its identifiers.
  EXPECT_TRUE(Register(server.stub(), WithIdentifiers("zh-noord", "06010210", "00015823")).ok());
}

TEST(IdentifiersApiTest, MalformedIdentifiersAreInvalidArgumentNamingTheField) {
  TestServer server;
  const grpc::Status short_agb = Register(server.stub(), WithIdentifiers("zh-noord", "0601021", ""));
  EXPECT_EQ(short_agb.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(short_agb.error_message(),
            "organization.identifiers.agb: must be exactly 8 digits 0-9 (no spaces, dots or letters), got "
            "\"0601021\"");
  const grpc::Status kvk = Register(server.stub(), WithIdentifiers("zh-noord", "", "", "12345678"));
  EXPECT_EQ(kvk.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(kvk.error_message(), StartsWith("organization.identifiers.kvk_branch_number: must be exactly 12"));
  EXPECT_EQ(server.server().revision(), 0) << "nothing may be written";

  std::vector<std::string> names;
  v1::StandardIdentifiers bad_filter;
  bad_filter.set_ura("URA-1");
  const grpc::Status listed = ListByIdentifiers(server.stub(), bad_filter, &names);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(listed.error_message(), StartsWith("filter.identifiers.ura: must be exactly 8 digits"));
}

}  // namespace identifiers_test
}  // namespace ketenbeeld::testing
