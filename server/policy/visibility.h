// Graduated visibility of capacity: who sees an organisation's detailed figures, and what everyone else sees.
//
// Detailed figures (a status report's capacity, staffing, supplies, free text and reporter, the counts of its
// capacity that is not beds: ambulance, gp_post's consultations and slots, home_care, public_health, and its answers
// to indicators) are visible to the organisation itself, the GHOR and dispatch. Everyone else (other institutions,
// the bestuur, the operator) sees the rest of the report (overall status, disruptions, emergency department, GP post
// state, intake stop, crisis plan, timing) with `detail_withheld` set, and regional capacity totals and indicator
// aggregates that reveal no single organisation (PublishedFigures below). Providers share more when competitors cannot
// read their figures.
//
// Redaction is done once per audience, not once per reader: a shared record or event keeps its redacted form beside
// its full form (server/state/records.h), made on first use, so a thousand institution feeds cost one redaction.
//
// Thread safety: all functions are thread safe.
#ifndef KETENBEELD_SERVER_POLICY_VISIBILITY_H_
#define KETENBEELD_SERVER_POLICY_VISIBILITY_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "ketenbeeld/v1/picture.pb.h"
#include "ketenbeeld/v1/workflow_service.pb.h"
#include "server/domain/entities.h"
#include "server/queries/reports.h"
#include "server/security/identity.h"
#include "server/state/picture.h"
#include "server/state/records.h"

namespace ketenbeeld::policy {

inline constexpr int kDefaultMinAggregateGroup = domain::kDefaultMinAggregateGroup;

// What one reader may see.
class Viewer {
 public:
  // Everything (development mode, and the server's own use).
  static Viewer Everything() { return Viewer(true, ""); }
  // The federation role (federation.h): what crosses upward, and nothing of the organisations' own detail
  // otherwise (SeesDetailOf is false for every organisation; the redaction is RedactForFederation).
  static Viewer Federation() { return Viewer(false, "", true); }
  static Viewer For(const security::Identity& identity);

  // Whether this reader sees `organization_id`'s detailed figures.
  bool SeesDetailOf(absl::string_view organization_id) const {
    return all_detail_ || (!organization_id.empty() && organization_id == organization_id_);
  }
  // Whether this reader sees every organisation's figures (then nothing is ever redacted for it).
  bool sees_all_detail() const { return all_detail_; }
  // Whether this reader is the federation role: records are redacted by RedactForFederation, and those that never
  // cross upward (FederationAdmits false) are left out of every read and feed.
  bool federation() const { return federation_; }

 private:
  Viewer(bool all_detail, std::string organization_id, bool federation = false)
      : all_detail_(all_detail), organization_id_(std::move(organization_id)), federation_(federation) {}
  bool all_detail_;
  std::string organization_id_;
  bool federation_;
};

// The organisation whose figures `record` holds (a status report's organisation), or empty for records without
// detailed figures.
absl::string_view DetailOwner(const ketenbeeld::v1::Record& record);

// Clears the detailed figures of a status report (see above) and sets detail_withheld.
void WithholdDetail(ketenbeeld::v1::StatusReport& report);

// Clears the figures of a sector aggregate (aggregate.proto) and sets detail_withheld: what readers without every
// organisation's detail get (institutions, the bestuur, the operator). They see who reported when, so a live sum
// would give one organisation's change by subtraction; their sums come from the published figures (the capacity
// overview). The count of reporting organisations and the withheld flag stay (no figure).
void WithholdAggregate(ketenbeeld::v1::SectorAggregate& aggregate);

// Webhook secrets (Organization.contact.endpoints[].webhook.secret) are withheld from every reader, whatever its
// role, also in development mode: Redact and WireFor strip them for all (domain::StripSecrets).
//
// Redacts `record` / `event` in place for `viewer`: secrets always, detailed figures (of a status report, of a sector
// aggregate) when the viewer may not see them. For the federation viewer: RedactForFederation (federation.h), and a
// record that never crosses is cleared; callers leave such records out first (FederationAdmits). Returns whether
// detailed figures were withheld (for the federation viewer: whether the record carries no organisation's exact
// figures).
bool Redact(const Viewer& viewer, ketenbeeld::v1::Record& record);
bool Redact(const Viewer& viewer, ketenbeeld::v1::Event& event);

// The serialized form of a shared record / event for `viewer`: the full wire, or the redacted one (made once per
// record / event, then shared by every reader without detailed visibility), or the federation one (made once, shared
// by every federation reader; the feed never selects a record that does not cross, feed/session.cc).
const std::string& WireFor(const Viewer& viewer, const state::StoredRecord& record);
const std::string& WireFor(const Viewer& viewer, const state::PublishedEvent& event);

// The capacity figures as published to readers who may not see individual organisations' figures (institutions,
// the bestuur, the operator), so that their totals reveal no single organisation under any sequence of reads.
//
// The threat: such a reader sees who reported when (the operational picture: the feed, List, History), so it can
// read the totals just before and just after one organisation's report and subtract; and a total of one figure
// given by fewer organisations than its bed type's is that figure. So every cell (one figure of one bed type in one
// region and sector, one supply in one region, one ChainFigure in one region and sector, or one indicator's answers;
// queries::FigureTable) is
// published on its own, and a cell's published values are replaced by its live ones only when at least `min_group`
// organisations' values differ from the last publication (given, changed, or no longer given; a report that repeats
// its figures changes nothing). Between any two versions of a sum such a reader can see, at least `min_group`
// organisations' figures changed; a sum over fewer than `min_group` organisations is withheld
// (queries::ComputeCapacityOverview). All such readers share one publication, so combining the reads of several of them
// adds nothing.
//
// The cost: their sums trail the live picture until enough organisations have reported a change (newest_report
// says how far); the GHOR, dispatch and the organisation itself keep exact figures. Publication is checked on each
// read (every read publishes what is due).
//
// Across a restart: with a `path`, every new publication is written to that file (published_file.h) before any
// reader sees it, and a restarted server goes on from it, so that a total read before a restart and one read after
// it differ by at least `min_group` organisations' changes too. When the file cannot be written the new publication
// is not made (readers keep the previous one, which is safe: it only trails) and the next read tries again. Without
// a path (tests) the publication is kept in memory only and starts from the live picture.
//
// Thread safety: thread safe.
class PublishedFigures {
 public:
  // `min_group` at least 1 (1: every change is published at once, no protection). `path`: the file the publication is
  // kept in (read here when it exists); empty: memory only. A file that cannot be read is logged
  // (published_figures_unreadable) and the publication starts from the live picture, as for a new data directory.
  explicit PublishedFigures(int min_group, std::string path = "");

  int min_group() const { return min_group_; }

  // Publishes each cell of `live` in which at least min_group() organisations' values differ from its published
  // ones, takes the registrations of `live`, and returns the figures as now published (never null; shared,
  // immutable; its revision is `live`'s at the last publication).
  std::shared_ptr<const queries::FigureTable> Publish(const queries::FigureTable& live) ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  const int min_group_;
  const std::string path_;
  absl::Mutex mutex_;
  std::shared_ptr<const queries::FigureTable> published_ ABSL_GUARDED_BY(mutex_);
  // Whether published_ still lacks the registrations (loaded from the file, which keeps only figures).
  bool registrations_missing_ ABSL_GUARDED_BY(mutex_) = false;
  bool write_failing_ ABSL_GUARDED_BY(mutex_) = false;
};

// What a reader's capacity reports are computed from: the live figures for a reader who sees every organisation's
// figures (min_group 0), else the published ones with their minimum group size. `revision`: the picture's at the
// read, which a report carries (published figures may trail it; their report times say how far).
struct ReportFigures {
  std::shared_ptr<const queries::FigureTable> figures;
  int min_group = 0;
  int64_t revision = 0;
};
ReportFigures FiguresFor(const Viewer& viewer, const state::Picture& picture, PublishedFigures& published);

}  // namespace ketenbeeld::policy

#endif  // KETENBEELD_SERVER_POLICY_VISIBILITY_H_
