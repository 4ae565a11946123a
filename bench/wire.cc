#include "bench/wire.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ketenbeeld::bench {
namespace {

namespace v1 = ::ketenbeeld::v1;

constexpr int kStampDigits = 19;
constexpr std::string_view kStampPrefix = "t=";

// A minimal reader of the protobuf wire format over one flat buffer.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes)
      : position_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(position_ + bytes.size()) {}

  bool AtEnd() const { return position_ >= end_; }
  bool ok() const { return ok_; }

  // Reads the next tag; false at the end or on malformed input.
  bool NextField(uint32_t* field, uint32_t* wire_type) {
    if (AtEnd() || !ok_) return false;
    const uint64_t tag = Varint();
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7);
    return ok_ && *field != 0;
  }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= end_) return Fail();
      const uint8_t byte = *position_++;
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Fail();
  }

  std::string_view LengthDelimited() {
    const uint64_t length = Varint();
    if (!ok_ || length > static_cast<uint64_t>(end_ - position_)) {
      Fail();
      return {};
    }
    std::string_view result(reinterpret_cast<const char*>(position_), length);
    position_ += length;
    return result;
  }

  void Skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0:
        Varint();
        return;
      case 1:
        Advance(8);
        return;
      case 2:
        LengthDelimited();
        return;
      case 5:
        Advance(4);
        return;
      default:
        Fail();
    }
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    position_ = end_;
    return 0;
  }
  void Advance(size_t bytes) {
    if (bytes > static_cast<size_t>(end_ - position_)) {
      Fail();
      return;
    }
    position_ += bytes;
  }

  const uint8_t* position_;
  const uint8_t* end_;
  bool ok_ = true;
};

// Reads field `wanted` (varint) of a message; 0 when absent.
int64_t VarintField(std::string_view message, uint32_t wanted) {
  WireReader reader(message);
  uint32_t field = 0, wire_type = 0;
  int64_t result = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == wanted && wire_type == 0) {
      result = static_cast<int64_t>(reader.Varint());
    } else {
      reader.Skip(wire_type);
    }
  }
  return result;
}

// google.protobuf.Timestamp {seconds = 1, nanos = 2} in Unix nanoseconds.
int64_t TimestampNanos(std::string_view timestamp) {
  WireReader reader(timestamp);
  uint32_t field = 0, wire_type = 0;
  int64_t seconds = 0, nanos = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 1 && wire_type == 0) {
      seconds = static_cast<int64_t>(reader.Varint());
    } else if (field == 2 && wire_type == 0) {
      nanos = static_cast<int64_t>(reader.Varint());
    } else {
      reader.Skip(wire_type);
    }
  }
  return seconds * 1'000'000'000 + nanos;
}

// ketenbeeld.v1.Event: revision = 1, commit_time = 2, record = 5 { status_report = 11 }.
bool ScanEvent(std::string_view bytes, FeedEvent* event) {
  WireReader reader(bytes);
  uint32_t field = 0, wire_type = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 1 && wire_type == 0) {
      event->revision = static_cast<int64_t>(reader.Varint());
    } else if (field == 2 && wire_type == 2) {
      event->commit_unix_nanos = TimestampNanos(reader.LengthDelimited());
    } else if (field == 5 && wire_type == 2) {
      WireReader record(reader.LengthDelimited());
      uint32_t record_field = 0, record_wire_type = 0;
      while (record.NextField(&record_field, &record_wire_type)) {
        if (record_field == 11 && record_wire_type == 2) {
          event->send_unix_nanos = ScanReportSendStamp(record.LengthDelimited());
        } else {
          record.Skip(record_wire_type);
        }
      }
      if (!record.ok()) return false;
    } else {
      reader.Skip(wire_type);
    }
  }
  return reader.ok();
}

// mvccpb.Event: kv = 2 { mod_revision = 3, value = 5 }.
bool ScanEtcdEvent(std::string_view bytes, FeedEvent* event) {
  WireReader reader(bytes);
  uint32_t field = 0, wire_type = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 2 && wire_type == 2) {
      WireReader kv(reader.LengthDelimited());
      uint32_t kv_field = 0, kv_wire_type = 0;
      while (kv.NextField(&kv_field, &kv_wire_type)) {
        if (kv_field == 3 && kv_wire_type == 0) {
          event->revision = static_cast<int64_t>(kv.Varint());
        } else if (kv_field == 5 && kv_wire_type == 2) {
          event->send_unix_nanos = ScanReportSendStamp(kv.LengthDelimited());
        } else {
          kv.Skip(kv_wire_type);
        }
      }
      if (!kv.ok()) return false;
    } else {
      reader.Skip(wire_type);
    }
  }
  return reader.ok();
}

}  // namespace

int64_t ParseSendStamp(std::string_view free_text) {
  if (free_text.size() < kStampPrefix.size() + kStampDigits || free_text.substr(0, 2) != kStampPrefix) return 0;
  int64_t value = 0;
  for (int i = 0; i < kStampDigits; ++i) {
    const char digit = free_text[kStampPrefix.size() + i];
    if (digit < '0' || digit > '9') return 0;
    value = value * 10 + (digit - '0');
  }
  return value;
}

int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string OrganizationId(int index) { return absl::StrFormat("bench-org-%06d", index); }

PayloadFactory::PayloadFactory(int report_bytes) : report_bytes_(report_bytes) {
  // Measure the report, then pad the free text. The length prefix of free_text grows from one to two bytes at 128
  // characters, which the second round settles.
  const std::string words =
      "Situatie stabiel; extra personeel opgeroepen voor de nachtdienst, evacuatie van afdeling 3 voorbereid. ";
  auto make_filler = [&words](size_t length) {
    std::string filler;
    while (filler.size() < length) filler += words;
    filler.resize(length);
    return filler;
  };
  for (int round = 0; round < 4; ++round) {
    const int64_t missing = report_bytes_ - static_cast<int64_t>(Report(0, 1'700'000'000'000'000'000).ByteSizeLong());
    if (missing == 0) break;
    const int64_t length = static_cast<int64_t>(filler_.size()) + missing;
    filler_ = make_filler(static_cast<size_t>(length < 0 ? 0 : length));
  }
}

v1::Organization PayloadFactory::Organization(int index) const {
  v1::Organization organization;
  organization.set_id(OrganizationId(index));
  organization.set_name(absl::StrFormat("Benchmark ziekenhuis %06d", index));
  organization.set_kind(v1::ORGANIZATION_KIND_HOSPITAL);
  organization.set_safety_region(kSafetyRegion);
  organization.set_roaz_region("ROAZ Noord-Holland en Flevoland");
  v1::Location* location = organization.add_locations();
  location->set_id("hoofdlocatie");
  location->set_name("Hoofdlocatie");
  location->set_address("Wilhelminalaan 12, 1815 JD Alkmaar");
  location->mutable_coordinates()->set_latitude(52.6324);
  location->mutable_coordinates()->set_longitude(4.7534);
  organization.mutable_contact()->set_name("Crisiscoördinator (24/7)");
  organization.mutable_contact()->set_phone("+31 72 548 4444");
  organization.mutable_contact()->set_email("crisis@example.org");
  return organization;
}

v1::StatusReport PayloadFactory::Report(int index, int64_t send_unix_nanos) const {
  v1::StatusReport report;
  report.set_organization_id(OrganizationId(index));
  report.set_overall_status(v1::OVERALL_STATUS_STRAINED);
  v1::Disruption* staff = report.add_disruptions();
  staff->set_type(v1::DISRUPTION_TYPE_STAFF_SHORTAGE);
  staff->set_severity(v1::SEVERITY_MAJOR);
  staff->mutable_since()->set_seconds(1'700'000'000);
  staff->set_description("Ziekteverzuim op de IC en SEH; diensten niet volledig bezet.");
  v1::Disruption* surge = report.add_disruptions();
  surge->set_type(v1::DISRUPTION_TYPE_PATIENT_SURGE);
  surge->set_severity(v1::SEVERITY_MINOR);
  const v1::BedType bed_types[] = {
      v1::BED_TYPE_IC_ADULT,    v1::BED_TYPE_IC_PAEDIATRIC, v1::BED_TYPE_EMERGENCY_DEPARTMENT,
      v1::BED_TYPE_MEDIUM_CARE, v1::BED_TYPE_GENERAL_WARD,  v1::BED_TYPE_ISOLATION};
  int count = 3 + index % 7;
  for (v1::BedType type : bed_types) {
    v1::Capacity* capacity = report.add_capacity();
    capacity->set_type(type);
    capacity->set_available(count);
    capacity->set_occupied(count * 4);
    capacity->set_baseline(count * 5);
    capacity->set_surge_24h(count);
    capacity->set_surge_72h(count * 2);
    count += 2;
  }
  report.mutable_staffing()->set_level(v1::STAFFING_LEVEL_INSUFFICIENT);
  report.mutable_staffing()->set_shortage_count(12);
  report.mutable_staffing()->set_description("IC-verpleegkundigen nacht, 4 SEH-artsen");
  v1::Supply* generator = report.add_supplies();
  generator->set_type(v1::SUPPLY_TYPE_GENERATOR);
  generator->set_state(v1::SUPPLY_STATE_AVAILABLE);
  generator->set_stock(12000);
  generator->set_consumption_per_day(3000);
  generator->set_unit("litre");
  generator->set_autonomy_hours(96);
  v1::Supply* oxygen = report.add_supplies();
  oxygen->set_type(v1::SUPPLY_TYPE_OXYGEN);
  oxygen->set_state(v1::SUPPLY_STATE_LIMITED);
  oxygen->set_stock(40);
  oxygen->set_consumption_per_day(10);
  oxygen->set_unit("cylinders");
  report.mutable_emergency_department()->set_state(v1::EMERGENCY_DEPARTMENT_STATE_DIVERSION);
  report.mutable_emergency_department()->set_reason("Geen IC-bedden beschikbaar voor traumapatiënten");
  report.set_crisis_plan_activated(true);
  report.mutable_reporter()->set_name("J. de Vries");
  report.mutable_reporter()->set_function("crisiscoördinator");
  report.mutable_reporter()->set_phone("+31 72 548 4400");
  report.set_free_text(absl::StrFormat("t=%019d %s", send_unix_nanos, filler_));
  return report;
}

bool ScanSubscribeResponse(std::string_view bytes, FeedMessage* out) {
  out->kind = FeedMessage::Kind::kUnknown;
  out->revision = 0;
  out->snapshot_records = 0;
  out->events.clear();
  WireReader reader(bytes);
  uint32_t field = 0, wire_type = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (wire_type != 2) {
      reader.Skip(wire_type);
      continue;
    }
    const std::string_view body = reader.LengthDelimited();
    switch (field) {
      case 1: {  // SnapshotChunk { revision = 1, records = 2 }
        out->kind = FeedMessage::Kind::kSnapshot;
        WireReader chunk(body);
        uint32_t chunk_field = 0, chunk_wire_type = 0;
        while (chunk.NextField(&chunk_field, &chunk_wire_type)) {
          if (chunk_field == 1 && chunk_wire_type == 0) {
            out->revision = static_cast<int64_t>(chunk.Varint());
          } else {
            if (chunk_field == 2) ++out->snapshot_records;
            chunk.Skip(chunk_wire_type);
          }
        }
        if (!chunk.ok()) return false;
        break;
      }
      case 2:  // Synced { revision = 1 }
        out->kind = FeedMessage::Kind::kSynced;
        out->revision = VarintField(body, 1);
        break;
      case 3: {  // EventBatch { events = 1 }
        out->kind = FeedMessage::Kind::kEvents;
        WireReader batch(body);
        uint32_t batch_field = 0, batch_wire_type = 0;
        while (batch.NextField(&batch_field, &batch_wire_type)) {
          if (batch_field == 1 && batch_wire_type == 2) {
            FeedEvent& event = out->events.emplace_back();
            if (!ScanEvent(batch.LengthDelimited(), &event)) return false;
          } else {
            batch.Skip(batch_wire_type);
          }
        }
        if (!batch.ok()) return false;
        break;
      }
      case 4:  // Heartbeat { revision = 1 }
        out->kind = FeedMessage::Kind::kHeartbeat;
        out->revision = VarintField(body, 1);
        break;
      case 5:  // Reset { compacted_revision = 1 }
        out->kind = FeedMessage::Kind::kReset;
        out->revision = VarintField(body, 1);
        break;
      default:
        break;
    }
  }
  return reader.ok();
}

bool ScanWatchResponse(std::string_view bytes, FeedMessage* out) {
  out->kind = FeedMessage::Kind::kUnknown;
  out->revision = 0;
  out->snapshot_records = 0;
  out->events.clear();
  bool created = false, canceled = false;
  WireReader reader(bytes);
  uint32_t field = 0, wire_type = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 1 && wire_type == 2) {  // header { revision = 3 }
      out->revision = VarintField(reader.LengthDelimited(), 3);
    } else if (field == 3 && wire_type == 0) {
      created = reader.Varint() != 0;
    } else if (field == 4 && wire_type == 0) {
      canceled = reader.Varint() != 0;
    } else if (field == 11 && wire_type == 2) {
      FeedEvent& event = out->events.emplace_back();
      if (!ScanEtcdEvent(reader.LengthDelimited(), &event)) return false;
    } else {
      reader.Skip(wire_type);
    }
  }
  if (canceled) {
    out->kind = FeedMessage::Kind::kWatchCanceled;
  } else if (created) {
    out->kind = FeedMessage::Kind::kWatchCreated;
  } else if (!out->events.empty()) {
    out->kind = FeedMessage::Kind::kEvents;
  } else {
    out->kind = FeedMessage::Kind::kHeartbeat;  // A progress notification.
  }
  return reader.ok();
}

int64_t ScanWriteResponseRevision(std::string_view bytes) { return VarintField(bytes, 1); }

int64_t ScanPutResponseRevision(std::string_view bytes) {
  WireReader reader(bytes);
  uint32_t field = 0, wire_type = 0;
  int64_t revision = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 1 && wire_type == 2) {
      revision = VarintField(reader.LengthDelimited(), 3);
    } else {
      reader.Skip(wire_type);
    }
  }
  return revision;
}

bool ScanRangeResponse(std::string_view bytes, int64_t* revision, int64_t* kv_count) {
  *revision = 0;
  *kv_count = 0;
  WireReader reader(bytes);
  uint32_t field = 0, wire_type = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 1 && wire_type == 2) {
      *revision = VarintField(reader.LengthDelimited(), 3);
    } else {
      if (field == 2) ++*kv_count;
      reader.Skip(wire_type);
    }
  }
  return reader.ok();
}

int64_t ScanReportSendStamp(std::string_view status_report_bytes) {
  WireReader reader(status_report_bytes);
  uint32_t field = 0, wire_type = 0;
  while (reader.NextField(&field, &wire_type)) {
    if (field == 10 && wire_type == 2) return ParseSendStamp(reader.LengthDelimited());
    reader.Skip(wire_type);
  }
  return 0;
}

}  // namespace ketenbeeld::bench
