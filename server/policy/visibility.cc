#include "server/policy/visibility.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "server/domain/endpoints.h"
#include "server/observability/log.h"
#include "server/policy/federation.h"
#include "server/policy/published_file.h"

namespace ketenbeeld::policy {

namespace v1 = ::ketenbeeld::v1;

Viewer Viewer::For(const security::Identity& identity) {
  if (!identity.development() && identity.role == ketenbeeld::v1::ROLE_FEDERATION) return Federation();
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
  // Capacity that is not beds: its counts are figures like the beds; a GP post's state and an intake stop are not
  // (like the emergency department, others must know where not to send people), so they stay.
  report.clear_ambulance();
  report.clear_home_care();
  report.clear_public_health();
  if (report.has_gp_post()) {
    v1::GpPostCapacity& gp_post = *report.mutable_gp_post();
    gp_post.clear_consultations_per_hour();
    gp_post.clear_slots_available();
    if (gp_post.state() == v1::GP_POST_STATE_UNSPECIFIED && gp_post.reason().empty()) report.clear_gp_post();
  }
  // Answers to indicators are figures too (a temperature, a count of residents), whatever their type.
  report.clear_indicator_values();
  report.set_detail_withheld(true);
  // The mask of a partial report would tell which withheld figures changed ("capacity.ic_adult"): such paths are
  // cut to the part's name ("capacity"), so the reader learns that a withheld part changed, not which figure. The
  // mask stays non-empty, so it still does not read as a whole report.
  google::protobuf::RepeatedPtrField<std::string>& paths = *report.mutable_update_mask()->mutable_paths();
  for (std::string& path : paths) {
    const size_t dot = path.find('.');
    const absl::string_view head = absl::string_view(path).substr(0, dot);
    const bool withheld_part = head == "capacity" || head == "staffing" || head == "supplies" || head == "reporter" ||
                               head == "ambulance" || head == "home_care" || head == "public_health";
    const bool withheld_gp_count = path == "gp_post.consultations_per_hour" || path == "gp_post.slots_available";
    if (dot != std::string::npos && (withheld_part || withheld_gp_count)) path.resize(dot);
  }
  // Sorted again: a GP post's counts cut to "gp_post" may now stand after "gp_post.reason".
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
}

void WithholdAggregate(ketenbeeld::v1::SectorAggregate& aggregate) {
  aggregate.clear_beds();
  aggregate.clear_disruptions();
  aggregate.clear_organizations_critical();
  aggregate.set_detail_withheld(true);
}

namespace {

// Whether `viewer` gets `record` without its detailed figures (secrets aside; not for the federation viewer).
bool Withheld(const Viewer& viewer, const ketenbeeld::v1::Record& record) {
  if (record.has_sector_aggregate()) return !viewer.sees_all_detail();
  const absl::string_view owner = DetailOwner(record);
  return !owner.empty() && !viewer.SeesDetailOf(owner);
}

void Withhold(ketenbeeld::v1::Record& record) {
  if (record.has_sector_aggregate()) {
    WithholdAggregate(*record.mutable_sector_aggregate());
  } else {
    WithholdDetail(*record.mutable_status_report());
  }
}

}  // namespace

bool Redact(const Viewer& viewer, ketenbeeld::v1::Record& record) {
  domain::StripSecrets(record);  // For every reader: a secret is never read back.
  if (viewer.federation()) return !RedactForFederation(record);
  if (!Withheld(viewer, record)) return false;
  Withhold(record);
  return true;
}

bool Redact(const Viewer& viewer, ketenbeeld::v1::Event& event) {
  if (!event.has_record()) return false;
  if (viewer.federation()) {
    domain::StripSecrets(*event.mutable_record());
    return !RedactForFederation(event);
  }
  return Redact(viewer, *event.mutable_record());
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
  if (viewer.federation()) {
    absl::call_once(record.federation_once, [&] {
      ketenbeeld::v1::Record copy = record.record;
      domain::StripSecrets(copy);
      RedactForFederation(copy);
      record.federation_wire = copy.SerializeAsString();
    });
    return record.federation_wire;
  }
  if (domain::HoldsSecrets(record.record)) {
    // An organisation's record has no detailed figures, so its redacted form is the one without secrets, for all.
    return RedactedWire(record, [&] {
      ketenbeeld::v1::Record copy = record.record;
      domain::StripSecrets(copy);
      return copy.SerializeAsString();
    });
  }
  if (!Withheld(viewer, record.record)) return record.wire;
  return RedactedWire(record, [&] {
    ketenbeeld::v1::Record copy = record.record;
    Withhold(copy);
    return copy.SerializeAsString();
  });
}

const std::string& WireFor(const Viewer& viewer, const state::PublishedEvent& event) {
  if (viewer.federation()) {
    absl::call_once(event.federation_once, [&] {
      ketenbeeld::v1::Event copy = event.event;
      domain::StripSecrets(*copy.mutable_record());
      RedactForFederation(copy);
      event.federation_wire = copy.SerializeAsString();
    });
    return event.federation_wire;
  }
  if (domain::HoldsSecrets(event.event.record())) {
    return RedactedWire(event, [&] {
      ketenbeeld::v1::Event copy = event.event;
      domain::StripSecrets(*copy.mutable_record());
      return copy.SerializeAsString();
    });
  }
  if (!Withheld(viewer, event.event.record())) return event.wire;
  return RedactedWire(event, [&] {
    ketenbeeld::v1::Event copy = event.event;
    Withhold(*copy.mutable_record());
    return copy.SerializeAsString();
  });
}

namespace {

// How many organisations' values differ between two versions of a cell (each sorted by organisation id): given in
// one and not the other, or given with another value. The report times do not count: a report that repeats its
// figures changes no sum.
template <typename Values, typename Same>
int Differing(const Values& published, const Values& live, Same same) {
  int differing = 0;
  auto p = published.begin();
  auto l = live.begin();
  while (p != published.end() || l != live.end()) {
    if (l == live.end() || (p != published.end() && p->first < l->first)) {
      ++differing;
      ++p;
    } else if (p == published.end() || l->first < p->first) {
      ++differing;
      ++l;
    } else {
      differing += same(p->second, l->second) ? 0 : 1;
      ++p;
      ++l;
    }
  }
  return differing;
}

// Brings the cells of `current` (a map of cells, as published) up to date with `live` into `next`, which is made (a
// copy of `base`) on the first change: a cell whose values differ from `live`'s in at least `threshold(cell)`
// organisations takes `live`'s values; a cell new in `live` below the threshold is published without values (its
// sums withheld: someone gives the figure, but not enough organisations for a publication); a cell `live` no longer
// has is dropped (its values were either all withdrawn, at least the threshold, or never shown).
template <typename Cells, typename Same, typename Threshold>
void PublishCells(const Cells& current, const Cells& live, Same same, Threshold threshold,
                  std::shared_ptr<queries::FigureTable>& next, const queries::FigureTable& base,
                  Cells queries::FigureTable::*member) {
  const typename Cells::mapped_type none{};
  auto cells = [&]() -> Cells& {
    if (next == nullptr) next = std::make_shared<queries::FigureTable>(base);
    return (*next).*member;
  };
  for (const auto& [key, values] : live) {
    const auto it = current.find(key);
    const auto& published = it == current.end() ? none : it->second;
    if (Differing(published, values, same) >= threshold(key)) {
      cells()[key] = values;
    } else if (it == current.end()) {
      cells()[key];  // Published without values.
    }
  }
  for (const auto& [key, values] : current) {
    if (!live.contains(key)) cells().erase(key);
  }
}

}  // namespace

PublishedFigures::PublishedFigures(int min_group, std::string path)
    : min_group_(std::max(1, min_group)),
      path_(std::move(path)),
      published_(std::make_shared<const queries::FigureTable>()) {
  if (path_.empty()) return;
  absl::StatusOr<std::optional<queries::FigureTable>> kept = ReadPublishedFigures(path_);
  if (!kept.ok()) {
    observability::LogError("published_figures_unreadable", {{"path", path_}, {"error", kept.status().ToString()}});
    return;
  }
  if (!kept->has_value()) return;
  absl::MutexLock lock(&mutex_);
  published_ = std::make_shared<const queries::FigureTable>(**std::move(kept));
  registrations_missing_ = true;
}

std::shared_ptr<const queries::FigureTable> PublishedFigures::Publish(const queries::FigureTable& live) {
  absl::MutexLock lock(&mutex_);
  std::shared_ptr<queries::FigureTable> next;
  const queries::FigureTable& current = *published_;
  // A reader whose snapshot is older than the last publication (it read the picture before another reader
  // published) gets the publication as it is, rather than turning it back.
  if (live.revision < current.revision) return published_;
  // Which organisations report a bed type at all (CAPACITY_FIGURE_UNSPECIFIED) is no figure: published as soon as it
  // changes, so organizations_reported is current. Every figure waits for min_group_ changed values.
  PublishCells(
      current.capacity, live.capacity,
      [](const queries::FigureTable::CapacityValue& a, const queries::FigureTable::CapacityValue& b) {
        return a.value == b.value;
      },
      [&](const queries::FigureTable::CapacityCell& cell) {
        return cell.figure == v1::CAPACITY_FIGURE_UNSPECIFIED ? 1 : min_group_;
      },
      next, current, &queries::FigureTable::capacity);
  PublishCells(
      current.supplies, live.supplies, [](absl::Time a, absl::Time b) { return a == b; },
      [&](const queries::FigureTable::SupplyCell&) { return min_group_; }, next, current,
      &queries::FigureTable::supplies);
  // Capacity that is not beds follows the same rule; intake stops (CHAIN_FIGURE_UNSPECIFIED) are no figure, every
  // reader sees them on the reports, so they are published at once.
  PublishCells(
      current.chain, live.chain,
      [](const queries::FigureTable::CapacityValue& a, const queries::FigureTable::CapacityValue& b) {
        return a.value == b.value;
      },
      [&](const queries::FigureTable::ChainCell& cell) {
        return cell.figure == v1::CHAIN_FIGURE_UNSPECIFIED ? 1 : min_group_;
      },
      next, current, &queries::FigureTable::chain);
  // Indicator answers (questionnaires) follow the capacity's rule: a cell is published when at least min_group_
  // organisations' answers changed; the report times do not count.
  PublishCells(
      current.indicators, live.indicators,
      [](const queries::FigureTable::IndicatorAnswer& a, const queries::FigureTable::IndicatorAnswer& b) {
        return a.number == b.number && a.choice == b.choice;
      },
      [&](const queries::FigureTable::IndicatorCell&) { return min_group_; }, next, current,
      &queries::FigureTable::indicators);
  const bool figures_changed = next != nullptr;
  if (!figures_changed && current.organizations == live.organizations && !registrations_missing_) return published_;
  if (next == nullptr) next = std::make_shared<queries::FigureTable>(current);
  next->revision = live.revision;
  next->organizations = live.organizations;
  // Kept before anyone sees it: a publication a restart forgot would let the next one differ from it by fewer than
  // min_group changes. Registrations are no figure and are not kept.
  if (figures_changed && !path_.empty()) {
    absl::Status kept = WritePublishedFigures(path_, *next);
    if (!kept.ok()) {
      // Logged once until a write succeeds again: every read tries again, and must not flood the log.
      if (!write_failing_) {
        observability::LogError("published_figures_write_failed", {{"path", path_}, {"error", kept.ToString()}});
      }
      write_failing_ = true;
      // The figures stay as they were; the registrations (no figure) are taken all the same.
      next = std::make_shared<queries::FigureTable>(current);
      next->revision = live.revision;
      next->organizations = live.organizations;
    } else if (write_failing_) {
      observability::LogInfo("published_figures_written_again", {{"path", path_}});
      write_failing_ = false;
    }
  }
  registrations_missing_ = false;
  published_ = std::move(next);
  return published_;
}

ReportFigures FiguresFor(const Viewer& viewer, const state::Picture& picture, PublishedFigures& published) {
  auto live = std::make_shared<const queries::FigureTable>(queries::TabulateFigures(picture));
  const int64_t revision = live->revision;
  if (viewer.sees_all_detail()) return {.figures = std::move(live), .min_group = 0, .revision = revision};
  return {.figures = published.Publish(*live), .min_group = published.min_group(), .revision = revision};
}

}  // namespace ketenbeeld::policy
