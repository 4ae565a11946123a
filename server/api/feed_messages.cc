#include "server/api/feed_messages.h"

#include <string>
#include <type_traits>
#include <variant>

#include "base/time.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/support/slice.h"

namespace ketenbeeld::api {
namespace {

// Protobuf wire format: a field key is (field_number << 3 | wire_type); length-delimited fields have wire type 2.
constexpr uint32_t kVarint = 0;
constexpr uint32_t kLengthDelimited = 2;
// SubscribeResponse.snapshot = 1, SubscribeResponse.events = 3; EventBatch.events = 1;
// SnapshotChunk.revision = 1, SnapshotChunk.records = 2.
constexpr uint32_t kResponseSnapshot = 1;
constexpr uint32_t kResponseEvents = 3;
constexpr uint32_t kBatchEvents = 1;
constexpr uint32_t kChunkRevision = 1;
constexpr uint32_t kChunkRecords = 2;

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void AppendVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendKey(uint32_t field, uint32_t wire_type, std::string& out) { AppendVarint((field << 3) | wire_type, out); }

// Size of a length-delimited field holding `payload` bytes (key, length, payload).
size_t FieldSize(uint32_t field, size_t payload) { return VarintSize(field << 3) + VarintSize(payload) + payload; }

template <typename Ptr>
size_t RepeatedSize(uint32_t field, std::span<const Ptr> items, const policy::Viewer& viewer) {
  size_t size = 0;
  for (const Ptr& item : items) size += FieldSize(field, policy::WireFor(viewer, *item).size());
  return size;
}

template <typename Ptr>
void AppendRepeated(uint32_t field, std::span<const Ptr> items, const policy::Viewer& viewer, std::string& out) {
  for (const Ptr& item : items) {
    const std::string& wire = policy::WireFor(viewer, *item);
    AppendKey(field, kLengthDelimited, out);
    AppendVarint(wire.size(), out);
    out.append(wire);
  }
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
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
