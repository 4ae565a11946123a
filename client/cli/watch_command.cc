#include "client/cli/watch_command.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/cli/filter_options.h"
#include "client/cli/format.h"
#include "client/cli/messages.h"
#include "client/cli/server_clock.h"
#include "client/cli/status_message.h"
#include "client/feed.h"
#include "client/replica.h"
#include "ketenbeeld/v1/picture_service.pb.h"

namespace ketenbeeld::cli {
namespace {

std::string ClockTime(absl::Time time) { return absl::FormatTime("%H:%M:%S", time, absl::LocalTimeZone()); }

// `watch --table` on a terminal: the picture as a table, redrawn in place on every change (for a meldkamer screen
// without a browser), with a status line saying whether it is live.
class LiveTable {
 public:
  explicit LiveTable(std::string server) : server_(std::move(server)) {}

  void Changed(absl::Time when) { last_change_ = when; }
  // The server's time in a synced or heartbeat message: ages are measured against the server's clock.
  void ServerTime(const google::protobuf::Timestamp& server_time) { clock_.Observe(server_time, absl::Now()); }
  void Lost(absl::Time since) { lost_since_ = since; }
  void Reconnected() { lost_since_.reset(); }

  void Draw(const client::Replica& replica) const {
    if (!replica.is_synced()) return;
    std::vector<v1::Record> records;
    for (const auto& [name, record] : replica.records()) records.push_back(record);
    const absl::Time now = clock_.Now(absl::Now());
    std::string status =
        lost_since_.has_value() ? absl::StrCat("RECONNECTING since ", ClockTime(*lost_since_)) : std::string("live");
    // Clear the screen and home the cursor, then draw the whole picture: simple and flicker-free enough at crisis
    // volumes (a redraw per commit group).
    std::cout << "\x1b[H\x1b[2J"
              << "ketenbeeld " << server_ << "  |  " << status << "  |  revision " << replica.revision()
              << "  |  last change "
              << (last_change_ == absl::InfinitePast() ? std::string("—") : ClockTime(last_change_)) << "  |  "
              << ClockTime(now) << "\n\n"
              << RenderPictureTable(records, now) << std::flush;
  }

 private:
  static std::string ClockTime(absl::Time time) { return absl::FormatTime("%H:%M:%S", time, absl::LocalTimeZone()); }

  const std::string server_;
  ServerClock clock_;
  absl::Time last_change_ = absl::InfinitePast();
  std::optional<absl::Time> lost_since_;
};

int Watch(const GlobalOptions& options, int64_t from_revision, const FilterFlags& flags, bool table) {
  absl::StatusOr<v1::Filter> filter = BuildFilter(flags);
  if (!filter.ok()) return UsageError(filter.status());
  filter->set_exercise_id(options.exercise_id);  // The real picture, or the --exercise view.
  // The live table needs a terminal; piped output (a log, another program) falls back to one line per change.
  std::optional<LiveTable> live_table;
  if (table && !options.json && isatty(STDOUT_FILENO) == 1) live_table.emplace(options.server);

  // SIGINT/SIGTERM are taken by a thread with sigwait rather than a handler: Feed::Cancel() takes a mutex, which a
  // signal handler must not. Blocked before the channel exists, so every gRPC thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ConnectToServer(options);
  if (!channel.ok()) return UsageError(channel.status());
  client::Feed feed(*channel);
  std::atomic<bool> finished = false;
  std::atomic<bool> stopped_by_signal = false;
  std::thread signal_waiter([&] {
    while (!finished.load()) {
      const timespec poll = {0, 200 * 1000 * 1000};
      const int signal_number = sigtimedwait(&stop_signals, nullptr, &poll);
      if (signal_number == SIGINT || signal_number == SIGTERM) {
        stopped_by_signal = true;
        feed.Cancel();
        return;
      }
    }
  });

  client::Replica replica;  // Checks the order of what arrives; gaps are invisible on a filtered feed (see replica.h).
  int64_t snapshot_records = 0;
  bool in_snapshot = false;
  // The from_revision of the stream being read: 0 means its synced ends a snapshot (possibly of no records).
  int64_t stream_from_revision = from_revision;
  client::FeedHandler handler;
  handler.on_message = [&](const v1::SubscribeResponse& message) -> absl::Status {
    if (absl::Status applied = replica.Apply(message); !applied.ok()) {
      return absl::DataLossError(absl::StrCat("the feed broke its protocol: ", applied.message()));
    }
    if (options.json) {
      std::cout << ToJson(message) << std::endl;
      return absl::OkStatus();
    }
    if (live_table.has_value()) {
      if (message.has_events() && message.events().events_size() > 0) {
        const auto& last = message.events().events(message.events().events_size() - 1);
        live_table->Changed(absl::FromUnixSeconds(last.commit_time().seconds()) +
                            absl::Nanoseconds(last.commit_time().nanos()));
      }
      if (message.has_synced()) live_table->ServerTime(message.synced().server_time());
      if (message.has_heartbeat()) live_table->ServerTime(message.heartbeat().server_time());
      live_table->Draw(replica);  // Heartbeats redraw too, so the ages stay current.
      return absl::OkStatus();
    }
    switch (message.kind_case()) {
      case v1::SubscribeResponse::kSnapshot:
        if (!in_snapshot) snapshot_records = 0;
        in_snapshot = true;
        snapshot_records += message.snapshot().records_size();
        if (options.verbose) {
          for (const v1::Record& record : message.snapshot().records()) {
            std::cout << "snapshot  " << record.name() << "  " << RecordSummary(record) << "\n";
          }
        }
        break;
      case v1::SubscribeResponse::kSynced:
        if (in_snapshot || stream_from_revision == 0) {
          std::cout << "synced at revision " << message.synced().revision() << " (" << snapshot_records
                    << " records in the snapshot)\n";
        } else {
          std::cout << "resumed at revision " << message.synced().revision() << "\n";
        }
        in_snapshot = false;
        break;
      case v1::SubscribeResponse::kEvents:
        for (const v1::Event& event : message.events().events()) {
          std::cout << FormatEventLine(event, absl::LocalTimeZone()) << "\n";
        }
        break;
      case v1::SubscribeResponse::kHeartbeat:
        if (options.verbose) std::cout << "heartbeat at revision " << message.heartbeat().revision() << "\n";
        break;
      case v1::SubscribeResponse::kReset:
        std::cout << "reset: revisions up to " << message.reset().compacted_revision()
                  << " are no longer retained; a fresh snapshot follows\n";
        break;
      default:
        break;
    }
    std::cout << std::flush;
    return absl::OkStatus();
  };
  handler.on_connection = [&](const client::ConnectionEvent& event) {
    switch (event.type) {
      case client::ConnectionEvent::Type::kLost:
        if (live_table.has_value()) {
          live_table->Lost(event.lost_since);
          live_table->Draw(replica);
          break;
        }
        std::cerr << "connection lost since " << ClockTime(event.lost_since) << " ("
                  << UserMessage(event.cause, options.server) << "), reconnecting" << std::endl;
        break;
      case client::ConnectionEvent::Type::kRetrying:
        if (options.verbose) {
          std::cerr << "still reconnecting: attempt " << event.failed_attempts << " failed ("
                    << event.cause.error_message() << "), next in " << absl::FormatDuration(event.retry_in)
                    << std::endl;
        }
        break;
      case client::ConnectionEvent::Type::kReconnected:
        if (live_table.has_value()) live_table->Reconnected();
        replica.OnNewStream();
        in_snapshot = false;
        snapshot_records = 0;
        stream_from_revision = event.resume_revision;
        if (!live_table.has_value()) {
          std::cerr << "reconnected (connection lost since " << ClockTime(event.lost_since) << ")" << std::endl;
        }
        break;
    }
  };

  const absl::Status status = feed.Run(*filter, from_revision, handler);
  finished = true;
  signal_waiter.join();
  if (stopped_by_signal) return kExitOk;
  std::cerr << "ketenbeeld: " << UserMessage(status, options.server) << "\n";
  return kExitServerError;
}

}  // namespace

WatchCommand::WatchCommand(CLI::App& app) {
  watch_ = app.add_subcommand("watch", Tr("help.watch"));
  AddFilterFlags(watch_, &filter_);
  watch_->add_option("--from", from_, Tr("help.watch.from"));
  watch_->add_flag("--table", table_, Tr("help.watch.table"));
}

std::optional<int> WatchCommand::Run(const GlobalOptions& options) {
  if (!watch_->parsed()) return std::nullopt;
  return Watch(options, from_, filter_, table_);
}

}  // namespace ketenbeeld::cli
