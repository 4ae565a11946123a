// The gRPC PictureService: thin handlers that establish who calls, hand the request to the pipeline (committer for
// writes, reader for reads, a Subscription for the feed) and convert the outcome to a gRPC status once.
//
// Subscribe is registered as a raw callback method: its responses are assembled from events serialized once per
// audience (see feed_messages.h) instead of being re-serialized for every subscriber.
#ifndef KETENBEELD_SERVER_API_PICTURE_SERVICE_H_
#define KETENBEELD_SERVER_API_PICTURE_SERVICE_H_

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "server/api/publish_stream.h"
#include "server/api/service_context.h"
#include "server/api/subscription.h"

namespace ketenbeeld::api {

class PictureService final : public ketenbeeld::v1::PictureService::WithRawCallbackMethod_Subscribe<
                                 ketenbeeld::v1::PictureService::CallbackService> {
 public:
  struct Dependencies {
    ServiceContext services;
    Subscription::Dependencies feed;
    // Counts each report of a PublishStatus stream (metrics); may be null.
    observability::RpcObserver* rpc_observer = nullptr;
  };

  PictureService(Dependencies dependencies, FeedOptions feed_options);

  // RegisterOrganization and ReportStatus are registered in the constructor with a raw response
  // (RegisterOrganizationRaw, ReportStatusRaw): they answer the WriteResponse's bytes, assembled from the record as
  // stored (SubmitWriteAnsweringBytes), which is what makes one call per write cheap enough. PublishStatus, a stream of
  // status reports each handled as a ReportStatus call, is registered in the constructor with a reactor that parses the
  // messages itself (server/api/publish_stream.h).
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context, const ketenbeeld::v1::GetRequest* request,
                                ketenbeeld::v1::GetResponse* response) override;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* context, const ketenbeeld::v1::ListRequest* request,
                                 ketenbeeld::v1::ListResponse* response) override;
  grpc::ServerUnaryReactor* History(grpc::CallbackServerContext* context, const ketenbeeld::v1::HistoryRequest* request,
                                    ketenbeeld::v1::HistoryResponse* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;

  // Ends every live feed with UNAVAILABLE (clients resume elsewhere or after restart) and refuses new ones.
  void EndAllFeeds();

  size_t live_feeds();

  // Ends every open PublishStatus stream with UNAVAILABLE once its reports in flight are answered, and refuses new
  // ones, so open streams do not hold up shutdown. Call before the gRPC server's Shutdown (the committer must still
  // run).
  void EndAllPublishStreams() { publish_streams_.EndAll(); }
  // Ends the publish streams whose credential was revoked since they opened (PublishStreams::EndRevoked).
  void EndRevokedPublishStreams() { publish_streams_.EndRevoked(); }
  size_t live_publish_streams() { return publish_streams_.live(); }

 private:
  grpc::ServerUnaryReactor* RegisterOrganizationRaw(grpc::CallbackServerContext* context,
                                                    const ketenbeeld::v1::RegisterOrganizationRequest* request,
                                                    grpc::ByteBuffer* response);
  grpc::ServerUnaryReactor* ReportStatusRaw(grpc::CallbackServerContext* context,
                                            const ketenbeeld::v1::ReportStatusRequest* request,
                                            grpc::ByteBuffer* response);

  const Dependencies deps_;
  const FeedOptions feed_options_;
  PublishStreams publish_streams_;

  absl::Mutex feeds_mu_;
  std::vector<std::weak_ptr<Subscription>> feeds_ ABSL_GUARDED_BY(feeds_mu_);
  bool feeds_closed_ ABSL_GUARDED_BY(feeds_mu_) = false;
};

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_PICTURE_SERVICE_H_
