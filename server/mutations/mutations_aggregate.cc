// Sector aggregates (aggregate.proto): the summed figures of each group of long-term care organisations in the
// region, "aggregates/{group}", what crosses upward instead of one nursing home's figures
// (docs/federation-policy.md).
//
// Why a derived change in the report's own commit group rather than a sum on read: as for an incident's affected
// organisations (mutations_area.cc), every reader (the federation feed, History, a replica) sees one committed value
// at the same revision as the report that moved it, and the two are durable together or not at all. The withheld
// state below the minimum group size is part of the committed record, so no reader can compute it differently.
//
// Cost: a write that changes a report or registration of a long-term care organisation walks the registry and
// status reports ("organizations/" prefix) once per write, whatever the number of its changes, and puts an aggregate
// only when its value differs from the current one (a report that repeats its figures changes nothing). Writes of
// acute care and other partners, and of other records, cost one scope test per change.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/domain/entities.h"
#include "server/domain/names.h"
#include "server/mutations/mutations.h"
#include "server/queries/reports.h"

namespace ketenbeeld::mutations {
namespace {

namespace v1 = ::ketenbeeld::v1;

// The group of an organisation's record (its registration or a report), from the scope the server set on it.
absl::string_view GroupOfRecord(const v1::Record& record) {
  if (record.scope().sector() != v1::SECTOR_LONG_TERM_CARE) return {};
  if (!record.has_organization() && !record.has_status_report()) return {};
  return domain::AggregateGroupOf(record.scope().organization_kind());
}

// One organisation of a group with its reports, as the group's write leaves them; its figures count by the rule of
// queries/reports.h.
using Member = queries::OrganizationReports;

struct BedSums {
  int64_t available = 0;
  int available_given = 0;
  int64_t total = 0;
  int total_given = 0;
  int reporting = 0;
};

v1::SectorAggregate Compute(const domain::AggregateGroup& group, const std::map<std::string, Member>& members,
                            int min_group) {
  v1::SectorAggregate aggregate;
  aggregate.set_group(std::string(group.group));
  aggregate.set_sector(v1::SECTOR_LONG_TERM_CARE);
  for (v1::OrganizationKind kind : group.kinds) aggregate.add_organization_kinds(kind);
  aggregate.set_min_group_size(min_group);
  absl::btree_map<int, BedSums> beds;
  absl::btree_map<int, int> disruptions;
  int reporting = 0;
  int critical = 0;
  for (const auto& [id, member] : members) {
    if (member.organization == nullptr) continue;  // Reports count only for registered organisations.
    if (std::find(group.kinds.begin(), group.kinds.end(), member.organization->kind()) == group.kinds.end()) continue;
    const std::vector<const v1::StatusReport*> counted = member.Counted();
    if (counted.empty()) continue;
    ++reporting;
    // This organisation's figures per bed type: summed over its counted reports, each given when any report gives it.
    absl::btree_map<int, std::pair<std::optional<int64_t>, std::optional<int64_t>>> own;
    absl::btree_set<int> own_disruptions;
    bool is_critical = false;
    for (const v1::StatusReport* report : counted) {
      for (const v1::Capacity& capacity : report->capacity()) {
        auto& [available, total] = own[capacity.type()];
        if (capacity.has_available()) available = available.value_or(0) + capacity.available();
        if (capacity.has_available() && capacity.has_occupied()) {
          total = total.value_or(0) + capacity.available() + capacity.occupied();
        }
      }
      for (const v1::Disruption& disruption : report->disruptions()) {
        if (disruption.severity() > v1::SEVERITY_NONE) own_disruptions.insert(disruption.type());
      }
      is_critical = is_critical || report->overall_status() == v1::OVERALL_STATUS_CRITICAL ||
                    report->overall_status() == v1::OVERALL_STATUS_CLOSED;
    }
    for (const auto& [type, figures] : own) {
      BedSums& sums = beds[type];
      ++sums.reporting;
      if (figures.first.has_value()) {
        sums.available += *figures.first;
        ++sums.available_given;
      }
      if (figures.second.has_value()) {
        sums.total += *figures.second;
        ++sums.total_given;
      }
    }
    for (int type : own_disruptions) ++disruptions[type];
    if (is_critical) ++critical;
  }
  aggregate.set_organizations_reporting(reporting);
  if (reporting < min_group) {
    aggregate.set_withheld_below_minimum(true);
    return aggregate;
  }
  for (const auto& [type, sums] : beds) {
    v1::AggregateBeds& out = *aggregate.add_beds();
    out.set_type(static_cast<v1::BedType>(type));
    out.set_organizations_reporting(sums.reporting);
    // A sum given by fewer organisations than the minimum is nearly one organisation's figure: withheld on its own.
    if (sums.available_given >= min_group) out.set_available(sums.available);
    if (sums.total_given >= min_group) out.set_total(sums.total);
  }
  for (const auto& [type, organizations] : disruptions) {
    v1::AggregateDisruption& out = *aggregate.add_disruptions();
    out.set_type(static_cast<v1::DisruptionType>(type));
    out.set_organizations(organizations);
  }
  aggregate.set_organizations_critical(critical);
  return aggregate;
}

}  // namespace

std::vector<PlannedChange> PlanAggregateFollowUps(absl::Span<const PlannedChange> changes, const PlanContext& context) {
  std::vector<PlannedChange> out;
  if (!context.exercise_id.empty()) return out;
  // The groups this write's changes touch (a registration may move an organisation from one group to another).
  absl::btree_set<std::string> touched;
  for (const PlannedChange& change : changes) {
    if (domain::IsExerciseRecord(change.record.name())) continue;
    if (absl::string_view group = GroupOfRecord(change.record); !group.empty()) touched.emplace(group);
    if (change.previous != nullptr) {
      if (absl::string_view group = GroupOfRecord(change.previous->record); !group.empty()) touched.emplace(group);
    }
  }
  if (touched.empty()) return out;

  // The registry and reports as this write leaves them: the committed picture, the earlier writes of the group
  // (lookup), then this write's own changes.
  absl::flat_hash_map<std::string, const PlannedChange*> own;
  for (const PlannedChange& change : changes) own[change.record.name()] = &change;
  std::vector<state::RecordPtr> keep_alive;
  std::map<std::string, Member> members;
  absl::flat_hash_map<std::string, bool> seen;
  const auto consider = [&](const std::string& name) {
    if (!seen.emplace(name, true).second) return;
    const v1::Record* record = nullptr;
    if (const auto it = own.find(name); it != own.end()) {
      if (it->second->type == v1::EVENT_TYPE_DELETE) return;
      record = &it->second->record;
    } else {
      state::RecordPtr current = context.lookup(name);
      if (current == nullptr) return;
      record = &current->record;
      keep_alive.push_back(std::move(current));
    }
    // A federated organisation (on a ROAZ or national server) is summed by its own region's aggregate, which crosses
    // as a record of its own (docs/federation.md, "What federates"): this server's aggregates are its own registry's.
    if (record->has_provenance()) return;
    // Every registration and report is taken: a report's scope is its organisation's as it was when reported, so
    // the group is decided by the registration as it is now (Compute).
    if (record->has_organization()) {
      members[record->organization().id()].organization = &record->organization();
    } else if (!record->has_status_report()) {
      return;
    } else if (record->status_report().location_id().empty()) {
      members[record->status_report().organization_id()].organization_report = &record->status_report();
    } else {
      members[record->status_report().organization_id()].location_reports.push_back(&record->status_report());
    }
  };
  const state::Picture::Snapshot committed = context.picture.TakePrefix("organizations/", {}, 0);
  for (const state::RecordPtr& record : committed.records) consider(record->record.name());
  for (const state::Change& earlier : context.earlier_changes) {
    if (earlier.record != nullptr && !domain::IsExerciseRecord(earlier.record->record.name())) {
      consider(earlier.record->record.name());
    }
  }
  for (const PlannedChange& change : changes) {
    if (!domain::IsExerciseRecord(change.record.name())) consider(change.record.name());
  }

  for (const domain::AggregateGroup& group : domain::AggregateGroups()) {
    if (!touched.contains(std::string(group.group))) continue;
    const std::string name = domain::AggregateName(std::string(group.group));
    state::RecordPtr current = context.lookup(name);
    v1::SectorAggregate aggregate = Compute(group, members, context.region.min_aggregate_group());
    if (current == nullptr && aggregate.organizations_reporting() == 0) continue;  // Nothing to say yet.
    if (current != nullptr &&
        google::protobuf::util::MessageDifferencer::Equals(current->record.sector_aggregate(), aggregate)) {
      continue;
    }
    v1::Record record;
    record.set_name(name);
    record.set_kind(v1::ENTITY_KIND_SECTOR_AGGREGATE);
    record.mutable_scope()->set_safety_region(context.region.safety_region());
    record.mutable_scope()->set_sector(v1::SECTOR_LONG_TERM_CARE);
    *record.mutable_sector_aggregate() = std::move(aggregate);
    out.push_back(Put(std::move(record), std::move(current)));
  }
  return out;
}

}  // namespace ketenbeeld::mutations
