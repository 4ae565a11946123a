#include "server/api/feed_messages.h"

#include <string>
#include <type_traits>
#include <variant>

#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "server/api/wire_format.h"

namespace ketenbeeld::api {
namespace {

using wire::AppendBytesField;
using wire::AppendKey;
using wire::AppendVarint;
using wire::FieldSize;
using wire::kLengthDelimited;
using wire::kVarint;
using wire::ToByteBuffer;
using wire::VarintSize;

// SubscribeResponse.snapshot = 1, SubscribeResponse.events = 3; EventBatch.events = 1;
// SnapshotChunk.revision = 1, SnapshotChunk.records = 2.
constexpr uint32_t kResponseSnapshot = 1;
constexpr uint32_t kResponseEvents = 3;
constexpr uint32_t kBatchEvents = 1;
constexpr uint32_t kChunkRevision = 1;
constexpr uint32_t kChunkRecords = 2;

template <typename Ptr>
size_t RepeatedSize(uint32_t field, std::span<const Ptr> items, const policy::Viewer& viewer) {
  size_t size = 0;
  for (const Ptr& item : items) size += FieldSize(field, policy::WireFor(viewer, *item).size());
  return size;
}

template <typename Ptr>
void AppendRepeated(uint32_t field, std::span<const Ptr> items, const policy::Viewer& viewer, std::string& out) {
  for (const Ptr& item : items) {
    AppendBytesField(field, policy::WireFor(viewer, *item), out);
  }
}

}  // namespace

grpc::ByteBuffer EventBatchMessage(std::span<const state::EventPtr> events, const policy::Viewer& viewer) {
  const size_t batch_size = RepeatedSize(kBatchEvents, events, viewer);
  std::string out;
  out.reserve(FieldSize(kResponseEvents, batch_size));
  AppendKey(kResponseEvents, kLengthDelimited, out);
  AppendVarint(batch_size, out);
  AppendRepeated(kBatchEvents, events, viewer, out);
  return ToByteBuffer(out);
}

grpc::ByteBuffer SnapshotChunkMessage(int64_t revision, std::span<const state::RecordPtr> records,
                                      const policy::Viewer& viewer) {
  const size_t chunk_size = VarintSize(kChunkRevision << 3) + VarintSize(static_cast<uint64_t>(revision)) +
                            RepeatedSize(kChunkRecords, records, viewer);
  std::string out;
  out.reserve(FieldSize(kResponseSnapshot, chunk_size));
  AppendKey(kResponseSnapshot, kLengthDelimited, out);
  AppendVarint(chunk_size, out);
  AppendKey(kChunkRevision, kVarint, out);
  AppendVarint(static_cast<uint64_t>(revision), out);
  AppendRepeated(kChunkRecords, records, viewer, out);
  return ToByteBuffer(out);
}

grpc::ByteBuffer SerializeMessage(const ketenbeeld::v1::SubscribeResponse& response) {
  return ToByteBuffer(response.SerializeAsString());
}

grpc::ByteBuffer FrameMessage(const feed::FeedFrame& frame, const policy::Viewer& viewer) {
  return std::visit(
      [&viewer](const auto& f) -> grpc::ByteBuffer {
        using F = std::decay_t<decltype(f)>;
        ketenbeeld::v1::SubscribeResponse response;
        if constexpr (std::is_same_v<F, feed::Reset>) {
          response.mutable_reset()->set_compacted_revision(f.compacted_revision);
        } else if constexpr (std::is_same_v<F, feed::SnapshotChunk>) {
          return SnapshotChunkMessage(f.revision, f.records, viewer);
        } else if constexpr (std::is_same_v<F, feed::Synced>) {
          response.mutable_synced()->set_revision(f.revision);
          *response.mutable_synced()->mutable_server_time() = ToProtoTime(f.server_time);
        } else if constexpr (std::is_same_v<F, feed::Events>) {
          return EventBatchMessage(f.events, viewer);
        } else if constexpr (std::is_same_v<F, feed::Heartbeat>) {
          response.mutable_heartbeat()->set_revision(f.revision);
          *response.mutable_heartbeat()->mutable_server_time() = ToProtoTime(f.server_time);
        } else {
          static_assert(std::is_same_v<F, feed::End>);
          return grpc::ByteBuffer();
        }
        return SerializeMessage(response);
      },
      frame);
}

}  // namespace ketenbeeld::api
