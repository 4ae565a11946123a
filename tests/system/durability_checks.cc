#include "tests/system/durability_checks.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/connection.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/test_server.h"

namespace ketenbeeld::testing {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr int kMaxProblemsShown = 10;

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
}

// Reports a list of problems as one failure that shows the first few, instead of thousands of failures.
void ExpectNoProblems(const std::vector<std::string>& problems, const std::string& what) {
  if (problems.empty()) return;
  std::vector<std::string> shown(problems.begin(),
                                 problems.begin() + std::min<std::size_t>(problems.size(), kMaxProblemsShown));
  ADD_FAILURE() << problems.size() << " " << what << ", e.g.:\n  " << absl::StrJoin(shown, "\n  ");
}

}  // namespace

ClosedLoopWriters::ClosedLoopWriters(const ServerProcess& server, int threads, const std::string& prefix) {
  absl::MutexLock lock(&mu_);
  running_ = threads;
  for (int t = 0; t < threads; ++t) stubs_.push_back(server.NewStub());
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, t, stub = stubs_[t].get(), prefix] { Run(t, stub, prefix, false); });
  }
}

ClosedLoopWriters::ClosedLoopWriters(const std::string& servers, int threads, const std::string& prefix) {
  absl::MutexLock lock(&mu_);
  running_ = threads;
  for (int t = 0; t < threads; ++t) stubs_.push_back(v1::PictureService::NewStub(client::Connect(servers)));
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, t, stub = stubs_[t].get(), prefix] { Run(t, stub, prefix, true); });
  }
}

ClosedLoopWriters::~ClosedLoopWriters() { Stop(); }

void ClosedLoopWriters::Run(int writer, v1::PictureService::Stub* stub, const std::string& prefix, bool fail_over) {
  grpc::Status final_status;
  std::string organization_id;
  for (int i = 0; !stop_.load(); ++i) {
    v1::WriteResponse response;
    grpc::Status status;
    if (i % 8 == 0) {
      organization_id = absl::StrCat(prefix, "-w", writer, "-", i / 8);
      status = Register(*stub, MakeOrganization(organization_id), &response);
    } else {
      status = Report(*stub, MakeReport(organization_id, i % 50), &response);
    }
    if (!status.ok() && fail_over) {
      {
        absl::MutexLock lock(&mu_);
        failures_.push_back(status);
      }
      i = (i / 8 + 1) * 8 - 1;                 // The next write registers a new organisation.
      absl::SleepFor(absl::Milliseconds(20));  // The member is probably gone: let the channel move on.
      continue;
    }
    if (!status.ok()) {
      final_status = status;
      break;
    }
    absl::MutexLock lock(&mu_);
    acknowledged_.push_back({response.revision(), response.record().name(), response.record()});
  }
  absl::MutexLock lock(&mu_);
  final_statuses_.push_back(final_status);
  --running_;
}

bool ClosedLoopWriters::WaitUntilAcknowledged(int count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return static_cast<int>(acknowledged_.size()) >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

int ClosedLoopWriters::failed_writes() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(failures_.size());
}

std::vector<grpc::Status> ClosedLoopWriters::failures(int from) const {
  absl::MutexLock lock(&mu_);
  if (from >= static_cast<int>(failures_.size())) return {};
  return std::vector<grpc::Status>(failures_.begin() + std::max(from, 0), failures_.end());
}

int ClosedLoopWriters::acknowledged_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(acknowledged_.size());
}

bool ClosedLoopWriters::WaitUntilAllFailed(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto all_stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&all_stopped), timeout);
}

void ClosedLoopWriters::Stop() {
  stop_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

std::vector<AcknowledgedWrite> ClosedLoopWriters::acknowledged() const {
  absl::MutexLock lock(&mu_);
  std::vector<AcknowledgedWrite> sorted = acknowledged_;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.revision < b.revision; });
  return sorted;
}

std::vector<grpc::Status> ClosedLoopWriters::final_statuses() const {
  absl::MutexLock lock(&mu_);
  return final_statuses_;
}

absl::StatusOr<WholeLog> ReadWholeLog(v1::PictureService::Stub& stub) {
  WholeLog log;
  v1::HistoryRequest request;
  // Pages a sanitized server answers well within the deadline, also while it catches up.
  request.set_page_size(2000);
  // Bounded: a server whose paging does not move forward fails the read instead of hanging the test.
  for (int page_number = 0; page_number < 10000; ++page_number) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::HistoryResponse page;
    grpc::Status status = stub.History(&context, request, &page);
    if (!status.ok()) return absl::InternalError(absl::StrCat("History: ", status.error_message()));
    if (page_number == 0) log.latest_revision = page.revision();
    for (v1::Event& event : *page.mutable_events()) log.events.push_back(std::move(event));
    if (page.next_from_revision() == 0) return log;
    if (page.next_from_revision() <= request.from_revision()) {
      return absl::InternalError(absl::StrCat("History paging does not advance: next_from_revision ",
                                              page.next_from_revision(), " after ", request.from_revision()));
    }
    request.set_from_revision(page.next_from_revision());
  }
  return absl::InternalError("History: too many pages");
}

absl::StatusOr<v1::ListResponse> ListWholePicture(v1::PictureService::Stub& stub) {
  v1::ListResponse all;
  v1::ListRequest request;
  request.set_page_size(10000);
  for (int page_number = 0; page_number < 10000; ++page_number) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ListResponse page;
    grpc::Status status = stub.List(&context, request, &page);
    if (!status.ok()) return absl::InternalError(absl::StrCat("List: ", status.error_message()));
    for (v1::Record& record : *page.mutable_records()) *all.add_records() = std::move(record);
    all.set_revision(page.revision());
    if (page.next_page_token().empty()) return all;
    request.set_page_token(page.next_page_token());
  }
  return absl::InternalError("List: too many pages");
}

void ExpectRecoveredPictureHoldsEveryAcknowledgedWrite(v1::PictureService::Stub& stub,
                                                       const std::vector<AcknowledgedWrite>& acknowledged,
                                                       const std::vector<AcknowledgedWrite>& check_with_get,
                                                       int64_t* latest_revision) {
  absl::StatusOr<WholeLog> log = ReadWholeLog(stub);
  ASSERT_TRUE(log.ok()) << log.status();
  const int64_t n = log->latest_revision;
  *latest_revision = n;

  // The log is gap-free 1..N, and no commit group was torn by the crash.
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < log->events.size(); ++i) {
    const v1::Event& event = log->events[i];
    if (event.revision() != static_cast<int64_t>(i) + 1) {
      problems.push_back(absl::StrCat("position ", i, " holds revision ", event.revision(), ", expected ", i + 1));
    }
    if (event.group_last_revision() < event.revision() || event.group_last_revision() > n) {
      problems.push_back(absl::StrCat("revision ", event.revision(), " has group_last_revision ",
                                      event.group_last_revision(), " outside [", event.revision(), ", ", n, "]"));
    }
  }
  EXPECT_EQ(static_cast<int64_t>(log->events.size()), n) << "History must hold every revision 1.." << n;
  ExpectNoProblems(problems, "gaps or torn groups in the log");

  // Every acknowledged write is in the log, at its revision, as acknowledged.
  problems.clear();
  for (const AcknowledgedWrite& write : acknowledged) {
    if (write.record.mod_revision() != write.revision) {
      problems.push_back(absl::StrCat(write.name, ": acknowledged at revision ", write.revision,
                                      " but the returned record has mod_revision ", write.record.mod_revision()));
    }
    if (write.revision < 1 || write.revision > static_cast<int64_t>(log->events.size())) {
      problems.push_back(absl::StrCat("LOST: ", write.name, " acknowledged at revision ", write.revision,
                                      ", but the log ends at ", log->events.size()));
      continue;
    }
    const v1::Event& event = log->events[write.revision - 1];
    if (event.revision() != write.revision || event.type() != v1::EVENT_TYPE_PUT ||
        !MessageDifferencer::Equals(event.record(), write.record)) {
      problems.push_back(absl::StrCat("LOST: ", write.name, " acknowledged at revision ", write.revision,
                                      "; the log has at that position: ", event.ShortDebugString()));
    }
  }
  ExpectNoProblems(problems, "acknowledged writes missing from the log or different there");

  // Get at the acknowledged revision returns the acknowledged record.
  problems.clear();
  for (const AcknowledgedWrite& write : check_with_get) {
    v1::GetRequest request;
    request.set_name(write.name);
    request.set_revision(write.revision);
    v1::GetResponse response;
    grpc::ClientContext context;
    SetDeadline(&context);
    grpc::Status status = stub.Get(&context, request, &response);
    if (!status.ok()) {
      problems.push_back(absl::StrCat("Get(", write.name, ", ", write.revision, "): ", status.error_code(), " ",
                                      status.error_message()));
    } else if (!MessageDifferencer::Equals(response.record(), write.record)) {
      problems.push_back(absl::StrCat("Get(", write.name, ", ", write.revision, ") returned ",
                                      response.record().ShortDebugString(), "\n    acknowledged ",
                                      write.record.ShortDebugString()));
    }
  }
  ExpectNoProblems(problems, "acknowledged writes that Get does not return as acknowledged");

  // The state is the replay of the log: the last put of every name, nothing else.
  std::map<std::string, v1::Record> replayed;
  for (const v1::Event& event : log->events) {
    if (event.type() == v1::EVENT_TYPE_DELETE) {
      replayed.erase(event.record().name());
    } else {
      replayed[event.record().name()] = event.record();
    }
  }
  absl::StatusOr<v1::ListResponse> picture = ListWholePicture(stub);
  ASSERT_TRUE(picture.ok()) << picture.status();
  EXPECT_EQ(picture->revision(), n) << "List at the latest revision must read at the log's last revision";
  std::map<std::string, v1::Record> listed;
  for (const v1::Record& record : picture->records()) listed[record.name()] = record;
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(picture->records_size())) << "List returned a name twice";
  problems.clear();
  for (const auto& [name, record] : replayed) {
    auto it = listed.find(name);
    if (it == listed.end()) {
      problems.push_back(absl::StrCat(name, " (mod_revision ", record.mod_revision(), ") is in the log, not in List"));
    } else if (!MessageDifferencer::Equals(it->second, record)) {
      problems.push_back(absl::StrCat(name, ": List has mod_revision ", it->second.mod_revision(),
                                      ", the log's last put is at ", record.mod_revision()));
    }
  }
  for (const auto& [name, record] : listed) {
    if (!replayed.contains(name)) problems.push_back(absl::StrCat(name, " is in List but never put in the log"));
  }
  ExpectNoProblems(problems, "differences between List and the replay of the log");
}

}  // namespace ketenbeeld::testing
