// Framing of Subscribe responses. Events and records are already serialized (once, shared by every subscriber), so
// a message is assembled by concatenating their bytes (or, for a reader who may not see an organisation's figures,
// the bytes of the item's redacted form, also made once) behind the protobuf field headers instead of re-serializing
// them per subscriber. The result is byte-for-byte a valid ketenbeeld.v1.SubscribeResponse.
#ifndef KETENBEELD_SERVER_API_FEED_MESSAGES_H_
#define KETENBEELD_SERVER_API_FEED_MESSAGES_H_

#include <cstdint>
#include <span>

#include "grpcpp/support/byte_buffer.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/feed/session.h"
#include "server/policy/visibility.h"
#include "server/state/records.h"

namespace ketenbeeld::api {

// SubscribeResponse{events: EventBatch{events: ...}}, each event in the form `viewer` may see (policy::WireFor).
grpc::ByteBuffer EventBatchMessage(std::span<const state::EventPtr> events, const policy::Viewer& viewer);
// SubscribeResponse{snapshot: SnapshotChunk{revision, records: ...}}, likewise.
grpc::ByteBuffer SnapshotChunkMessage(int64_t revision, std::span<const state::RecordPtr> records,
                                      const policy::Viewer& viewer);
// Any other response, serialized the ordinary way.
grpc::ByteBuffer SerializeMessage(const ketenbeeld::v1::SubscribeResponse& response);
// The SubscribeResponse of a feed session's frame, records and events in the form `viewer` may see. Not for End,
// which is the RPC's status, not a message (an End frame yields an empty buffer).
grpc::ByteBuffer FrameMessage(const feed::FeedFrame& frame, const policy::Viewer& viewer);

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_FEED_MESSAGES_H_
