#include "server/policy/visibility.h"

#include <utility>

namespace ketenbeeld::policy {

Viewer Viewer::For(const security::Identity& identity) {
  const bool all_detail = identity.development() || identity.role == ketenbeeld::v1::ROLE_GHOR ||
                          identity.role == ketenbeeld::v1::ROLE_DISPATCH ||
                          identity.role == ketenbeeld::v1::ROLE_SYSTEM;
  return Viewer(all_detail, identity.organization_id);
}

absl::string_view DetailOwner(const ketenbeeld::v1::Record& record) {
  if (!record.has_status_report()) return {};
  return record.status_report().organization_id();
}

void WithholdDetail(ketenbeeld::v1::StatusReport& report) {
  report.clear_capacity();
  report.clear_staffing();
  report.clear_supplies();
  report.clear_free_text();
  report.clear_reporter();
  report.set_detail_withheld(true);
}

bool Redact(const Viewer& viewer, ketenbeeld::v1::Record& record) {
  const absl::string_view owner = DetailOwner(record);
  if (owner.empty() || viewer.SeesDetailOf(owner)) return false;
  WithholdDetail(*record.mutable_status_report());
  return true;
}

bool Redact(const Viewer& viewer, ketenbeeld::v1::Event& event) {
  return event.has_record() && Redact(viewer, *event.mutable_record());
}

namespace {

// The redacted wire of a shared item, made on first use: `make` serializes the redacted copy.
template <typename Item, typename Make>
const std::string& RedactedWire(const Item& item, Make make) {
  absl::call_once(item.redacted_once, [&] { item.redacted_wire = make(); });
  return item.redacted_wire;
}

}  // namespace

const std::string& WireFor(const Viewer& viewer, const state::StoredRecord& record) {
  const absl::string_view owner = DetailOwner(record.record);
  if (owner.empty() || viewer.SeesDetailOf(owner)) return record.wire;
  return RedactedWire(record, [&] {
    ketenbeeld::v1::Record copy = record.record;
    WithholdDetail(*copy.mutable_status_report());
    return copy.SerializeAsString();
  });
}

const std::string& WireFor(const Viewer& viewer, const state::PublishedEvent& event) {
  const absl::string_view owner = DetailOwner(event.event.record());
  if (owner.empty() || viewer.SeesDetailOf(owner)) return event.wire;
  return RedactedWire(event, [&] {
    ketenbeeld::v1::Event copy = event.event;
    WithholdDetail(*copy.mutable_record()->mutable_status_report());
    return copy.SerializeAsString();
  });
}

void ApplyMinimumGroup(const Viewer& viewer, int min_group, ketenbeeld::v1::CapacityOverview& overview) {
  if (viewer.sees_all_detail()) return;
  for (ketenbeeld::v1::CapacityTotal& total : *overview.mutable_totals()) {
    if (total.organizations_reported() >= min_group) continue;
    total.clear_available();
    total.clear_occupied();
    total.clear_baseline();
    total.clear_surge_24h();
    total.clear_surge_72h();
    total.clear_newest_report();
    total.clear_oldest_report();
    total.set_figures_withheld(true);
  }
}

}  // namespace ketenbeeld::policy
