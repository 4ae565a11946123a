// Standard identifiers over the HTTP JSON API: they parse from either JSON naming, and a clash is 409 naming the
// field, so the form can mark the input.
#include <string>

#include "gtest/gtest.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "nlohmann/json.hpp"
#include "server/http/json_api.h"

namespace ketenbeeld::http {
namespace identifiers_http_test {

TEST(IdentifiersHttpTest, AlreadyExistsIs409NamingTheField) {
  const HttpError error = ToHttpError(absl::AlreadyExistsError(
      "organization.identifiers.agb: AGB \"06010210\" is already held by organisation \"zh-noord\""));
  EXPECT_EQ(error.http_status, 409);
  const nlohmann::json body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["code"], "ALREADY_EXISTS");
  EXPECT_EQ(body["field"], "organization.identifiers.agb");
}

TEST(IdentifiersHttpTest, IdentifiersParseFromProtoAndCamelCaseNames) {
  ketenbeeld::v1::RegisterOrganizationRequest request;
  ASSERT_TRUE(FromJson(R"({"organization": {"id": "zh", "identifiers": {"agb": "06010210",
                           "kvk_branch_number": "000012345678"}}})",
                       request)
                  .ok());
  EXPECT_EQ(request.organization().identifiers().agb(), "06010210");
  EXPECT_EQ(request.organization().identifiers().kvk_branch_number(), "000012345678");

  ketenbeeld::v1::ListRequest list;
  ASSERT_TRUE(FromJson(R"({"filter": {"identifiers": {"kvkBranchNumber": "000012345678"}}})", list).ok());
  EXPECT_EQ(list.filter().identifiers().kvk_branch_number(), "000012345678");
  // Output uses the proto names, as INVALID_ARGUMENT and ALREADY_EXISTS messages do.
  EXPECT_NE(ToJson(list).find("\"kvk_branch_number\":\"000012345678\""), std::string::npos) << ToJson(list);
}

}  // namespace identifiers_http_test
}  // namespace ketenbeeld::http
