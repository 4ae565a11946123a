// What the load generator writes and how it reads the feeds cheaply.
//
// Payloads: a realistic status report of about 1 KB (disruptions, capacity per bed type, staffing, supplies,
// emergency department, reporter, free text). The same serialized bytes are the value of an etcd Put, so both
// servers store, log and fan out messages of the same size. The first bytes of the free text carry the send time
// ("t=<19-digit unix ns> "), so a subscriber can compute send-to-delivery latency on either server.
//
// Feed scanning: a subscriber may receive millions of events per second in the fan-out scenario, which a full
// protobuf parse per event could not keep up with on this 2-core machine. The scanners below walk the protobuf
// wire format and pick out only the fields the benchmark needs (revision, commit time, send stamp), the same work
// for both servers' messages. They never allocate except to grow the caller's event vector.
//
// Thread safety: all functions are pure; PayloadFactory is immutable after construction.
#ifndef KETENBEELD_BENCH_WIRE_H_
#define KETENBEELD_BENCH_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ketenbeeld/v1/organization.pb.h"
#include "ketenbeeld/v1/status.pb.h"

namespace ketenbeeld::bench {

// Wall-clock time in nanoseconds since the Unix epoch (the clock the server stamps commit_time with).
int64_t NowUnixNanos();

// The organisation id the benchmark uses for index `i` ("bench-org-000042").
std::string OrganizationId(int index);
// The safety region every benchmark organisation is in (the server's default region).
inline constexpr char kSafetyRegion[] = "VR10";

class PayloadFactory {
 public:
  // `report_bytes`: the target size of a serialized StatusReport (≥ 400; the free text is padded to reach it).
  explicit PayloadFactory(int report_bytes = 1000);

  // A registration of organisation `index`, the same for both servers.
  ketenbeeld::v1::Organization Organization(int index) const;
  // The status report of organisation `index`, stamped with `send_unix_nanos`; its serialized size is exactly
  // report_bytes() (for stamps with 19 digits, i.e. any time between 2001 and 2286).
  ketenbeeld::v1::StatusReport Report(int index, int64_t send_unix_nanos) const;
  int report_bytes() const { return report_bytes_; }

 private:
  int report_bytes_;
  std::string filler_;  // Free text after the stamp, sized so the report has report_bytes_.
};

// One event as a subscriber sees it.
struct FeedEvent {
  int64_t revision = 0;
  int64_t commit_unix_nanos = 0;  // ketenbeeld: Event.commit_time; etcd: 0 (its events carry no time).
  int64_t send_unix_nanos = 0;    // The stamp in the report's free text; 0 when absent (e.g. a registration).
};

// What one feed message meant, reduced to what the benchmark checks.
struct FeedMessage {
  enum class Kind { kSnapshot, kSynced, kEvents, kHeartbeat, kReset, kWatchCreated, kWatchCanceled, kUnknown };
  Kind kind = Kind::kUnknown;
  int64_t revision = 0;           // snapshot/synced/heartbeat revision, reset's compacted revision, etcd header.
  int64_t snapshot_records = 0;   // kSnapshot: records in this chunk.
  std::vector<FeedEvent> events;  // kEvents (etcd: a WatchResponse with events).
};

// Scans a serialized ketenbeeld.v1.SubscribeResponse into `out` (events cleared first). False when malformed.
bool ScanSubscribeResponse(std::string_view bytes, FeedMessage* out);
// Scans a serialized etcdserverpb.WatchResponse into `out`. False when malformed.
bool ScanWatchResponse(std::string_view bytes, FeedMessage* out);
// ketenbeeld.v1.WriteResponse.revision; 0 when absent.
int64_t ScanWriteResponseRevision(std::string_view bytes);
// etcdserverpb.PutResponse.header.revision; 0 when absent.
int64_t ScanPutResponseRevision(std::string_view bytes);
// etcdserverpb.RangeResponse: header.revision and the number of kvs. False when malformed.
bool ScanRangeResponse(std::string_view bytes, int64_t* revision, int64_t* kv_count);
// The send stamp at the start of a status report's free text ("t=<19 digits> ..."), 0 when absent or malformed.
int64_t ParseSendStamp(std::string_view free_text);
// The send stamp at the start of a serialized StatusReport's free text, 0 when absent or malformed.
int64_t ScanReportSendStamp(std::string_view status_report_bytes);

}  // namespace ketenbeeld::bench

#endif  // KETENBEELD_BENCH_WIRE_H_
