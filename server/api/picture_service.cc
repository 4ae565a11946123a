#include "server/api/picture_service.h"

#include <string>
#include <utility>

#include "server/api/parse_checked.h"
#include "server/api/status.h"
#include "server/domain/validation.h"

namespace ketenbeeld::api {

PictureService::PictureService(Dependencies dependencies, FeedOptions feed_options)
    : deps_(dependencies),
      feed_options_(feed_options),
      publish_streams_(dependencies.services, dependencies.rpc_observer) {
  // Requests that cannot be parsed are answered INVALID_ARGUMENT, not UNIMPLEMENTED: see parse_checked.h.
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::PictureService::service_full_name(), "RegisterOrganization"),
                     ParseChecked(this, deps_.services, &PictureService::RegisterOrganizationRaw));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::PictureService::service_full_name(), "ReportStatus"),
                     ParseChecked(this, deps_.services, &PictureService::ReportStatusRaw));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::PictureService::service_full_name(), "Get"),
                     ParseChecked(this, deps_.services, &PictureService::Get));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::PictureService::service_full_name(), "List"),
                     ParseChecked(this, deps_.services, &PictureService::List));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::PictureService::service_full_name(), "History"),
                     ParseChecked(this, deps_.services, &PictureService::History));
  MarkMethodCallback(MethodIndex(ketenbeeld::v1::PictureService::service_full_name(), "PublishStatus"),
                     new grpc::internal::CallbackBidiHandler<grpc::ByteBuffer, ketenbeeld::v1::PublishStatusResponse>(
                         [this](grpc::CallbackServerContext* context) { return publish_streams_.Open(context); }));
}

grpc::ServerUnaryReactor* PictureService::RegisterOrganizationRaw(
    grpc::CallbackServerContext* context, const ketenbeeld::v1::RegisterOrganizationRequest* request,
    grpc::ByteBuffer* response) {
  return SubmitWriteAnsweringBytes(context, deps_.services,
                                   mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* PictureService::ReportStatusRaw(grpc::CallbackServerContext* context,
                                                          const ketenbeeld::v1::ReportStatusRequest* request,
                                                          grpc::ByteBuffer* response) {
  return SubmitWriteAnsweringBytes(context, deps_.services,
                                   mutations::WriteRequest{.body = TakeRequest(request), .actor = {}}, response);
}

grpc::ServerUnaryReactor* PictureService::Get(grpc::CallbackServerContext* context,
                                              const ketenbeeld::v1::GetRequest* request,
                                              ketenbeeld::v1::GetResponse* response) {
  // From the picture in memory (a past revision is one point read): on the calling thread.
  return Serve(context, deps_.services, response, [&](const security::Identity& caller) {
    return deps_.services.operations.Get(caller, *request, *response);
  });
}

grpc::ServerUnaryReactor* PictureService::List(grpc::CallbackServerContext* context,
                                               const ketenbeeld::v1::ListRequest* request,
                                               ketenbeeld::v1::ListResponse* response) {
  auto list = [this, request, response](const security::Identity& caller) {
    return deps_.services.operations.List(caller, *request, *response);
  };
  // The latest revision is read from the picture in memory, on the calling thread. A past revision (or a page token,
  // which may name one) scans the store's key index: off gRPC's callback threads (base/work_pool.h).
  // So does a read at a moment (at_time), a past revision found by a search of the log.
  if (request->revision() == 0 && request->page_token().empty() && !request->has_at_time()) {
    return Serve(context, deps_.services, response, list);
  }
  return ServeScan(context, deps_.services, response, list);
}

grpc::ServerUnaryReactor* PictureService::History(grpc::CallbackServerContext* context,
                                                  const ketenbeeld::v1::HistoryRequest* request,
                                                  ketenbeeld::v1::HistoryResponse* response) {
  // History scans the store's log: off gRPC's callback threads (base/work_pool.h).
  return ServeScan(context, deps_.services, response, [this, request, response](const security::Identity& caller) {
    return deps_.services.operations.History(caller, *request, *response);
  });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PictureService::Subscribe(grpc::CallbackServerContext* context,
                                                                      const grpc::ByteBuffer* request_bytes) {
  ketenbeeld::v1::SubscribeRequest request;
  grpc::Status parsed = grpc::SerializationTraits<ketenbeeld::v1::SubscribeRequest>::Deserialize(
      const_cast<grpc::ByteBuffer*>(request_bytes), &request);
  absl::StatusOr<service::Operations::FeedGrant> grant = [&]() -> absl::StatusOr<service::Operations::FeedGrant> {
    absl::StatusOr<security::Identity> caller = deps_.services.gate.Admit(*context);
    if (!caller.ok()) return caller.status();
    if (!parsed.ok()) return absl::InvalidArgumentError("request: not a SubscribeRequest");
    if (absl::Status valid = domain::ValidateFilter(request.filter(), "filter"); !valid.ok()) return valid;
    return deps_.services.operations.Subscribe(*caller, request);
  }();
  std::shared_ptr<Subscription> subscription;
  if (grant.ok()) {
    absl::MutexLock lock(&feeds_mu_);
    if (!feeds_closed_) {
      subscription = std::make_shared<Subscription>(deps_.feed, feed_options_, domain::CompiledFilter(request.filter()),
                                                    std::move(*grant));
      // Forget feeds that have ended, so the registry stays as small as the set of live feeds.
      std::erase_if(feeds_, [](const std::weak_ptr<Subscription>& feed) { return feed.expired(); });
      feeds_.push_back(subscription);
    }
  }
  if (subscription == nullptr) {
    return new Refusal<grpc::ServerWriteReactor<grpc::ByteBuffer>>(
        grant.ok() ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down")
                   : ToGrpcStatus(grant.status()));
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
