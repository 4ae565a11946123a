#include "server/api/picture_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/api/service_context.h"
#include "server/api/status.h"
#include "server/domain/validation.h"

namespace ketenbeeld::api {
namespace {

// Runs a read and finishes the call with its status.
template <typename Request, typename Response, typename Read>
grpc::ServerUnaryReactor* FinishRead(grpc::CallbackServerContext* context, const Request& request, Response& response,
                                     Read read) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(read(request, response)));
  return reactor;
}

}  // namespace

PictureService::PictureService(Dependencies dependencies, FeedOptions feed_options)
    : deps_(dependencies), feed_options_(feed_options) {}

grpc::ServerUnaryReactor* PictureService::RegisterOrganization(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::RegisterOrganizationRequest* request,
    ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, deps_.committer, pipeline::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* PictureService::ReportStatus(grpc::CallbackServerContext* context,
                                                       const ketenbeeld::v1::ReportStatusRequest* request,
                                                       ketenbeeld::v1::WriteResponse* response) {
  return SubmitWrite(context, deps_.committer, pipeline::WriteRequest{.body = *request, .actor = {}}, response);
}

grpc::ServerUnaryReactor* PictureService::Get(grpc::CallbackServerContext* context,
                                              const ketenbeeld::v1::GetRequest* request,
                                              ketenbeeld::v1::GetResponse* response) {
  return FinishRead(context, *request, *response,
                    [this](const auto& req, auto& resp) { return deps_.reader.Get(req, resp); });
}

grpc::ServerUnaryReactor* PictureService::List(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::ListRequest* request,
                                               ketenbeeld::v1::ListResponse* response) {
  return FinishRead(context, *request, *response,
                    [this](const auto& req, auto& resp) { return deps_.reader.List(req, resp); });
}

grpc::ServerUnaryReactor* PictureService::History(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::HistoryRequest* request,
                                                  ketenbeeld::v1::HistoryResponse* response) {
  return FinishRead(context, *request, *response,
                    [this](const auto& req, auto& resp) { return deps_.reader.History(req, resp); });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PictureService::Subscribe(grpc::CallbackServerContext* context,
                                                                      const grpc::ByteBuffer* request_bytes) {
  ketenbeeld::v1::SubscribeRequest request;
  grpc::Status parsed = grpc::SerializationTraits<ketenbeeld::v1::SubscribeRequest>::Deserialize(
      const_cast<grpc::ByteBuffer*>(request_bytes), &request);
  absl::Status valid = parsed.ok() ? domain::ValidateFilter(request.filter(), "filter")
                                   : absl::InvalidArgumentError("request: not a SubscribeRequest");
  std::shared_ptr<Subscription> subscription;
  if (valid.ok()) {
    absl::MutexLock lock(&feeds_mu_);
    if (!feeds_closed_) {
      subscription =
          std::make_shared<Subscription>(deps_.feed, feed_options_, domain::CompiledFilter(request.filter()));
      // Forget feeds that have ended, so the registry stays as small as the set of live feeds.
      std::erase_if(feeds_, [](const std::weak_ptr<Subscription>& feed) { return feed.expired(); });
      feeds_.push_back(subscription);
    }
  }
  if (subscription == nullptr) {
    // A reactor that only finishes: the protocol never starts.
    class Refusal final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
     public:
      explicit Refusal(const grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Refusal(valid.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down")
                                  : ToGrpcStatus(valid));
  }
  return subscription->StartReactor(request.from_revision());
}

void PictureService::EndAllFeeds() {
  std::vector<std::shared_ptr<Subscription>> live;
  {
    absl::MutexLock lock(&feeds_mu_);
    feeds_closed_ = true;
    for (const std::weak_ptr<Subscription>& feed : feeds_) {
      if (auto subscription = feed.lock()) live.push_back(std::move(subscription));
    }
    feeds_.clear();
  }
  for (const auto& subscription : live) {
    subscription->End(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down; resume from your last revision"));
  }
}

size_t PictureService::live_feeds() {
  absl::MutexLock lock(&feeds_mu_);
  return std::count_if(feeds_.begin(), feeds_.end(), [](const auto& feed) { return !feed.expired(); });
}

}  // namespace ketenbeeld::api
