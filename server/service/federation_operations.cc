// Operations: federation, the downstream half (federation_service.proto, docs/federation.md). ApplyUpstream is an
// ordinary write (Write(): the configured identity of the source is checked in its BehalfVisitor overload); what is
// here is its answer, the cursors, and how reads flag a source's records as stale.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time.h"
#include "server/domain/names.h"
#include "server/policy/rules.h"
#include "server/service/operations.h"

namespace ketenbeeld::service {
namespace {

namespace v1 = ketenbeeld::v1;
using security::Identity;

// Pages of cursor records read at most (1000 each): there are at most 25 regions.
constexpr size_t kMaxSources = 1000;

// Not heard from for longer than stale_after, or in the middle of an upstream reset (its records are a mix of the old
// picture and the new snapshot until it finishes).
bool Stale(const v1::UpstreamSource& source, absl::Time now, absl::Duration stale_after) {
  return !source.has_last_heard() || now - FromProtoTime(source.last_heard()) > stale_after || source.has_reset();
}

}  // namespace

void Operations::ApplyUpstream(const Identity& caller, v1::ApplyUpstreamRequest request, ApplyUpstreamCallback done) {
  const std::string source = request.source_region();
  // The source commit times of a live range's events, for the federation lag (a reset's snapshot records are old by
  // nature: not a lag).
  std::vector<absl::Time> committed_upstream;
  if (deps_.federation_observer != nullptr && !request.has_reset()) {
    committed_upstream.reserve(request.events_size());
    for (const v1::Event& event : request.events()) committed_upstream.push_back(FromProtoTime(event.commit_time()));
  }
  mutations::WriteRequest write{.body = std::move(request), .actor = {}};
  Write(caller, std::move(write),
        [this, source, committed_upstream = std::move(committed_upstream),
         done = std::move(done)](absl::StatusOr<pipeline::WriteResult> result) mutable {
          if (!result.ok()) {
            const auto payload = result.status().GetPayload(mutations::kUpstreamConflictPayload);
            v1::UpstreamConflict conflict;
            if (!payload.has_value() || !conflict.ParseFromString(std::string(*payload))) {
              done(result.status());
              return;
            }
            // An organisation claimed by two sources: the federation's alert, committed on upstream/{source} for
            // every feed and the dashboard to see, then the refusal (without its payload) for the federator.
            const absl::Status refused(result.status().code(), result.status().message());
            RecordConflict(source, std::move(conflict), [done = std::move(done), refused]() mutable { done(refused); });
            return;
          }
          v1::ApplyUpstreamResponse response;
          response.set_revision(result->revision);
          // The write's last change is the cursor record; an exact replay changed nothing and has none.
          state::RecordPtr cursor = result->record;
          response.set_replayed(cursor == nullptr);
          if (cursor == nullptr) cursor = deps_.picture.Find(domain::UpstreamSourceName(source));
          if (!response.replayed() && cursor != nullptr && deps_.federation_observer != nullptr) {
            // The group's commit time is the cursor record's last_heard.
            const absl::Time applied = FromProtoTime(cursor->record.upstream_source().last_heard());
            for (const absl::Time at : committed_upstream) {
              deps_.federation_observer->OnUpstreamApplied(source, applied - at);
            }
          }
          if (cursor != nullptr && cursor->record.has_upstream_source()) {
            *response.mutable_source() = cursor->record.upstream_source();
            response.mutable_source()->set_stale(Stale(response.source(), deps_.clock(), deps_.upstream_stale_after));
          }
          done(std::move(response));
        });
}

void Operations::RecordConflict(const std::string& source_region, v1::UpstreamConflict conflict,
                                std::function<void()> then) {
  v1::Actor system;
  system.set_role(v1::ROLE_SYSTEM);
  system.set_subject("ketenbeeld-server");
  mutations::WriteRequest write{
      .body = mutations::UpstreamConflictReport{.source_region = source_region, .conflict = std::move(conflict)},
      .actor = std::move(system)};
  // Whether it was recorded or not (a storage fault), the federator gets its refusal.
  deps_.committer.Submit(std::move(write),
                         [then = std::move(then)](absl::StatusOr<pipeline::WriteResult>) mutable { then(); });
}

absl::StatusOr<v1::GetUpstreamCursorsResponse> Operations::GetUpstreamCursors(
    const Identity& caller, const v1::GetUpstreamCursorsRequest& /*request*/) {
  if (absl::Status allowed = policy::AuthorizeCall(caller, policy::method::kGetUpstreamCursors); !allowed.ok()) {
    return allowed;
  }
  if (absl::Status allowed = policy::AuthorizeUpstreamReader(caller, deps_.upstream_sources); !allowed.ok()) {
    return allowed;
  }
  const state::Picture::Snapshot snapshot = deps_.picture.TakePrefix(ToAbsl(domain::kUpstreamPrefix), {}, kMaxSources);
  const absl::Time now = deps_.clock();
  v1::GetUpstreamCursorsResponse response;
  for (const state::RecordPtr& record : snapshot.records) {
    if (!record->record.has_upstream_source()) continue;
    v1::UpstreamSource& source = *response.add_sources();
    source = record->record.upstream_source();
    source.set_stale(Stale(source, now, deps_.upstream_stale_after));
  }
  response.set_revision(snapshot.revision);
  *response.mutable_server_time() = ToProtoTime(now);
  return response;
}

void Operations::MarkFreshness(v1::Record& record) const {
  if (record.has_upstream_source()) {
    record.mutable_upstream_source()->set_stale(
        Stale(record.upstream_source(), deps_.clock(), deps_.upstream_stale_after));
    return;
  }
  if (!record.has_provenance()) return;
  v1::SourceProvenance& provenance = *record.mutable_provenance();
  // A chained record's freshness is that of the source that sent it here (docs/federation.md, "Chaining").
  const std::string& direct = provenance.via_region().empty() ? provenance.source_region() : provenance.via_region();
  const state::RecordPtr cursor = deps_.picture.Find(domain::UpstreamSourceName(direct));
  if (cursor == nullptr || !cursor->record.has_upstream_source()) {
    provenance.set_stale(true);
    provenance.clear_source_last_heard();
    return;
  }
  const v1::UpstreamSource& source = cursor->record.upstream_source();
  provenance.set_stale(Stale(source, deps_.clock(), deps_.upstream_stale_after));
  *provenance.mutable_source_last_heard() = source.last_heard();
}

std::vector<v1::UpstreamFreshness> Operations::SourcesFreshness() const {
  const state::Picture::Snapshot snapshot = deps_.picture.TakePrefix(ToAbsl(domain::kUpstreamPrefix), {}, kMaxSources);
  const absl::Time now = deps_.clock();
  std::vector<v1::UpstreamFreshness> sources;
  for (const state::RecordPtr& record : snapshot.records) {
    if (!record->record.has_upstream_source()) continue;
    const v1::UpstreamSource& source = record->record.upstream_source();
    v1::UpstreamFreshness& freshness = sources.emplace_back();
    freshness.set_safety_region(source.safety_region());
    *freshness.mutable_last_heard() = source.last_heard();
    freshness.set_cursor(source.cursor());
    freshness.set_stale(Stale(source, now, deps_.upstream_stale_after));
  }
  return sources;
}

queries::SourceFreshness Operations::ForReports(const std::vector<v1::UpstreamFreshness>& sources) {
  queries::SourceFreshness freshness;
  for (const v1::UpstreamFreshness& source : sources) {
    freshness.sources[source.safety_region()] = {
        .stale = source.stale(),
        .last_heard = source.has_last_heard() ? FromProtoTime(source.last_heard()) : absl::InfinitePast()};
  }
  return freshness;
}

}  // namespace ketenbeeld::service
