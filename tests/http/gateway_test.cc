// The HTTP gateway of a real in-process server, through sockets on 127.0.0.1: the JSON API maps onto the same
// service layer as gRPC (writes through one arrive through the other), errors name their field, the live feed speaks
// the Subscribe protocol as Server-Sent Events with resume by Last-Event-ID, and the loopback/CSRF rules hold.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "ketenbeeld/v1/exercise_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/security/token_line.h"
#include "tests/support/raw_socket.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using nlohmann::json;

constexpr char kReportStatus[] = "/api/ketenbeeld.v1.PictureService/ReportStatus";
constexpr char kRegister[] = "/api/ketenbeeld.v1.PictureService/RegisterOrganization";
constexpr char kList[] = "/api/ketenbeeld.v1.PictureService/List";
constexpr char kSubscribe[] = "/api/ketenbeeld.v1.PictureService/Subscribe";

struct SseFrame {
  std::string event;
  std::string id;  // Empty when the frame has none.
  json data;
};

// Reads a Server-Sent Events stream on its own thread and keeps every frame.
class SseReader {
 public:
  SseReader(int port, std::string path, httplib::Headers headers = {}) : client_("127.0.0.1", port) {
    client_.set_read_timeout(10, 0);
    thread_ = std::thread([this, path = std::move(path), headers = std::move(headers)] {
      auto result = client_.Get(path, headers, [this](const char* data, size_t length) {
        absl::MutexLock lock(&mu_);
        buffer_.append(data, length);
        for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
          SseFrame frame;
          for (absl::string_view line : absl::StrSplit(absl::string_view(buffer_).substr(0, end), '\n')) {
            if (absl::ConsumePrefix(&line, "event: ")) frame.event = std::string(line);
            if (absl::ConsumePrefix(&line, "id: ")) frame.id = std::string(line);
            if (absl::ConsumePrefix(&line, "data: ")) frame.data = json::parse(line);
          }
          frames_.push_back(std::move(frame));
          buffer_.erase(0, end + 2);
        }
        return !stop_.load();
      });
      absl::MutexLock lock(&mu_);
      ended_ = true;
      if (result) status_ = result->status;
    });
  }
  ~SseReader() {
    stop_ = true;
    client_.stop();
    thread_.join();
  }

  bool WaitFor(const std::function<bool(const std::vector<SseFrame>&)>& done,
               absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(frames_) || ended_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return done(frames_);
  }
  // Waits for a frame of this kind; returns its index or -1.
  int WaitForEvent(const std::string& event, absl::Duration timeout = absl::Seconds(10)) {
    int index = -1;
    WaitFor(
        [&](const std::vector<SseFrame>& frames) {
          for (size_t i = 0; i < frames.size(); ++i) {
            if (frames[i].event == event) {
              index = static_cast<int>(i);
              return true;
            }
          }
          return false;
        },
        timeout);
    return index;
  }
  bool WaitForEnd(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout);
  }
  std::vector<SseFrame> frames() {
    absl::MutexLock lock(&mu_);
    return frames_;
  }
  int status() {
    absl::MutexLock lock(&mu_);
    return status_;
  }
  // Every event of every `events` frame, in order.
  std::vector<json> events() {
    std::vector<json> events;
    for (const SseFrame& frame : frames()) {
      if (frame.event != "events") continue;
      for (const json& event : frame.data["events"]) events.push_back(event);
    }
    return events;
  }

 private:
  httplib::Client client_;
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::string buffer_ ABSL_GUARDED_BY(mu_);
  std::vector<SseFrame> frames_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  int status_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

int64_t Revision(const json& value) {
  int64_t revision = 0;
  if (value.is_string()) {
    EXPECT_TRUE(absl::SimpleAtoi(value.get<std::string>(), &revision));
  }
  if (value.is_number()) revision = value.get<int64_t>();
  return revision;
}

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest()
      : server_([](app::ServerOptions& options) { options.http_listen_address = "127.0.0.1:0"; }),
        client_("127.0.0.1", server_.server().http_port()) {
    client_.set_read_timeout(10, 0);
  }

  httplib::Result Post(const std::string& path, const json& body) {
    return client_.Post(path.c_str(), body.dump(), "application/json");
  }
  // A write through the JSON API that must succeed; returns its revision.
  int64_t PostOk(const std::string& path, const json& body) {
    httplib::Result result = Post(path, body);
    EXPECT_TRUE(result) << "no answer";
    if (!result) return 0;
    EXPECT_EQ(result->status, 200) << result->body;
    return Revision(json::parse(result->body)["revision"]);
  }
  int64_t RegisterOverHttp(const std::string& id) {
    return PostOk(kRegister, {{"organization",
                               {{"id", id},
                                {"name", absl::StrCat("Zorg ", id)},
                                {"kind", "ORGANIZATION_KIND_NURSING_HOME"},
                                {"safety_region", "VR10"}}}});
  }
  int port() { return server_.server().http_port(); }

  TestServer server_;
  httplib::Client client_;
};

TEST_F(GatewayTest, AWriteOverHttpIsReadOverGrpcAndTheActorIsTheHttpPeer) {
  ASSERT_GT(port(), 0);
  const int64_t registered = RegisterOverHttp("vvt-duinrand");
  EXPECT_EQ(registered, 1);
  const int64_t reported = PostOk(
      kReportStatus, {{"report",
                       {{"organization_id", "vvt-duinrand"},
                        {"overall_status", "OVERALL_STATUS_STRAINED"},
                        {"capacity", {{{"type", "BED_TYPE_NURSING_HOME"}, {"available", 0}, {"baseline", 40}}}}}}});
  EXPECT_EQ(reported, 2);

  grpc::ClientContext context;
  ketenbeeld::v1::GetRequest request;
  request.set_name("organizations/vvt-duinrand/status");
  ketenbeeld::v1::GetResponse response;
  ASSERT_TRUE(server_.stub().Get(&context, request, &response).ok());
  const ketenbeeld::v1::StatusReport& report = response.record().status_report();
  EXPECT_EQ(report.overall_status(), ketenbeeld::v1::OVERALL_STATUS_STRAINED);
  ASSERT_EQ(report.capacity_size(), 1);
  EXPECT_TRUE(report.capacity(0).has_available());  // Reported zero stays a reported zero.
  EXPECT_EQ(report.capacity(0).available(), 0);
  EXPECT_FALSE(report.capacity(0).has_occupied());
  EXPECT_EQ(response.record().mod_revision(), 2);
  EXPECT_TRUE(absl::StartsWith(response.record().updated_by().subject(), "http:127.0.0.1:"))
      << response.record().updated_by().subject();
}

// ReserveBed's request_id passes through the JSON API, and its answer says when a retry was answered with the
// reservation made before (`replayed`), nothing committed.
TEST_F(GatewayTest, AReservationRetriedOverHttpIsAnsweredWithTheOriginal) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("zh-noord")).ok());
  ASSERT_TRUE(Report(server_.stub(), MakeReport("zh-noord", 2)).ok());
  const json reserve = {{"organization_id", "zh-noord"},
                        {"bed_type", "BED_TYPE_IC_ADULT"},
                        {"request_id", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"}};
  const std::string path = "/api/ketenbeeld.v1.AssistanceService/ReserveBed";
  httplib::Result first = Post(path, reserve);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const json made = json::parse(first->body);
  EXPECT_FALSE(made.value("replayed", false));
  httplib::Result again = Post(path, reserve);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  const json retried = json::parse(again->body);
  EXPECT_TRUE(retried.value("replayed", false)) << again->body;
  EXPECT_EQ(Revision(retried["revision"]), Revision(made["revision"]));
  EXPECT_EQ(retried["record"]["name"], made["record"]["name"]);
  EXPECT_EQ(retried["record"]["bed_reservation"]["request_id"], "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b");
}

TEST_F(GatewayTest, AWriteOverGrpcIsReadOverHttpInProtoJson) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("zh-noord")).ok());
  ASSERT_TRUE(Report(server_.stub(), MakeReport("zh-noord", 0)).ok());
  httplib::Result result = Post("/api/ketenbeeld.v1.PictureService/Get", {{"name", "organizations/zh-noord/status"}});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  const json body = json::parse(result->body);
  EXPECT_EQ(Revision(body["revision"]), 2);
  const json& report = body["record"]["status_report"];
  EXPECT_EQ(report["organization_id"], "zh-noord");
  EXPECT_EQ(report["capacity"][0]["available"], 0);  // Proto field names, and the zero is there.
  EXPECT_TRUE(report.contains("commit_time"));
}

// The exchange formats over the JSON API: the document is a JSON string; export, import and a refusal naming the
// element (docs/interoperability.md).
TEST_F(GatewayTest, HaveDocumentsTravelAsJsonStringsBothWays) {
  ASSERT_TRUE(Register(server_.stub(), MakeOrganization("zh-noord")).ok());
  ASSERT_TRUE(Report(server_.stub(), MakeReport("zh-noord", 3)).ok());
  httplib::Result exported =
      Post("/api/ketenbeeld.v1.InteropService/ExportStatusHave", {{"organization_id", "zh-noord"}});
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->status, 200) << exported->body;
  const std::string xml = json::parse(exported->body)["xml"];
  EXPECT_THAT(xml, ::testing::HasSubstr("<availableCount>3</availableCount>"));

  const std::string changed = absl::StrReplaceAll(xml, {{"<availableCount>3<", "<availableCount>5<"}});
  httplib::Result imported = Post("/api/ketenbeeld.v1.InteropService/ImportStatusHave", {{"xml", changed}});
  ASSERT_TRUE(imported);
  ASSERT_EQ(imported->status, 200) << imported->body;
  EXPECT_EQ(json::parse(imported->body)["written"]["record"]["status_report"]["capacity"][0]["available"], 5);

  const std::string unknown = absl::StrReplaceAll(xml, {{"<bedType>AdultICU<", "<bedType>Helipad<"}});
  httplib::Result refused = Post("/api/ketenbeeld.v1.InteropService/ImportStatusHave", {{"xml", unknown}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_THAT(std::string(json::parse(refused->body)["message"]),
              ::testing::HasSubstr("/HAVE/facility/bedCapacityStatus/bedCapacity/bedType: unknown bed type"));
}

TEST_F(GatewayTest, InvalidArgumentNamesTheFieldOfTheRequest) {
  RegisterOverHttp("vvt-zeezicht");
  httplib::Result result = Post(kReportStatus, {{"report",
                                                 {{"organization_id", "vvt-zeezicht"},
                                                  {"overall_status", "OVERALL_STATUS_NORMAL"},
                                                  {"capacity",
                                                   {{{"type", "BED_TYPE_NURSING_HOME"}, {"available", 3}},
                                                    {{"type", "BED_TYPE_SHORT_STAY"}, {"available", 200000}}}}}}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const json body = json::parse(result->body);
  EXPECT_EQ(body["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(body["field"], "report.capacity[1].available");
  EXPECT_TRUE(absl::StartsWith(body["message"].get<std::string>(), "report.capacity[1].available: "));
}

TEST_F(GatewayTest, StateErrorsKeepTheirCodes) {
  // An unregistered organisation (a state check on the committer) and a lost compare-and-set.
  httplib::Result unknown =
      Post(kReportStatus, {{"report", {{"organization_id", "nobody"}, {"overall_status", "OVERALL_STATUS_NORMAL"}}}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(json::parse(unknown->body)["code"], "INVALID_ARGUMENT");
  RegisterOverHttp("ggz-west");
  httplib::Result stale =
      Post(kReportStatus, {{"report", {{"organization_id", "ggz-west"}, {"overall_status", "OVERALL_STATUS_NORMAL"}}},
                           {"expected_revision", "7"}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409);
  EXPECT_EQ(json::parse(stale->body)["code"], "ABORTED");
}

TEST_F(GatewayTest, MalformedJsonAndUnknownMethodsAreClearErrors) {
  httplib::Result malformed = client_.Post(kReportStatus, "{\"report\": ", "application/json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  const json body = json::parse(malformed->body);
  EXPECT_TRUE(absl::StartsWith(body["message"].get<std::string>(), "request: ")) << body;
  EXPECT_FALSE(body.contains("field"));

  httplib::Result unknown = Post("/api/ketenbeeld.v1.PictureService/DropEverything", json::object());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["code"], "NOT_FOUND");

  httplib::Result methods = client_.Get("/api");
  ASSERT_TRUE(methods);
  const json list = json::parse(methods->body)["methods"];
  EXPECT_NE(std::find(list.begin(), list.end(), "ketenbeeld.v1.AlertService/AcknowledgeAlert"), list.end());
  EXPECT_NE(std::find(list.begin(), list.end(), "ketenbeeld.v1.ReportService/GetGapReport"), list.end());
}

TEST_F(GatewayTest, RefusesForeignHostsPlainTextPostsAndForeignOrigins) {
  // DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its own Host.
  httplib::Result rebound = client_.Get("/api", {{"Host", "evil.example:8080"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  // Names that only look like loopback addresses are names, and resolve wherever their owner wants.
  for (const char* host : {"127.evil.example", "127.0.0.1.nip.io:8080", "localhost.evil.example", "127.1"}) {
    httplib::Result looks_local = client_.Get("/api", {{"Host", host}});
    ASSERT_TRUE(looks_local) << host;
    EXPECT_EQ(looks_local->status, 403) << host;
  }
  for (const char* host : {"127.0.0.1", "127.0.0.2:8080", "localhost:8080", "[::1]:8080"}) {
    httplib::Result local = client_.Get("/api", {{"Host", host}});
    ASSERT_TRUE(local) << host;
    EXPECT_EQ(local->status, 200) << host;
  }
  // A cross-site "simple request" (no preflight) cannot carry application/json: text/plain is refused.
  httplib::Result plain = client_.Post(kRegister, "{}", "text/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 415);
  httplib::Result foreign = client_.Post(kRegister, {{"Origin", "http://evil.example"}}, "{}", "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  // Nothing was written.
  EXPECT_EQ(server_.server().revision(), 0);
  // The gateway's own pages may post.
  httplib::Result own = client_.Post("/api/ketenbeeld.v1.PictureService/List",
                                     {{"Origin", absl::StrCat("http://127.0.0.1:", port())}}, "{}", "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
}

// Behind the TLS proxy the dashboard's pages come from the public origin: their POSTs pass, other origins' do not.
TEST(GatewayOriginTest, PostsFromTheConfiguredPublicOriginPassAndOthersAreRefused) {
  TestServer server([](app::ServerOptions& options) {
    options.http_listen_address = "127.0.0.1:0";
    options.http_public_origin = "https://ketenbeeld.ghor.example";
  });
  httplib::Client client("127.0.0.1", server.server().http_port());
  auto post_from = [&](const std::string& origin) {
    httplib::Result result = client.Post(kList, {{"Origin", origin}}, "{}", "application/json");
    return result ? result->status : -1;
  };
  EXPECT_EQ(post_from("https://ketenbeeld.ghor.example"), 200);
  EXPECT_EQ(post_from(absl::StrCat("http://127.0.0.1:", server.server().http_port())), 200);
  for (const char* foreign : {"https://evil.example", "http://ketenbeeld.ghor.example",
                              "https://ketenbeeld.ghor.example.evil.example", "null"}) {
    EXPECT_EQ(post_from(foreign), 403) << foreign;
  }
}

TEST(GatewayOriginTest, APublicOriginIsCheckedForItsForm) {
  EXPECT_TRUE(http::CheckPublicOrigin("https://ketenbeeld.ghor.example").ok());
  EXPECT_TRUE(http::CheckPublicOrigin("https://ketenbeeld.ghor.example:8443").ok());
  for (const char* bad : {"ketenbeeld.ghor.example", "https://ketenbeeld.ghor.example/", "https://", "ftp://x.example",
                          "https://x.example/dashboard"}) {
    const absl::Status status = http::CheckPublicOrigin(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(status.message(), "http_public_origin:")) << status;
  }
}

TEST_F(GatewayTest, ServesTheDashboardTheFormAndHealth) {
  httplib::Result index = client_.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("dashboard.js"), std::string::npos);
  httplib::Result form = client_.Get("/form.html");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  httplib::Result missing = client_.Get("/nothing-here.html");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  httplib::Result health = client_.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "SERVING");
  EXPECT_FALSE(json::parse(health->body).contains("role")) << "a single node has no replication role";
}

TEST_F(GatewayTest, PagesAndAnswersCarryFramingAndScriptPolicies) {
  for (const char* path : {"/", "/form.html", "/api/enums"}) {
    httplib::Result result = client_.Get(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->get_header_value("X-Frame-Options"), "DENY") << path;
    EXPECT_EQ(result->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(result->get_header_value("Referrer-Policy"), "no-referrer") << path;
    const std::string policy = result->get_header_value("Content-Security-Policy");
    EXPECT_TRUE(absl::StrContains(policy, "script-src 'self'")) << path << ": " << policy;
    EXPECT_TRUE(absl::StrContains(policy, "frame-ancestors 'none'")) << path << ": " << policy;
  }
}

// The dashboard map's background: by default PDOK's tiles, whose origin, and no other, the pages may load images from;
// GET /api/map tells the dashboard the template and the attribution.
TEST_F(GatewayTest, TheMapsTileServerIsNamedAndAllowedForImagesOnly) {
  httplib::Result map = client_.Get("/api/map");
  ASSERT_TRUE(map);
  EXPECT_EQ(map->status, 200);
  const json body = json::parse(map->body);
  EXPECT_EQ(body["tile_url"], http::kDefaultMapTileUrl);
  EXPECT_EQ(body["attribution"], "Kaartgegevens \u00a9 Kadaster");
  httplib::Result page = client_.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: https://service.pdok.nl; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'");
}

TEST(GatewayMapTest, SubdomainTilesAreAllowedByWildcardAndNoTilesByNothing) {
  TestServer subdomains([](app::ServerOptions& options) {
    options.http_listen_address = "127.0.0.1:0";
    options.map_tile_url = "https://{s}.tiles.example.org/osm/{z}/{x}/{y}.png";
    options.map_attribution = "\u00a9 OpenStreetMap <b>";
  });
  httplib::Client client("127.0.0.1", subdomains.server().http_port());
  httplib::Result map = client.Get("/api/map");
  ASSERT_TRUE(map);
  EXPECT_EQ(json::parse(map->body)["attribution"], "\u00a9 OpenStreetMap <b>");  // Text: the page escapes it.
  httplib::Result page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_TRUE(absl::StrContains(page->get_header_value("Content-Security-Policy"),
                                "img-src 'self' data: https://*.tiles.example.org; connect-src 'self';"))
      << page->get_header_value("Content-Security-Policy");

  TestServer none([](app::ServerOptions& options) {
    options.http_listen_address = "127.0.0.1:0";
    options.map_tile_url = "";
    options.map_attribution = "";
  });
  httplib::Client none_client("127.0.0.1", none.server().http_port());
  httplib::Result none_map = none_client.Get("/api/map");
  ASSERT_TRUE(none_map);
  EXPECT_EQ(json::parse(none_map->body)["tile_url"], "");
  httplib::Result none_page = none_client.Get("/");
  ASSERT_TRUE(none_page);
  EXPECT_TRUE(absl::StrContains(none_page->get_header_value("Content-Security-Policy"), "img-src 'self' data:;"))
      << none_page->get_header_value("Content-Security-Policy");
}

TEST(GatewayMapTest, ATileUrlIsCheckedForItsFormAndGivesItsOrigin) {
  EXPECT_EQ(http::MapTileSource(http::kDefaultMapTileUrl).value_or("?"), "https://service.pdok.nl");
  EXPECT_EQ(http::MapTileSource("http://127.0.0.1:9/{z}/{x}/{y}.png").value_or("?"), "http://127.0.0.1:9");
  EXPECT_EQ(http::MapTileSource("http://localhost:8081/t/{z}/{x}/{y}{r}.png").value_or("?"), "http://localhost:8081");
  EXPECT_EQ(http::MapTileSource("https://tiles.example.org:8443/{z}/{x}/{-y}.png?key=abc").value_or("?"),
            "https://tiles.example.org:8443");
  EXPECT_EQ(http::MapTileSource("").value_or("?"), "");
  for (const char* bad : {
           "service.pdok.nl/{z}/{x}/{y}.png",                          // no scheme
           "ftp://tiles.example.org/{z}/{x}/{y}.png",                  // another scheme
           "http://tiles.example.org/{z}/{x}/{y}.png",                 // plaintext off loopback
           "http://{s}.localhost/{z}/{x}/{y}.png",                     // plaintext to subdomains
           "https://tiles.example.org",                                // no path
           "https://tiles.example.org/{z}/{x}.png",                    // no {y}
           "https://tiles.example.org/{z}/{x}/{y}/{style}.png",        // a placeholder nobody fills in
           "https://tiles.example.org/{z}/{x}/{y.png",                 // unclosed
           "https://tiles.example.org/{z}/{x}/{y}}.png",               // unopened
           "https://tiles.example.org/{z}/{x}/{y}.png; script-src *",  // header injection
           "https://tiles.example.org/{z}/{x}/{y}.png\"",              // quote
           "https://user:pw@tiles.example.org/{z}/{x}/{y}.png",        // credentials
           "https://tiles.example.org:0/{z}/{x}/{y}.png",              // port
           "https://tiles.example.org:+80/{z}/{x}/{y}.png",            // port
           "https://[::1]:8081/{z}/{x}/{y}.png",                       // IPv6 literal: no policy source for it
           "https://tiles.{s}.example.org/{z}/{x}/{y}.png",            // {s} not the first label
           "https://tiles..example.org/{z}/{x}/{y}.png",               // empty label
           "https://tiles.example.org/{z}/{x}/{y}.png\n",              // control character
       }) {
    const absl::StatusOr<std::string> source = http::MapTileSource(bad);
    EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(source.status().message(), "map.tile_url:")) << source.status();
  }
  EXPECT_TRUE(http::MapTileSource(std::string(1990, 'a').insert(0, "https://x.example/{z}/{x}/{y}/")).status().code() ==
              absl::StatusCode::kInvalidArgument);

  EXPECT_TRUE(http::CheckMapAttribution("Kaartgegevens \u00a9 Kadaster").ok());
  EXPECT_TRUE(http::CheckMapAttribution("").ok());
  for (const std::string& bad : {std::string("a\nb"), std::string(301, 'a'), std::string("\xff")}) {
    const absl::Status status = http::CheckMapAttribution(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(status.message(), "map.attribution:")) << status;
  }
}

TEST_F(GatewayTest, FeedSendsSnapshotThenSyncedThenEachChangeWithItsRevisionAsId) {
  RegisterOverHttp("vvt-a");
  SseReader feed(port(), kSubscribe);
  const int synced = feed.WaitForEvent("synced");
  ASSERT_GE(synced, 1);
  std::vector<SseFrame> frames = feed.frames();
  EXPECT_EQ(frames[0].event, "snapshot");
  EXPECT_EQ(frames[0].data["records"][0]["name"], "organizations/vvt-a");
  EXPECT_EQ(frames[0].id, "");  // A snapshot is no resume point.
  EXPECT_EQ(frames[synced].id, "1");

  const absl::Time written = absl::Now();
  ASSERT_TRUE(Report(server_.stub(), MakeReport("vvt-a", 2)).ok());  // Over gRPC: the same pipeline.
  ASSERT_TRUE(feed.WaitFor([](const std::vector<SseFrame>& f) { return f.back().event == "events"; }));
  const absl::Duration latency = absl::Now() - written;
  EXPECT_LT(latency, absl::Seconds(1));
  frames = feed.frames();
  // A long-term care organisation's report commits with its group's sector aggregate (docs/federation-policy.md): one
  // frame, two events, and the frame's id is the last revision, where a resumed feed goes on.
  ASSERT_EQ(frames.back().data["events"].size(), 2u) << frames.back().data;
  EXPECT_EQ(frames.back().data["events"][0]["record"]["name"], "organizations/vvt-a/status");
  EXPECT_EQ(Revision(frames.back().data["events"][0]["revision"]), 2);
  EXPECT_EQ(frames.back().data["events"][1]["record"]["name"], "aggregates/long-term-care");
  EXPECT_EQ(Revision(frames.back().data["events"][1]["revision"]), 3);
  EXPECT_EQ(frames.back().id, "3");
}

// Exercise mode over the gateway: the exercise travels in the request message (a write's `exercise_id`, the feed's
// `filter`) as over gRPC, so the gateway needs nothing of its own; List with kinds [ENTITY_KIND_EXERCISE] lists the
// exercises for the dashboard's chooser, in the real view too.
TEST_F(GatewayTest, AnExerciseTravelsInTheRequestAndItsFeedShowsOnlyItsPicture) {
  RegisterOverHttp("vvt-a");
  {
    std::unique_ptr<ketenbeeld::v1::ExerciseService::Stub> exercises =
        ketenbeeld::v1::ExerciseService::NewStub(server_.channel());
    grpc::ClientContext context;
    ketenbeeld::v1::StartExerciseRequest request;
    request.mutable_exercise()->set_id("oef-1");
    request.mutable_exercise()->set_title("Oefening dijkdoorbraak");
    ketenbeeld::v1::WriteResponse response;
    ASSERT_TRUE(exercises->StartExercise(&context, request, &response).ok());
  }
  const json report = {{"organization_id", "vvt-a"}, {"overall_status", "OVERALL_STATUS_CRITICAL"}};
  PostOk(kReportStatus, {{"report", report}, {"exercise_id", "oef-1"}});

  httplib::Result listed = Post(kList, {{"filter", {{"kinds", {"ENTITY_KIND_EXERCISE"}}}}});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  const json exercises = json::parse(listed->body)["records"];
  ASSERT_EQ(exercises.size(), 1u) << listed->body;
  EXPECT_EQ(exercises[0]["exercise"]["id"], "oef-1");
  EXPECT_EQ(exercises[0]["exercise"]["status"], "EXERCISE_STATUS_ACTIVE");
  // Without the kind named, the real picture has none of it: no exercise, no exercise report.
  httplib::Result real = Post(kList, json::object());
  ASSERT_TRUE(real);
  const json real_records = json::parse(real->body)["records"];  // Not a range over a temporary's member.
  for (const json& record : real_records) {
    EXPECT_EQ(record["name"], "organizations/vvt-a") << record.dump();
  }

  const std::string filter =
      httplib::detail::encode_query_param(R"({"exercise_id":"oef-1","kinds":["ENTITY_KIND_STATUS_REPORT"]})");
  SseReader feed(port(), absl::StrCat(kSubscribe, "?filter=", filter));
  ASSERT_GE(feed.WaitForEvent("synced"), 0);
  const json snapshot = feed.frames()[0].data["records"];
  ASSERT_EQ(snapshot.size(), 1u) << snapshot.dump();
  EXPECT_EQ(snapshot[0]["name"], "exercises/oef-1/organizations/vvt-a/status");
  EXPECT_EQ(snapshot[0]["exercise_id"], "oef-1");

  // An exercise that was never started: INVALID_ARGUMENT naming the field, on a write and on the feed.
  httplib::Result write = Post(kReportStatus, {{"report", report}, {"exercise_id", "oef-9"}});
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 400);
  EXPECT_EQ(json::parse(write->body)["field"], "exercise_id") << write->body;
  httplib::Result unknown_feed = client_.Get(
      absl::StrCat(kSubscribe, "?filter=", httplib::detail::encode_query_param(R"({"exercise_id":"oef-9"})")));
  ASSERT_TRUE(unknown_feed);
  EXPECT_EQ(unknown_feed->status, 400);
  EXPECT_EQ(json::parse(unknown_feed->body)["field"], "filter.exercise_id") << unknown_feed->body;
}

TEST_F(GatewayTest, FeedResumesAfterLastEventIdWithNoGapAndNoDuplicate) {
  for (const char* id : {"a", "b", "c", "d"}) RegisterOverHttp(id);  // Revisions 1..4.
  SseReader feed(port(), kSubscribe, {{"Last-Event-ID", "2"}});
  ASSERT_TRUE(feed.WaitFor([](const std::vector<SseFrame>& f) {
    int64_t seen = 0;
    for (const SseFrame& frame : f) {
      if (frame.event == "events") seen = std::stoll(frame.id);
    }
    return seen >= 4;
  }));
  const std::vector<SseFrame> frames = feed.frames();
  EXPECT_EQ(frames[0].event, "synced");  // No snapshot when resuming.
  EXPECT_EQ(frames[0].id, "2");
  std::vector<int64_t> revisions;
  for (const json& event : feed.events()) revisions.push_back(Revision(event["revision"]));
  EXPECT_EQ(revisions, (std::vector<int64_t>{3, 4}));
}

TEST_F(GatewayTest, LastEventIdTakesPrecedenceOverFromRevision) {
  for (const char* id : {"a", "b", "c"}) RegisterOverHttp(id);
  SseReader feed(port(), absl::StrCat(kSubscribe, "?from_revision=1"), {{"Last-Event-ID", "3"}});
  ASSERT_GE(feed.WaitForEvent("synced"), 0);
  EXPECT_EQ(feed.frames()[0].id, "3");
}

TEST_F(GatewayTest, FilteredFeedSkipsOtherRecordsAndHeartbeatsMoveItsResumePointOn) {
  RegisterOverHttp("a");
  const std::string filter = httplib::detail::encode_query_param(R"({"kinds":["ENTITY_KIND_STATUS_REPORT"]})");
  SseReader feed(port(), absl::StrCat(kSubscribe, "?filter=", filter));
  ASSERT_GE(feed.WaitForEvent("synced"), 0);
  EXPECT_TRUE(feed.frames()[0].data["records"].empty());  // An empty snapshot is still one chunk.
  RegisterOverHttp("b");                                  // Revision 2: not a status report.
  ASSERT_TRUE(
      feed.WaitFor([](const std::vector<SseFrame>& f) { return f.back().event == "heartbeat" && f.back().id == "2"; }));
  PostOk(kReportStatus, {{"report", {{"organization_id", "b"}, {"overall_status", "OVERALL_STATUS_CRITICAL"}}}});
  ASSERT_TRUE(feed.WaitFor([](const std::vector<SseFrame>& f) { return f.back().event == "events"; }));
  const std::vector<json> events = feed.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["record"]["name"], "organizations/b/status");
}

TEST_F(GatewayTest, FeedRefusesAnInvalidFilterWithItsField) {
  const std::string filter = httplib::detail::encode_query_param(R"({"safety_regions":["Noord"]})");
  httplib::Result result = client_.Get(absl::StrCat(kSubscribe, "?filter=", filter));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_TRUE(absl::StartsWith(json::parse(result->body)["field"].get<std::string>(), "filter.safety_regions"))
      << result->body;
}

TEST_F(GatewayTest, FeedAheadOfTheServerEndsWithOutOfRange) {
  SseReader feed(port(), absl::StrCat(kSubscribe, "?from_revision=99"));
  ASSERT_TRUE(feed.WaitForEnd());
  const std::vector<SseFrame> frames = feed.frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].event, "end");
  EXPECT_EQ(frames[0].data["code"], "OUT_OF_RANGE");
}

TEST_F(GatewayTest, FeedBelowTheCompactedLogResetsAndStartsOverWithASnapshot) {
  for (const char* id : {"a", "b", "c", "d"}) RegisterOverHttp(id);
  ASSERT_TRUE(server_.server().CompactLog(3).ok());
  SseReader feed(port(), kSubscribe, {{"Last-Event-ID", "1"}});
  const int synced = feed.WaitForEvent("synced");
  ASSERT_GE(synced, 2);
  const std::vector<SseFrame> frames = feed.frames();
  EXPECT_EQ(frames[0].event, "reset");
  EXPECT_EQ(Revision(frames[0].data["compacted_revision"]), 3);
  EXPECT_EQ(frames[1].event, "snapshot");
  EXPECT_EQ(frames[1].data["records"].size(), 4u);
  EXPECT_EQ(frames[synced].id, "4");
}

TEST_F(GatewayTest, ShutdownEndsLiveFeedsWithUnavailableSoClientsResume) {
  RegisterOverHttp("a");
  SseReader feed(port(), kSubscribe);
  ASSERT_GE(feed.WaitForEvent("synced"), 0);
  const absl::Time start = absl::Now();
  server_.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(feed.WaitForEnd());
  const std::vector<SseFrame> frames = feed.frames();
  EXPECT_EQ(frames.back().event, "end");
  EXPECT_EQ(frames.back().data["code"], "UNAVAILABLE");
}

// A server with the gateway whose callers are identified by the bearer tokens of a tokens file.
class TokenGateway {
 public:
  explicit TokenGateway(const std::string& token_lines)
      : tokens_file_(files_.path() + "/tokens"), server_([&](app::ServerOptions& options) {
          std::ofstream(tokens_file_) << token_lines;
          options.http_listen_address = "127.0.0.1:0";
          options.tokens_file = tokens_file_;
        }) {}
  // Rewrites the tokens file in place, as an operator's editor does; the server reloads it.
  void RewriteTokens(const std::string& token_lines) { std::ofstream(tokens_file_) << token_lines; }
  int port() { return server_.server().http_port(); }
  TestServer& server() { return server_; }

 private:
  TempDir files_;
  const std::string tokens_file_;
  TestServer server_;
};

// A feed opened with a bearer token ends with `end` UNAUTHENTICATED once the token's line leaves the tokens file,
// without a restart and without the browser doing anything.
TEST(GatewayTokenTest, WithdrawingATokenEndsItsOpenFeedUnauthenticated) {
  const std::string keep = TokenLine("keep-token", "ghor-vr10", "ghor", "GHOR dashboard");
  const std::string drop = TokenLine("drop-token", "ghor-vr10", "ghor", "crisis room screen 7");
  TokenGateway gateway(keep + drop);
  SseReader kept(gateway.port(), kSubscribe, {{"Authorization", "Bearer keep-token"}});
  SseReader dropped(gateway.port(), kSubscribe, {{"Authorization", "Bearer drop-token"}});
  ASSERT_GE(kept.WaitForEvent("synced"), 0);
  ASSERT_GE(dropped.WaitForEvent("synced"), 0);

  gateway.RewriteTokens(keep);
  ASSERT_TRUE(dropped.WaitForEnd(absl::Seconds(10)));
  const std::vector<SseFrame> frames = dropped.frames();
  EXPECT_EQ(frames.back().event, "end");
  EXPECT_EQ(frames.back().data["code"], "UNAUTHENTICATED");
  EXPECT_TRUE(absl::StrContains(frames.back().data["message"].get<std::string>(), "crisis room screen 7"));
  EXPECT_FALSE(kept.WaitForEnd(absl::ZeroDuration())) << "the feed of a token still listed goes on";
}

// A token in the URL ends up in proxy and access logs: only the live feed (EventSource cannot set headers) takes one.
TEST(GatewayTokenTest, ACallWithTheTokenInTheUrlIsRefusedNamingTheParameter) {
  TokenGateway gateway(TokenLine("beheer-token", "beheer", "operator", "beheer"));
  httplib::Client client("127.0.0.1", gateway.port());
  httplib::Result in_url = client.Post(absl::StrCat(kRegister, "?access_token=beheer-token").c_str(),
                                       R"({"organization":{"id":"a","name":"A","kind":"ORGANIZATION_KIND_HOSPITAL",)"
                                       R"("safety_region":"VR10"}})",
                                       "application/json");
  ASSERT_TRUE(in_url);
  EXPECT_EQ(in_url->status, 400) << in_url->body;
  EXPECT_EQ(json::parse(in_url->body)["code"], "INVALID_ARGUMENT");
  EXPECT_TRUE(absl::StrContains(json::parse(in_url->body)["message"].get<std::string>(), "access_token:"));
  EXPECT_EQ(gateway.server().server().revision(), 0) << "nothing written";

  SseReader feed(gateway.port(), absl::StrCat(kSubscribe, "?access_token=beheer-token"));
  EXPECT_GE(feed.WaitForEvent("synced"), 0) << "the live feed still takes the token from the URL";
}

// One identity (a screen reconnecting in a loop, a script) cannot take every live-feed slot from the others.
TEST(GatewayTokenTest, OneIdentityGetsItsShareOfLiveFeedSlotsAndNoMore) {
  TokenGateway gateway(TokenLine("greedy-token", "zh-noord", "institution", "script") +
                       TokenLine("ghor-token", "ghor-vr10", "ghor", "GHOR dashboard"));
  const int port = gateway.port();
  constexpr int kShare = 8;  // GatewayOptions::max_streams_per_identity.
  std::vector<std::unique_ptr<SseReader>> greedy;
  for (int i = 0; i < kShare; ++i) {
    greedy.push_back(
        std::make_unique<SseReader>(port, kSubscribe, httplib::Headers{{"Authorization", "Bearer greedy-token"}}));
    ASSERT_GE(greedy.back()->WaitForEvent("synced"), 0) << i;
  }
  httplib::Client client("127.0.0.1", port);
  httplib::Result refused = client.Get(kSubscribe, {{"Authorization", "Bearer greedy-token"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429) << refused->body;
  EXPECT_EQ(json::parse(refused->body)["code"], "RESOURCE_EXHAUSTED");

  SseReader ghor(port, kSubscribe, {{"Authorization", "Bearer ghor-token"}});
  EXPECT_GE(ghor.WaitForEvent("synced"), 0) << "another identity still gets a feed";
  greedy.pop_back();  // A slot freed is a slot back, once the server notices the connection is gone (its next frame).
  bool served_again = false;
  const absl::Time give_up = absl::Now() + absl::Seconds(15);
  while (!served_again && absl::Now() < give_up) {
    SseReader again(port, kSubscribe, {{"Authorization", "Bearer greedy-token"}});
    served_again = again.WaitForEvent("synced", absl::Seconds(1)) >= 0;
    if (!served_again) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(served_again);
}

TEST_F(GatewayTest, ManyFeedsAndCallsAtOnceDoNotStarveEachOther) {
  RegisterOverHttp("a");
  std::vector<std::unique_ptr<SseReader>> feeds;
  for (int i = 0; i < 12; ++i) feeds.push_back(std::make_unique<SseReader>(port(), kSubscribe));
  for (auto& feed : feeds) ASSERT_GE(feed->WaitForEvent("synced"), 0);
  // Calls still get a thread while every feed holds one.
  PostOk(kReportStatus, {{"report", {{"organization_id", "a"}, {"overall_status", "OVERALL_STATUS_NORMAL"}}}});
  for (auto& feed : feeds) {
    EXPECT_TRUE(feed->WaitFor([](const std::vector<SseFrame>& f) { return f.back().event == "events"; }));
  }
}

// Threads of this process (the in-process server's included).
int ThreadCount() {
  int threads = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++threads;
  return threads;
}

std::string FeedRequest() {
  return absl::StrCat("GET ", kSubscribe, " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
}

TEST_F(GatewayTest, TwoHundredOpenFeedsHoldNoThreadEachAndAllGetEveryChange) {
  RegisterOverHttp("a");
  // 200 feeds is more than the old thread-per-feed gateway had threads (32 feed slots).
  constexpr int kFeeds = 200;
  const int threads_before = ThreadCount();
  std::vector<std::unique_ptr<RawSocket>> feeds;
  for (int i = 0; i < kFeeds; ++i) {
    feeds.push_back(std::make_unique<RawSocket>(port()));
    ASSERT_TRUE(feeds.back()->Send(FeedRequest())) << i;
  }
  for (int i = 0; i < kFeeds; ++i) ASSERT_TRUE(feeds[i]->ReadUntil("event: synced", absl::Seconds(20))) << i;
  // The event loops and the call pool were there before the first feed; a feed adds a socket, not a thread.
  EXPECT_LE(ThreadCount() - threads_before, 2);

  PostOk(kReportStatus, {{"report", {{"organization_id", "a"}, {"overall_status", "OVERALL_STATUS_NORMAL"}}}});
  for (int i = 0; i < kFeeds; ++i) {
    EXPECT_TRUE(feeds[i]->ReadUntil("event: events", absl::Seconds(20))) << i << ": " << feeds[i]->received();
  }
}

TEST_F(GatewayTest, ClientsThatSendTheirHeadersSlowlyDoNotBlockTheGateway) {
  // A slowloris client: a request line and one header, and then nothing. The old gateway gave each a thread until its
  // read timeout; 100 of them took every thread.
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<RawSocket>(port()));
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")) << i;
  }
  httplib::Result health = client_.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  RegisterOverHttp("a");
  SseReader feed(port(), kSubscribe);
  EXPECT_GE(feed.WaitForEvent("synced"), 0);
}

TEST(GatewayConnectionTest, ConnectionsBeyondTheCapWaitAndIdleOnesAreClosed) {
  TestServer server([](app::ServerOptions& options) {
    options.http_listen_address = "127.0.0.1:0";
    options.http_max_connections = 4;
    options.http_idle_timeout = absl::Seconds(2);
  });
  const int port = server.server().http_port();
  std::vector<std::unique_ptr<RawSocket>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<RawSocket>(port));
    ASSERT_TRUE(stalled.back()->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // Never completed.
  }
  // The fifth is over the cap: the kernel queues it, and the gateway does not take it while the cap is reached.
  RawSocket waiting(port);
  ASSERT_TRUE(waiting.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_FALSE(waiting.ReadUntil("SERVING", absl::Milliseconds(500))) << waiting.received();
  // The stalled ones make no progress for the idle timeout and are closed, which frees their places.
  for (auto& connection : stalled) EXPECT_TRUE(connection->WaitForClose(absl::Seconds(10)));
  EXPECT_TRUE(waiting.ReadUntil("SERVING", absl::Seconds(10))) << waiting.received();
}

// Sends one more header line every `interval`, never the blank line that ends the headers, until the gateway closes
// the connection (true) or `give_up` has passed (false). Each line is progress, so an inactivity timeout never fires.
bool DripHeadersUntilClosed(RawSocket& client, absl::Duration interval, absl::Duration give_up) {
  const absl::Time stop = absl::Now() + give_up;
  for (int line = 0; absl::Now() < stop; ++line) {
    if (!client.Send(absl::StrCat("X-Drip-", line, ": x\r\n"))) return true;  // Reset by the gateway.
    if (client.WaitForClose(interval)) return true;
  }
  return false;
}

TEST(GatewayHeaderDeadlineTest, AClientThatDripsItsHeadersIsCutOffWhileOthersAreServed) {
  constexpr absl::Duration kHeaderTimeout = absl::Seconds(2);
  TestServer server([&](app::ServerOptions& options) {
    options.http_listen_address = "127.0.0.1:0";
    options.http_header_timeout = kHeaderTimeout;
    // Far longer than the test: a client that sends a byte every 200 ms is never idle, so only the total deadline
    // can end it (before this deadline existed, it kept its connection for as long as it dripped).
    options.http_idle_timeout = absl::Seconds(60);
  });
  const int port = server.server().http_port();
  RawSocket dripping(port);
  ASSERT_TRUE(dripping.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  // On keep-alive the deadline starts again after each answer: a served request does not buy the next one time.
  RawSocket kept_alive(port);
  ASSERT_TRUE(kept_alive.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  ASSERT_TRUE(kept_alive.ReadUntil("SERVING", absl::Seconds(10))) << kept_alive.received();
  ASSERT_TRUE(kept_alive.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));

  // Meanwhile a client that sends its headers in pieces, but completes them within the deadline, is served.
  RawSocket halting(port);
  ASSERT_TRUE(halting.Send("GET /healthz HTTP/1.1\r\n"));
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(halting.Send("Host: 127.0.0.1\r\n\r\n"));
  EXPECT_TRUE(halting.ReadUntil("SERVING", absl::Seconds(10))) << halting.received();

  // Ten times the deadline is the bound checked: the point is that dripping ends, not how fast.
  EXPECT_TRUE(DripHeadersUntilClosed(dripping, absl::Milliseconds(200), 10 * kHeaderTimeout));
  EXPECT_FALSE(absl::StrContains(dripping.received(), "HTTP/1.1")) << "no answer to an incomplete request";
  EXPECT_TRUE(DripHeadersUntilClosed(kept_alive, absl::Milliseconds(200), 10 * kHeaderTimeout));

  httplib::Client client("127.0.0.1", port);
  httplib::Result health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(GatewayTest, AnOversizedBodyIs413AndTheConnectionServesOn) {
  const std::string huge(size_t{2} << 20, 'x');  // GatewayOptions::max_request_bytes is 1 MiB.
  httplib::Result refused = client_.Post(kReportStatus, huge, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413) << refused->body;
  EXPECT_EQ(json::parse(refused->body)["code"], "RESOURCE_EXHAUSTED");
  RegisterOverHttp("a");
}

}  // namespace
}  // namespace ketenbeeld::testing
