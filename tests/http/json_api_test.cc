// The gateway's pure helpers: how a status becomes an HTTP answer, which field an error names, who is calling.
#include "server/http/json_api.h"

#include <cstdio>
#include <fstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/http/assets.h"
#include "server/http/identity.h"
#include "server/security/tokens.h"

namespace ketenbeeld::http {
namespace {

TEST(FieldPathOf, TakesThePathAnInvalidArgumentMessageStartsWith) {
  EXPECT_EQ(FieldPathOf("report.capacity[2].available: must be 0..100000, got 200000"), "report.capacity[2].available");
  EXPECT_EQ(FieldPathOf("alert_id: must not be empty"), "alert_id");
  EXPECT_EQ(FieldPathOf("offer.quantity: must be 1..100000"), "offer.quantity");
}

TEST(FieldPathOf, IgnoresMessagesThatDoNotStartWithAPath) {
  EXPECT_EQ(FieldPathOf("organisation \"x\" is not registered"), "");
  EXPECT_EQ(FieldPathOf("request: not a valid ketenbeeld.v1.ReportStatusRequest in JSON: ..."), "");
  EXPECT_EQ(FieldPathOf("Report.Capacity: upper case is not a proto path"), "");
  EXPECT_EQ(FieldPathOf(": empty path"), "");
  EXPECT_EQ(FieldPathOf("no colon at all"), "");
}

TEST(ToHttpError, InvalidArgumentIs400WithCodeMessageAndField) {
  const HttpError error =
      ToHttpError(absl::InvalidArgumentError("report.capacity[0].available: must be 0..100000, got -1"));
  EXPECT_EQ(error.http_status, 400);
  const nlohmann::json body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(body["field"], "report.capacity[0].available");
  EXPECT_EQ(body["message"], "report.capacity[0].available: must be 0..100000, got -1");
}

TEST(ToHttpError, OtherCodesHaveNoFieldAndTheirHttpStatus) {
  const nlohmann::json aborted = nlohmann::json::parse(ToHttpError(absl::AbortedError("x: stale")).body);
  EXPECT_EQ(aborted["code"], "ABORTED");
  EXPECT_FALSE(aborted.contains("field"));
  EXPECT_EQ(ToHttpError(absl::AbortedError("stale")).http_status, 409);
  EXPECT_EQ(ToHttpError(absl::NotFoundError("gone")).http_status, 404);
  EXPECT_EQ(ToHttpError(absl::FailedPreconditionError("closed")).http_status, 400);
  EXPECT_EQ(ToHttpError(absl::UnavailableError("stopping")).http_status, 503);
  EXPECT_EQ(ToHttpError(absl::ResourceExhaustedError("big")).http_status, 429);
  EXPECT_EQ(ToHttpError(absl::PermissionDeniedError("no")).http_status, 403);
  EXPECT_EQ(ToHttpError(absl::DataLossError("disk")).http_status, 500);
}

TEST(ToHttpError, MessagesThatAreNotUtf8StillGiveValidJson) {
  const HttpError error = ToHttpError(absl::InvalidArgumentError("name: bad byte \xff here"));
  EXPECT_TRUE(nlohmann::json::accept(error.body)) << error.body;
}

TEST(FromJson, EmptyBodyIsTheEmptyMessageAndUnknownFieldsAreRefused) {
  ketenbeeld::v1::GetRequest request;
  request.set_name("x");
  EXPECT_TRUE(FromJson("  ", request).ok());
  EXPECT_EQ(request.name(), "");
  const absl::Status unknown = FromJson(R"({"nmae":"organizations/a"})", request);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message().substr(0, 9), "request: ");
  EXPECT_TRUE(FromJson(R"({"name":"organizations/a","revision":"3"})", request).ok());
  EXPECT_EQ(request.revision(), 3);
}

TEST(ToJson, PrintsProtoFieldNamesAndKeepsReportedZeros) {
  ketenbeeld::v1::Capacity capacity;
  capacity.set_type(ketenbeeld::v1::BED_TYPE_IC_ADULT);
  capacity.set_available(0);  // Reported as zero: must be printed.
  capacity.set_surge_24h(4);  // occupied, baseline, surge_72h: not reported, must be absent.
  const nlohmann::json json = nlohmann::json::parse(ToJson(capacity));
  EXPECT_EQ(json["type"], "BED_TYPE_IC_ADULT");
  EXPECT_EQ(json["available"], 0);
  EXPECT_EQ(json["surge_24h"], 4);
  EXPECT_FALSE(json.contains("occupied"));
  EXPECT_FALSE(json.contains("baseline"));
}

TEST(IdentifyCaller, DevelopmentModeRecordsThePeerAddressWithTheTransport) {
  absl::StatusOr<std::unique_ptr<security::Authenticator>> authenticator = security::Authenticator::Create({});
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  policy::RateLimiter rate(1);
  absl::StatusOr<security::Identity> v4 =
      IdentifyCaller(**authenticator, rate, {.remote_address = "127.0.0.1", .remote_port = 5050, .headers = {}});
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_TRUE(v4->development());
  EXPECT_EQ(v4->subject, "http:127.0.0.1:5050");
  EXPECT_EQ(v4->role, ketenbeeld::v1::ROLE_UNSPECIFIED);
  EXPECT_EQ(IdentifyCaller(**authenticator, rate, {.remote_address = "::1", .remote_port = 7, .headers = {}})->subject,
            "http:[::1]:7");
}

TEST(IdentifyCaller, WithTokensTheHeaderOrTheFeedsQueryParameterIdentifiesTheCaller) {
  const std::string tokens = ::testing::TempDir() + "/json_api_test_tokens";
  std::ofstream(tokens) << "sha256:" << security::TokenHash("s3cret") << " ziekenhuis-a institution form\n";
  absl::StatusOr<std::unique_ptr<security::Authenticator>> authenticator =
      security::Authenticator::Create({.tls = {}, .tokens_file = tokens});
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  policy::RateLimiter rate(100);
  const CallerInfo base{.remote_address = "127.0.0.1", .remote_port = 1, .headers = {}};

  CallerInfo header = base;
  header.headers["authorization"] = "Bearer s3cret";
  absl::StatusOr<security::Identity> by_header = IdentifyCaller(**authenticator, rate, header);
  ASSERT_TRUE(by_header.ok()) << by_header.status();
  EXPECT_EQ(by_header->organization_id, "ziekenhuis-a");
  EXPECT_EQ(by_header->role, ketenbeeld::v1::ROLE_INSTITUTION);

  CallerInfo parameter = base;
  parameter.access_token = "s3cret";
  EXPECT_TRUE(IdentifyCaller(**authenticator, rate, parameter).ok());

  EXPECT_EQ(IdentifyCaller(**authenticator, rate, base).status().code(), absl::StatusCode::kUnauthenticated);
  CallerInfo wrong = base;
  wrong.headers["authorization"] = "Bearer guessed";
  EXPECT_EQ(IdentifyCaller(**authenticator, rate, wrong).status().code(), absl::StatusCode::kUnauthenticated);
  std::remove(tokens.c_str());
}

TEST(Assets, TheDashboardAndTheFormAreEmbeddedAndNothingOutsideIsServed) {
  const std::optional<Asset> index = FindAsset("/", "");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->content.find("/js/dashboard.js"), std::string::npos);
  ASSERT_TRUE(FindAsset("/form.html", "").has_value());
  EXPECT_EQ(FindAsset("/js/feed.js", "")->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(FindAsset("/../server/http/gateway.cc", "").has_value());
  EXPECT_FALSE(FindAsset("/js/../index.html", "").has_value());
  EXPECT_FALSE(FindAsset("/.git/config", "/").has_value());
  EXPECT_FALSE(FindAsset("/etc/passwd", "").has_value());
}

// The map library comes from the binary like every other file of the dashboard (no CDN), with its licence.
TEST(Assets, TheMapLibraryIsEmbeddedWithItsLicence) {
  const std::optional<Asset> leaflet = FindAsset("/vendor/leaflet/leaflet.js", "");
  ASSERT_TRUE(leaflet.has_value());
  EXPECT_EQ(leaflet->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(leaflet->content.find("Leaflet 1.9.4"), std::string::npos);
  ASSERT_TRUE(FindAsset("/vendor/leaflet/leaflet.css", "").has_value());
  const std::optional<Asset> licence = FindAsset("/vendor/leaflet/LICENSE.txt", "");
  ASSERT_TRUE(licence.has_value());
  EXPECT_EQ(licence->content_type, "text/plain; charset=utf-8");
  EXPECT_NE(licence->content.find("Redistribution and use"), std::string::npos);
  const std::optional<Asset> index = FindAsset("/", "");
  ASSERT_TRUE(index.has_value());
  EXPECT_NE(index->content.find("/vendor/leaflet/leaflet.js"), std::string::npos);
  EXPECT_EQ(index->content.find("https://"), std::string::npos) << "the dashboard loads nothing from elsewhere";
}

}  // namespace
}  // namespace ketenbeeld::http
