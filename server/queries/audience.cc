#include "server/queries/audience.h"

#include <algorithm>
#include <string>
#include <utility>

#include "server/domain/filter.h"
#include "server/domain/names.h"

namespace ketenbeeld::queries {
namespace {

namespace v1 = ::ketenbeeld::v1;

template <typename List, typename Value>
bool ListAllows(const List& list, const Value& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

domain::CompiledFilter KindsFilter(std::initializer_list<v1::EntityKind> kinds) {
  v1::Filter filter;
  for (v1::EntityKind kind : kinds) filter.add_kinds(kind);
  return domain::CompiledFilter(filter);
}

}  // namespace

bool InAudience(const v1::Audience& audience, const v1::Organization& organization) {
  return ListAllows(audience.safety_regions(), organization.safety_region()) &&
         ListAllows(audience.sectors(), static_cast<int>(organization.sector())) &&
         ListAllows(audience.kinds(), static_cast<int>(organization.kind())) &&
         ListAllows(audience.organization_ids(), organization.id()) &&
         // The incident's area as resolved for this alert version: an empty list there means nobody, not everybody.
         (!audience.incident_area() ||
          std::find(audience.incident_area_organization_ids().begin(), audience.incident_area_organization_ids().end(),
                    organization.id()) != audience.incident_area_organization_ids().end()) &&
         // The alert's own area, resolved the same way.
         (!audience.has_area() ||
          std::find(audience.area_organization_ids().begin(), audience.area_organization_ids().end(),
                    organization.id()) != audience.area_organization_ids().end());
}

std::vector<std::string> AudienceOf(const v1::Audience& audience, const state::Picture& picture) {
  static const domain::CompiledFilter* const kOrganizations =
      new domain::CompiledFilter(KindsFilter({v1::ENTITY_KIND_ORGANIZATION}));
  std::vector<std::string> ids;
  for (const state::RecordPtr& record : picture.Take(*kOrganizations).records) {
    if (InAudience(audience, record->record.organization())) ids.push_back(record->record.organization().id());
  }
  // Names are "organizations/{id}" in name order, so the ids are sorted already; sorting keeps that a promise of
  // this function rather than of the name scheme.
  std::sort(ids.begin(), ids.end());
  return ids;
}

AcknowledgementState AcknowledgementStateIn(const v1::Alert& alert, const std::vector<state::RecordPtr>& records) {
  AcknowledgementState state;
  std::vector<std::string> audience;
  std::vector<std::string> acknowledged;
  for (const state::RecordPtr& record : records) {
    const v1::Record& r = record->record;
    if (r.has_organization()) {
      if (InAudience(alert.audience(), r.organization())) audience.push_back(r.organization().id());
    } else if (r.has_acknowledgement() && r.acknowledgement().alert_id() == alert.id()) {
      state.acknowledgements.push_back(r.acknowledgement());
      acknowledged.push_back(r.acknowledgement().organization_id());
    }
  }
  std::sort(audience.begin(), audience.end());
  std::sort(acknowledged.begin(), acknowledged.end());
  std::sort(state.acknowledgements.begin(), state.acknowledgements.end(),
            [](const v1::Acknowledgement& a, const v1::Acknowledgement& b) {
              return a.organization_id() < b.organization_id();
            });
  std::set_difference(audience.begin(), audience.end(), acknowledged.begin(), acknowledged.end(),
                      std::back_inserter(state.unacknowledged_organization_ids));
  state.audience_size = static_cast<int>(audience.size());
  return state;
}

AcknowledgementState AcknowledgementStateOf(const v1::Alert& alert, const state::Picture& picture) {
  static const domain::CompiledFilter* const kOrganizationsAndAcknowledgements =
      new domain::CompiledFilter(KindsFilter({v1::ENTITY_KIND_ORGANIZATION, v1::ENTITY_KIND_ACKNOWLEDGEMENT}));
  // One snapshot: the alert's acknowledgements sort after its prefix, and every organisation ("organizations/...")
  // after every alert ("alerts/..."), so starting at the prefix skips only acknowledgements of other alerts.
  const state::Picture::Snapshot snapshot =
      picture.Take(*kOrganizationsAndAcknowledgements, domain::AcknowledgementPrefix(alert.id()));
  return AcknowledgementStateIn(alert, snapshot.records);
}

}  // namespace ketenbeeld::queries
