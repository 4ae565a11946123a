// Framing of Subscribe responses. Events and records are already serialized (once, shared by every subscriber), so
// a message is assembled by concatenating their bytes behind the protobuf field headers instead of re-serializing
// them per subscriber. The result is byte-for-byte a valid ketenbeeld.v1.SubscribeResponse.
#ifndef KETENBEELD_SERVER_API_FEED_MESSAGES_H_
#define KETENBEELD_SERVER_API_FEED_MESSAGES_H_

#include <cstdint>
#include <span>

#include "grpcpp/support/byte_buffer.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "server/pipeline/records.h"

namespace ketenbeeld::api {

// SubscribeResponse{events: EventBatch{events: ...}}.
grpc::ByteBuffer EventBatchMessage(std::span<const pipeline::EventPtr> events);
// SubscribeResponse{snapshot: SnapshotChunk{revision, records: ...}}.
grpc::ByteBuffer SnapshotChunkMessage(int64_t revision, std::span<const pipeline::RecordPtr> records);
// Any other response, serialized the ordinary way.
grpc::ByteBuffer SerializeMessage(const ketenbeeld::v1::SubscribeResponse& response);

}  // namespace ketenbeeld::api

#endif  // KETENBEELD_SERVER_API_FEED_MESSAGES_H_
