#include "bench/scenarios.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "bench/histogram.h"
#include "bench/peers.h"
#include "bench/process.h"
#include "bench/redis_peer.h"
#include "bench/region.h"
#include "bench/sse_client.h"
#include "client/connection.h"
#include "client/feed.h"
#include "ketenbeeld/v1/federation_service.grpc.pb.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "ketenbeeld/v1/picture_service.pb.h"
#include "tests/security/token_line.h"
#include "tests/support/non_reading_h2_client.h"

namespace ketenbeeld::bench {
namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------------------------
// Tables

// One line of a side-by-side table: a metric of one case for every peer.
struct Row {
  std::string case_name;
  std::string metric;
  std::string unit;
  std::optional<double> ours;
  std::optional<double> etcd;
  bool has_redis = false;  // Redis ran in this case: the row has its value (or null) and the ratio against it.
  std::optional<double> redis;
  bool higher_is_better = true;
  std::string target;       // Empty when the issue sets no target for this metric.
  std::optional<bool> met;  // Whether ketenbeeld meets `target`.
};

Json RowToJson(const Row& row) {
  Json result = {{"case", row.case_name},
                 {"metric", row.metric},
                 {"unit", row.unit},
                 {"higher_is_better", row.higher_is_better},
                 {"target", row.target}};
  result["ketenbeeld"] = row.ours ? Json(*row.ours) : Json(nullptr);
  result["etcd"] = row.etcd ? Json(*row.etcd) : Json(nullptr);
  result["ratio"] = (row.ours && row.etcd && *row.etcd != 0) ? Json(*row.ours / *row.etcd) : Json(nullptr);
  if (row.has_redis) {
    result["redis"] = row.redis ? Json(*row.redis) : Json(nullptr);
    result["ratio_redis"] = (row.ours && row.redis && *row.redis != 0) ? Json(*row.ours / *row.redis) : Json(nullptr);
  }
  result["target_met"] = row.met ? Json(*row.met) : Json(nullptr);
  return result;
}

std::string FormatNumber(const Json& value, const std::string& unit) {
  if (value.is_null()) return "—";
  const double number = value.get<double>();
  if (unit == "ms") return absl::StrFormat("%.2f", number);
  if (unit == "s") return absl::StrFormat("%.3f", number);
  if (unit == "KiB") return absl::StrFormat("%.1f", number);
  if (unit == "MiB") return absl::StrFormat("%.2f", number);
  if (unit == "%") return absl::StrFormat("%.0f", number);
  if (unit == "/s" || unit == "count") return absl::StrFormat("%.0f", number);
  return absl::StrFormat("%.3g", number);
}

// A value column of a table: the rows' key of the value, its header, and whether it is a ratio ("1.80x"). A column
// with a unit of its own belongs to a table of points (growth): a row per point, a column per metric, no metric, unit,
// better, target or met cells.
struct ValueColumn {
  std::string key;
  std::string header;
  bool ratio = false;
  std::string unit = "";  // Empty: the row's unit.
};

// Whether `columns` make a table of points (every column has its own unit).
bool IsPointTable(const std::vector<ValueColumn>& columns) {
  return !columns.empty() &&
         std::all_of(columns.begin(), columns.end(), [](const ValueColumn& column) { return !column.unit.empty(); });
}

// Where the value cells start in a row of cells: after "point", or after "case", "metric", "unit".
size_t FirstValueCell(const std::vector<ValueColumn>& columns) { return IsPointTable(columns) ? 1 : 3; }

// Ketenbeeld beside etcd, and beside Redis when a row has Redis's value.
std::vector<ValueColumn> PeerColumns(const Json& rows) {
  std::vector<ValueColumn> columns = {{.key = "ketenbeeld", .header = "ketenbeeld", .ratio = false},
                                      {.key = "etcd", .header = "etcd", .ratio = false},
                                      {.key = "ratio", .header = "kb/etcd", .ratio = true}};
  const bool redis = rows.is_array() && std::any_of(rows.begin(), rows.end(), [](const Json& row) {
                       return row.is_object() && row.contains("redis");
                     });
  if (redis) {
    columns.push_back({.key = "redis", .header = "redis", .ratio = false});
    columns.push_back({.key = "ratio_redis", .header = "kb/redis", .ratio = true});
  }
  return columns;
}

// The scenario's value columns: those its JSON names ("columns": [{"key", "header", "ratio"}], the replicated mode's
// tables), else the peers' (PeerColumns).
std::vector<ValueColumn> ValueColumns(const Json& scenario) {
  if (!scenario.is_object() || !scenario.contains("columns")) {
    return PeerColumns(scenario.is_object() ? scenario.value("table", Json::array()) : Json::array());
  }
  std::vector<ValueColumn> columns;
  for (const Json& column : scenario["columns"]) {
    columns.push_back({.key = column["key"].get<std::string>(),
                       .header = column["header"].get<std::string>(),
                       .ratio = column.value("ratio", false),
                       .unit = column.value("unit", "")});
  }
  return columns;
}

Json ColumnsJson(const std::vector<ValueColumn>& columns) {
  Json result = Json::array();
  for (const ValueColumn& column : columns) {
    Json json = {{"key", column.key}, {"header", column.header}, {"ratio", column.ratio}};
    if (!column.unit.empty()) json["unit"] = column.unit;
    result.push_back(std::move(json));
  }
  return result;
}

// One row's cells: case, metric, unit, the values, better, target, and met ("yes", `missed`, or empty); in a table of
// points, the point and the values.
std::vector<std::string> RowCells(const Json& row, const std::vector<ValueColumn>& columns, const std::string& missed) {
  if (IsPointTable(columns)) {
    std::vector<std::string> cells = {row["case"].get<std::string>()};
    for (const ValueColumn& column : columns) cells.push_back(FormatNumber(row.value(column.key, Json()), column.unit));
    return cells;
  }
  const std::string unit = row["unit"].get<std::string>();
  std::vector<std::string> cells = {row["case"].get<std::string>(), row["metric"].get<std::string>(), unit};
  for (const ValueColumn& column : columns) {
    const Json value = row.value(column.key, Json());
    if (!column.ratio) {
      cells.push_back(FormatNumber(value, unit));
    } else {
      cells.push_back(value.is_null() ? "—" : absl::StrFormat("%.2fx", value.get<double>()));
    }
  }
  cells.push_back(row["higher_is_better"].get<bool>() ? "higher" : "lower");
  cells.push_back(row.value("target", ""));
  const Json met = row.value("target_met", Json());
  cells.push_back(met.is_null() ? "" : (met.get<bool>() ? "yes" : missed));
  return cells;
}

std::vector<std::string> HeaderCells(const std::vector<ValueColumn>& columns) {
  const bool points = IsPointTable(columns);
  std::vector<std::string> cells = {"case", "metric", "unit"};
  if (points) cells = {"point"};
  for (const ValueColumn& column : columns) cells.push_back(column.header);
  if (!points) cells.insert(cells.end(), {"better", "target", "met"});
  return cells;
}

// `given_columns` empty: the peers' columns (PeerColumns).
void PrintRows(const std::string& title, const Json& rows, const std::vector<ValueColumn>& given_columns = {}) {
  const std::vector<ValueColumn> columns = given_columns.empty() ? PeerColumns(rows) : given_columns;
  std::vector<std::vector<std::string>> cells = {HeaderCells(columns)};
  for (const Json& row : rows) cells.push_back(RowCells(row, columns, "NO"));
  std::vector<size_t> widths(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      // Count UTF-8 code points, not bytes, so "—" pads like one character.
      size_t width = 0;
      for (unsigned char c : line[i]) width += (c & 0xC0) != 0x80;
      widths[i] = std::max(widths[i], width);
    }
  }
  std::printf("\n== %s ==\n", title.c_str());
  for (size_t n = 0; n < cells.size(); ++n) {
    std::string text;
    for (size_t i = 0; i < cells[n].size(); ++i) {
      size_t width = 0;
      for (unsigned char c : cells[n][i]) width += (c & 0xC0) != 0x80;
      const bool numeric = i >= FirstValueCell(columns) && i < FirstValueCell(columns) + columns.size();
      const std::string pad(widths[i] - width, ' ');
      text += numeric ? pad + cells[n][i] : cells[n][i] + pad;
      text += "  ";
    }
    std::printf("%s\n", text.c_str());
    if (n == 0) {
      size_t total = 0;
      for (size_t w : widths) total += w + 2;
      std::printf("%s\n", std::string(total, '-').c_str());
    }
  }
  std::fflush(stdout);
}

// ---------------------------------------------------------------------------------------------------------------
// Peers and data dirs

PeerOptions PeerOptionsFor(const std::string& name, const BenchConfig& config) {
  const bool ours = name == "ketenbeeld";
  return {.binary = ours ? config.server_binary : (name == "etcd" ? config.etcd_binary : config.redis_binary),
          .launcher = ours ? config.server_launcher : std::vector<std::string>(),
          .work_dir = config.work_dir + "/logs",
          .channels = config.channels,
          .payloads = PayloadFactory(config.report_bytes),
          .stream_records = config.stream_records,
          .server_flags = config.server_flags,
          .listen_port = 0};
}

std::unique_ptr<Peer> MakePeer(const std::string& name, const BenchConfig& config) {
  PeerOptions options = PeerOptionsFor(name, config);
  if (name == "redis") return MakeRedisPeer(std::move(options));
  return name == "etcd" ? MakeEtcdPeer(std::move(options)) : MakeKetenbeeldPeer(std::move(options));
}

std::string DataDir(const BenchConfig& config, const std::string& scenario, const std::string& case_name,
                    const std::string& peer) {
  std::string name = absl::StrCat(scenario, "-", case_name, "-", peer);
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '-'; }, '_');
  std::string path = absl::StrCat(config.work_dir, "/data/", name);
  std::filesystem::remove_all(path);
  return path;
}

void RemoveDataDir(const BenchConfig& config, const std::string& path) {
  if (!config.keep_data) std::filesystem::remove_all(path);
}

int64_t DirectoryBytes(const std::string& path) {
  int64_t total = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
    if (entry.is_regular_file(error)) total += static_cast<int64_t>(entry.file_size(error));
  }
  return total;
}

void Progress(const std::string& text) {
  std::fprintf(stderr, "[bench %s] %s\n", absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()).c_str(),
               text.c_str());
}

std::optional<double> Metric(const Json& peer_result, const Json::json_pointer& pointer) {
  if (peer_result.is_null() || !peer_result.contains(pointer)) return std::nullopt;
  const Json& value = peer_result.at(pointer);
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

// Adds a row for `pointer` in both peers' results of `case_json`.
void AddRow(Json* rows, const Json& case_json, const std::string& metric, const std::string& pointer,
            const std::string& unit, bool higher_is_better, const std::string& target = "",
            const std::function<bool(double ours, std::optional<double> etcd)>& meets = nullptr) {
  Row row;
  row.case_name = case_json["case"].get<std::string>();
  row.metric = metric;
  row.unit = unit;
  row.higher_is_better = higher_is_better;
  row.target = target;
  row.ours = Metric(case_json.value("ketenbeeld", Json()), Json::json_pointer(pointer));
  row.etcd = Metric(case_json.value("etcd", Json()), Json::json_pointer(pointer));
  row.has_redis = case_json.contains("redis");
  row.redis = Metric(case_json.value("redis", Json()), Json::json_pointer(pointer));
  if (meets && row.ours) row.met = meets(*row.ours, row.etcd);
  rows->push_back(RowToJson(row));
}

Json CpuJson(const CpuSampler& cpu) {
  return {{"server_pct", cpu.ServerPercent()},
          {"bench_pct", cpu.BenchPercent()},
          {"other_pct", cpu.OtherPercent()},
          {"machine_busy_pct", cpu.MachineBusyPercent()}};
}

// What the server holds: its threads and resident memory (/proc/PID/status).
struct ServerFootprint {
  int64_t threads = 0;
  int64_t rss_bytes = 0;
  static ServerFootprint Of(pid_t pid) { return {ThreadCount(pid).value_or(0), ResidentBytes(pid).value_or(0)}; }
};

// The server before `feeds` feeds were opened and with them, and its CPU time in the measured phase, also per feed.
Json FootprintJson(const ServerFootprint& idle, const ServerFootprint& with_feeds, const CpuSampler& cpu, int feeds) {
  const double per = 1.0 / std::max(1, feeds);
  return {{"threads_idle", idle.threads},
          {"threads_with_feeds", with_feeds.threads},
          {"rss_idle_mib", static_cast<double>(idle.rss_bytes) / (1 << 20)},
          {"rss_with_feeds_mib", static_cast<double>(with_feeds.rss_bytes) / (1 << 20)},
          {"rss_kib_per_feed", static_cast<double>(with_feeds.rss_bytes - idle.rss_bytes) / 1024 * per},
          {"cpu_s", cpu.ServerSeconds()},
          {"cpu_ms_per_feed", cpu.ServerSeconds() * 1000 * per}};
}

// CPU rows: where the two cores went during the measured phase (percent of one core; 200% = the whole machine).
void AddCpuRows(Json* rows, const Json& case_json) {
  AddRow(rows, case_json, "CPU: server", "/cpu/server_pct", "%", false);
  AddRow(rows, case_json, "CPU: bench client", "/cpu/bench_pct", "%", false);
  AddRow(rows, case_json, "CPU: other processes", "/cpu/other_pct", "%", false);
}

// Where Redis, when it is a peer of the run, has no equivalent of (part of) a scenario: prints "redis: n/a" with the
// reason and records it in the scenario's JSON (and so in tables.md).
void RedisNotApplicable(const BenchConfig& config, const std::string& what, const std::string& reason,
                        Json* scenario_json) {
  if (std::find(config.peers.begin(), config.peers.end(), "redis") == config.peers.end()) return;
  std::printf("\nredis: n/a for %s: %s\n", what.c_str(), reason.c_str());
  (*scenario_json)["not_applicable"]["redis"] = absl::StrCat(what, ": ", reason);
}

// ---------------------------------------------------------------------------------------------------------------
// Closed-loop publishers

struct ClosedLoopResult {
  int64_t acknowledged_in_window = 0;
  int64_t acknowledged = 0;
  int64_t failed = 0;
  int64_t max_revision = 0;
  double window_seconds = 0;
  double elapsed_seconds = 0;
  std::string first_error;
  LatencyHistogram latency;  // Writes started and acknowledged inside the window.
};

// Starts call number `sequence` of closed loop `publisher`, stamped `send_nanos`; `done` runs once with its outcome.
using IssueCall = std::function<void(int64_t sequence, int publisher, int64_t send_nanos, WriteDone done)>;

// Status reports as closed-loop calls: the n-th reports for organisation n % organizations, so `organizations` writes
// cover each once; over unary ReportStatus calls or (`stream`) the PublishStatus streams.
IssueCall ReportWrites(Peer& peer, int organizations, bool stream = false) {
  const auto write = stream ? &Peer::PublishReport : &Peer::WriteReport;
  return [&peer, organizations, write](int64_t sequence, int publisher, int64_t send_nanos, WriteDone done) {
    (peer.*write)(static_cast<int>(sequence % organizations), send_nanos, std::move(done), publisher);
  };
}

// `publishers` closed loops, each with one call in flight, for `warmup + duration` or until `max_writes` were issued.
std::unique_ptr<ClosedLoopResult> RunClosedLoop(const IssueCall& issue_call, int publishers, absl::Duration warmup,
                                                absl::Duration duration, int64_t max_writes) {
  struct State {
    IssueCall issue_call;
    int64_t max_writes;
    int64_t window_start_nanos;
    int64_t end_nanos;
    std::atomic<int64_t> issued{0};
    std::atomic<int64_t> acknowledged{0};
    std::atomic<int64_t> acknowledged_in_window{0};
    std::atomic<int64_t> failed{0};
    std::atomic<int64_t> max_revision{0};
    std::mutex mutex;
    std::condition_variable cv;
    int active = 0;           // Guarded by mutex.
    std::string first_error;  // Guarded by mutex.
    std::unique_ptr<ClosedLoopResult> result = std::make_unique<ClosedLoopResult>();
  };
  auto state = std::make_shared<State>();
  const int64_t start_nanos = NowUnixNanos();
  state->issue_call = issue_call;
  state->max_writes = max_writes;
  state->window_start_nanos = start_nanos + absl::ToInt64Nanoseconds(warmup);
  state->end_nanos = state->window_start_nanos + absl::ToInt64Nanoseconds(duration);
  state->active = publishers;

  // Issue(p) starts publisher p's next write, or retires the publisher. It runs again from the write's callback.
  auto issue = std::make_shared<std::function<void(int)>>();
  *issue = [state, weak_issue = std::weak_ptr<std::function<void(int)>>(issue)](int publisher) {
    const int64_t send_nanos = NowUnixNanos();
    const int64_t sequence = send_nanos >= state->end_nanos ? state->max_writes : state->issued.fetch_add(1);
    if (sequence >= state->max_writes) {
      std::lock_guard<std::mutex> lock(state->mutex);
      if (--state->active == 0) state->cv.notify_all();
      return;
    }
    // Latency from the call (unary) or from Publish (stream: queueing behind the stream's message in flight
    // included) to the acknowledgement.
    state->issue_call(
        sequence, publisher, send_nanos, [state, weak_issue, publisher, send_nanos](const WriteResult& result) {
          const int64_t now = NowUnixNanos();
          if (result.ok) {
            state->acknowledged.fetch_add(1, std::memory_order_relaxed);
            int64_t seen = state->max_revision.load(std::memory_order_relaxed);
            while (result.revision > seen && !state->max_revision.compare_exchange_weak(seen, result.revision)) {
            }
            if (send_nanos >= state->window_start_nanos && now <= state->end_nanos) {
              state->acknowledged_in_window.fetch_add(1, std::memory_order_relaxed);
              state->result->latency.Record((now - send_nanos) / 1000);
            }
          } else {
            state->failed.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard<std::mutex> lock(state->mutex);
            if (state->first_error.empty()) state->first_error = result.error;
          }
          if (auto next = weak_issue.lock()) (*next)(publisher);
        });
  };
  for (int publisher = 0; publisher < publishers; ++publisher) (*issue)(publisher);
  {
    std::unique_lock<std::mutex> lock(state->mutex);
    // Bounded: every write has a 60 s deadline, and no write is issued after end_nanos.
    state->cv.wait(lock, [&] { return state->active == 0; });
  }
  std::unique_ptr<ClosedLoopResult> result = std::move(state->result);
  result->acknowledged = state->acknowledged.load();
  result->acknowledged_in_window = state->acknowledged_in_window.load();
  result->failed = state->failed.load();
  result->max_revision = state->max_revision.load();
  result->first_error = state->first_error;
  result->window_seconds = absl::ToDoubleSeconds(duration);
  result->elapsed_seconds = static_cast<double>(NowUnixNanos() - start_nanos) / 1e9;
  return result;
}

// Registers organisations [0, organizations) and gives each a status report, as in a real crisis picture: 2 records
// per organisation.
absl::Status LoadPicture(Peer& peer, int organizations) {
  if (absl::Status status = peer.Register(organizations, 256, absl::Minutes(10)); !status.ok()) return status;
  std::unique_ptr<ClosedLoopResult> load =
      RunClosedLoop(ReportWrites(peer, organizations), std::min(256, organizations), absl::ZeroDuration(),
                    absl::Minutes(10), organizations);
  if (load->acknowledged != organizations) {
    return absl::InternalError(
        absl::StrCat("loaded ", load->acknowledged, " of ", organizations, " reports ", load->first_error));
  }
  return absl::OkStatus();
}

struct OpenLoopResult {
  int64_t acknowledged = 0;
  int64_t failed = 0;
  int64_t skipped = 0;  // Calls that were due while `max_in_flight` were unanswered.
  int64_t max_revision = 0;
  double seconds = 0;  // From the first call to the last answer.
  std::string first_error;
  LatencyHistogram latency;  // From each call to its answer.
};

// An open loop: call i (of `total`) is due at i / rate seconds, whatever the answers do, and is skipped when
// `max_in_flight` calls are unanswered. Returns when every call made was answered (bounded by the calls' deadline).
// `stop`, when given and set, ends the loop early.
std::unique_ptr<OpenLoopResult> RunOpenLoop(const IssueCall& issue_call, int rate, int64_t total,
                                            int64_t max_in_flight = 1024, const std::atomic<bool>* stop = nullptr) {
  struct State {
    std::atomic<int64_t> in_flight{0};
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_ptr<OpenLoopResult> result = std::make_unique<OpenLoopResult>();  // Counters guarded by mutex.
  };
  auto state = std::make_shared<State>();
  const absl::Time start = absl::Now();
  for (int64_t i = 0; i < total && !(stop != nullptr && stop->load()); ++i) {
    const absl::Time due = start + absl::Seconds(1) * (static_cast<double>(i) / rate);
    const absl::Duration wait = due - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    if (state->in_flight.load() >= max_in_flight) {
      std::lock_guard<std::mutex> lock(state->mutex);
      ++state->result->skipped;
      continue;
    }
    state->in_flight.fetch_add(1);
    const int64_t send_nanos = NowUnixNanos();
    issue_call(i, static_cast<int>(i), send_nanos, [state, send_nanos](const WriteResult& result) {
      state->result->latency.Record((NowUnixNanos() - send_nanos) / 1000);
      std::lock_guard<std::mutex> lock(state->mutex);
      OpenLoopResult& out = *state->result;
      (result.ok ? out.acknowledged : out.failed) += 1;
      out.max_revision = std::max(out.max_revision, result.revision);
      if (!result.ok && out.first_error.empty()) out.first_error = result.error;
      if (state->in_flight.fetch_sub(1) == 1) state->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(state->mutex);
  state->cv.wait(lock, [&] { return state->in_flight.load() == 0; });  // Bounded by the 60 s call deadline.
  state->result->seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return std::move(state->result);
}

// ---------------------------------------------------------------------------------------------------------------
// Subscribers

struct FanoutShared {
  LatencyHistogram commit_to_delivery;
  LatencyHistogram send_to_delivery;
  std::atomic<int64_t> synced{0};
  std::atomic<int64_t> ended{0};
  std::atomic<int64_t> deliveries{0};
  std::mutex mutex;
  std::condition_variable cv;
  std::string first_end_error;  // Guarded by mutex.
};

// One subscriber: checks order, gaps and duplicates of what it receives, and records latencies.
class CheckingSubscriber final : public FeedObserver {
 public:
  explicit CheckingSubscriber(FanoutShared* shared) : shared_(shared) {}

  void OnSynced(int64_t revision, int64_t snapshot_records, int64_t bytes) override {
    synced_revision_.store(revision);
    last_revision_.store(revision);
    snapshot_records_.store(snapshot_records);
    snapshot_bytes_.store(bytes);
    synced_at_nanos_.store(NowUnixNanos());
    shared_->synced.fetch_add(1);
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->cv.notify_all();
  }

  void OnEvents(const std::vector<FeedEvent>& events, int64_t receive_nanos) override {
    int64_t last = last_revision_.load(std::memory_order_relaxed);
    for (const FeedEvent& event : events) {
      if (event.revision <= last) {
        duplicates_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (event.revision != last + 1) gaps_.fetch_add(event.revision - last - 1, std::memory_order_relaxed);
      last = event.revision;
      received_.fetch_add(1, std::memory_order_relaxed);
      if (event.commit_unix_nanos != 0)
        shared_->commit_to_delivery.Record((receive_nanos - event.commit_unix_nanos) / 1000);
      if (event.send_unix_nanos != 0) shared_->send_to_delivery.Record((receive_nanos - event.send_unix_nanos) / 1000);
    }
    shared_->deliveries.fetch_add(static_cast<int64_t>(events.size()), std::memory_order_relaxed);
    last_revision_.store(last, std::memory_order_release);
  }

  void OnDone(const absl::Status& status) override {
    ended_.store(true);
    shared_->ended.fetch_add(1);
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (status.code() != absl::StatusCode::kCancelled && shared_->first_end_error.empty()) {
      shared_->first_end_error = absl::StrCat("feed ended: ", static_cast<int>(status.code()), " ", status.message());
    }
    shared_->cv.notify_all();
  }

  // Complete: every revision after the snapshot up to `final_revision`, in order, once.
  bool CompleteAt(int64_t final_revision) const {
    return last_revision_.load(std::memory_order_acquire) >= final_revision && gaps_.load() == 0 &&
           duplicates_.load() == 0 && received_.load() == last_revision_.load() - synced_revision_.load();
  }
  int64_t received() const { return received_.load(); }
  int64_t gaps() const { return gaps_.load(); }
  int64_t duplicates() const { return duplicates_.load(); }
  int64_t synced_revision() const { return synced_revision_.load(); }
  int64_t snapshot_records() const { return snapshot_records_.load(); }
  int64_t snapshot_bytes() const { return snapshot_bytes_.load(); }
  int64_t synced_at_nanos() const { return synced_at_nanos_.load(); }
  bool ended() const { return ended_.load(); }

 private:
  FanoutShared* const shared_;
  std::atomic<int64_t> synced_revision_{-1};
  std::atomic<int64_t> last_revision_{-1};
  std::atomic<int64_t> snapshot_records_{0};
  std::atomic<int64_t> snapshot_bytes_{0};
  std::atomic<int64_t> synced_at_nanos_{0};
  std::atomic<int64_t> received_{0};
  std::atomic<int64_t> gaps_{0};
  std::atomic<int64_t> duplicates_{0};
  std::atomic<bool> ended_{false};
};

struct SubscriberSet {
  // When set, Open opens Server-Sent Events feeds of this pool (the HTTP gateway) instead of gRPC feeds.
  SseFeedPool* sse = nullptr;
  FanoutShared shared;
  std::vector<std::unique_ptr<CheckingSubscriber>> subscribers;
  std::vector<std::unique_ptr<Feed>> feeds;

  // Opens `count` feeds with at most `max_pending` not yet synced at a time; true when all synced in time.
  bool Open(Peer& peer, int count, int max_pending, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    for (int i = 0; i < count; ++i) {
      std::unique_lock<std::mutex> lock(shared.mutex);
      if (!shared.cv.wait_until(lock, absl::ToChronoTime(deadline), [&] {
            return static_cast<int64_t>(feeds.size()) - shared.synced.load() < max_pending || shared.ended.load() > 0;
          })) {
        return false;
      }
      if (shared.ended.load() > 0) return false;
      lock.unlock();
      subscribers.push_back(std::make_unique<CheckingSubscriber>(&shared));
      feeds.push_back(sse != nullptr ? sse->Open(subscribers.back().get())
                                     : peer.Subscribe(subscribers.back().get(), i));
    }
    std::unique_lock<std::mutex> lock(shared.mutex);
    return shared.cv.wait_until(lock, absl::ToChronoTime(deadline), [&] {
      return shared.synced.load() == count || shared.ended.load() > 0;
    }) && shared.ended.load() == 0;
  }

  // Cancels every feed and waits for gRPC to finish with them (bounded per feed).
  void Close() {
    for (auto& feed : feeds) feed->Cancel();
    feeds.clear();  // Each destructor waits for its feed's OnDone.
  }
  ~SubscriberSet() { Close(); }
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// ---------------------------------------------------------------------------------------------------------------
// Scenario: durable writes

// `publishers` closed-loop publishers against `peer` (organisations [0, publishers) registered), over the stream
// when `stream` and the peer has one: acknowledged writes/s in the window, latency, CPU. A write not acknowledged
// fails the check `label` names.
Json MeasureDurableWrites(const BenchConfig& config, Peer& peer, int publishers, bool stream, const std::string& label,
                          std::vector<std::string>* failures) {
  stream = stream && peer.SupportsStreamWrites();
  CpuSampler cpu(peer.Pid());
  std::unique_ptr<ClosedLoopResult> run = RunClosedLoop(ReportWrites(peer, publishers, stream), publishers,
                                                        config.write_warmup, config.write_duration, INT64_MAX);
  cpu.Stop();
  Json result = {{"publishers", publishers},
                 {"write_api", stream ? "stream" : "unary"},
                 {"acknowledged", run->acknowledged_in_window},
                 {"writes_per_s", static_cast<double>(run->acknowledged_in_window) / run->window_seconds},
                 {"failed", run->failed},
                 {"max_revision", run->max_revision},
                 {"latency", run->latency.ToJson()},
                 {"cpu", CpuJson(cpu)}};
  if (!run->first_error.empty()) result["first_error"] = run->first_error;
  if (run->acknowledged_in_window == 0 || run->failed > 0) {
    failures->push_back(absl::StrCat(label, " durable writes P=", publishers, ": ", run->acknowledged_in_window,
                                     " acknowledged, ", run->failed, " failed ", run->first_error));
  }
  return result;
}

// The parameters of a closed-loop write scenario with these publisher counts.
Json DurableWritesParameters(const BenchConfig& config, const std::vector<int>& publishers) {
  return {{"publishers", publishers},
          {"write_apis", config.write_apis},
          {"stream_records", config.stream_records},
          {"warmup_s", absl::ToDoubleSeconds(config.write_warmup)},
          {"duration_s", absl::ToDoubleSeconds(config.write_duration)},
          {"report_bytes", config.report_bytes},
          {"channels", config.channels}};
}

Json DurableWritesCase(const BenchConfig& config, Peer& peer, int publishers, bool stream,
                       std::vector<std::string>* failures) {
  if (absl::Status status = peer.Register(publishers, 64, absl::Minutes(2)); !status.ok()) {
    failures->push_back(absl::StrCat(peer.Name(), " P=", publishers, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  return MeasureDurableWrites(config, peer, publishers, stream, peer.Name(), failures);
}

// Runs `body` for every peer of the config on a fresh server, returns {"case": name, peer: result...}.
//
// A failed check of ketenbeeld is a failure of the run; one of etcd is recorded as a note (etcd timing out under a
// load the 2-core machine cannot carry is a measurement, not a harness error), except that etcd not starting at
// all is a failure.
Json RunCase(const BenchConfig& config, const std::string& scenario, const std::string& case_name,
             ScenarioOutcome* outcome,
             const std::function<Json(Peer&, const std::string&, std::vector<std::string>*)>& body) {
  Json case_json = {{"case", case_name}};
  for (const std::string& peer_name : config.peers) {
    std::unique_ptr<Peer> peer = MakePeer(peer_name, config);
    if (peer == nullptr) {  // main skips a peer this build lacks; a scenario that asks for one anyway learns why.
      outcome->failures.push_back(absl::StrCat(peer_name, ": not built into this ketenbeeld-bench"));
      continue;
    }
    const std::string data_dir = DataDir(config, scenario, case_name, peer_name);
    Progress(absl::StrCat(scenario, " ", case_name, ": ", peer_name));
    if (absl::Status status = peer->Start(data_dir); !status.ok()) {
      outcome->failures.push_back(absl::StrCat(peer_name, " did not start: ", status.ToString()));
      case_json[peer_name] = {{"error", status.ToString()}};
      continue;
    }
    std::vector<std::string> problems;
    case_json[peer_name] = body(*peer, data_dir, &problems);
    peer->Stop();
    RemoveDataDir(config, data_dir);
    for (std::string& problem : problems) {
      Progress(absl::StrCat("check failed: ", problem));
      (peer_name == "ketenbeeld" ? outcome->failures : outcome->notes).push_back(std::move(problem));
    }
  }
  return case_json;
}

}  // namespace

ScenarioOutcome RunDurableWrites(const BenchConfig& config) {
  ScenarioOutcome outcome;
  Json cases = Json::array(), rows = Json::array();
  for (int publishers : config.publishers) {
    Json unary_case;
    for (const std::string& api : config.write_apis) {
      const bool stream = api == "stream";
      // The unary case keeps its old name, so results stay comparable with earlier runs.
      const std::string case_name = absl::StrCat("P=", publishers, stream ? " stream" : "");
      // etcd and Redis have no streaming write: when their unary case has just run, the stream case shows that
      // result again instead of measuring the same thing twice.
      BenchConfig case_config = config;
      std::vector<std::string> reused;
      for (const char* peer : {"etcd", "redis"}) {
        if (stream && unary_case.contains(peer)) {
          std::erase(case_config.peers, peer);
          reused.emplace_back(peer);
        }
      }
      Json case_json = RunCase(case_config, "writes", case_name, &outcome,
                               [&](Peer& peer, const std::string&, std::vector<std::string>* problems) {
                                 return DurableWritesCase(config, peer, publishers, stream, problems);
                               });
      for (const std::string& peer : reused) case_json[peer] = unary_case[peer];
      if (!stream) unary_case = case_json;
      AddRow(&rows, case_json, "acknowledged writes", "/writes_per_s", "/s", true, ">= 30000 and >= 2x etcd",
             [](double ours, std::optional<double> etcd) { return ours >= 30000 && (!etcd || ours >= 2 * *etcd); });
      AddRow(&rows, case_json, "latency p50", "/latency/p50_ms", "ms", false);
      AddRow(&rows, case_json, "latency p99", "/latency/p99_ms", "ms", false);
      AddRow(&rows, case_json, "latency p999", "/latency/p999_ms", "ms", false);
      AddCpuRows(&rows, case_json);
      cases.push_back(std::move(case_json));
    }
  }
  outcome.json = {{"scenario", "durable_writes"},
                  {"parameters", DurableWritesParameters(config, config.publishers)},
                  {"cases", cases},
                  {"table", rows}};
  if (std::find(config.write_apis.begin(), config.write_apis.end(), "stream") != config.write_apis.end()) {
    RedisNotApplicable(config, "the stream rows",
                       "Redis has no streaming write API (a client pipelines commands on its connections, as the "
                       "unary rows already do); its stream column repeats its unary result",
                       &outcome.json);
  }
  PrintRows("durable writes: closed-loop publishers, ~1 KB status reports, every write fsynced", rows);
  return outcome;
}

namespace {

enum class FeedTransport { kGrpc, kSse };

// The feeds and the writer of one fan-out measurement.
struct FanoutLoad {
  int subscribers = 0;
  int rate = 0;  // Reports per second, open loop (at most 1024 unacknowledged).
  absl::Duration duration;
  int organizations = 0;  // The writer reports for organisations [0, organizations), which must be registered.
  int max_pending = 256;  // Feeds opened and not yet synced at a time.
  absl::Duration open_timeout = absl::Minutes(3);
};

// Opens `load.subscribers` feeds of the whole picture (each from a snapshot; Server-Sent Events feeds of `sse` when
// given, else gRPC feeds), then writes `load.rate` reports/s for `load.duration` and waits until every feed has every
// acknowledged revision, in order, once (bounded by config.fanout_drain_timeout, and 10 s without progress):
// commit->delivery and send->delivery latency, the proof of delivery, the server's footprint and CPU. A feed missing
// an event, a failed write or a feed that never synced fails the check `label` names.
Json MeasureFanout(const BenchConfig& config, Peer& peer, const FanoutLoad& load, SseFeedPool* sse,
                   const std::string& label, std::vector<std::string>* failures) {
  const int subscriber_count = load.subscribers;
  const int rate = load.rate;
  SubscriberSet set;
  set.sse = sse;
  const ServerFootprint idle = ServerFootprint::Of(peer.Pid());
  const absl::Time open_start = absl::Now();
  if (!set.Open(peer, subscriber_count, load.max_pending, load.open_timeout)) {
    std::lock_guard<std::mutex> lock(set.shared.mutex);
    const std::string error = absl::StrCat("only ", set.shared.synced.load(), " of ", subscriber_count,
                                           " subscribers synced; ", set.shared.first_end_error);
    failures->push_back(absl::StrCat(label, ": ", error));
    return {{"error", error}};
  }
  const double open_seconds = absl::ToDoubleSeconds(absl::Now() - open_start);
  const ServerFootprint with_feeds = ServerFootprint::Of(peer.Pid());

  // Open-loop writer: one report every 1/rate s, at most 1024 unacknowledged.
  CpuSampler cpu(peer.Pid());
  const absl::Time write_start = absl::Now();
  std::unique_ptr<OpenLoopResult> writer = RunOpenLoop(
      ReportWrites(peer, load.organizations), rate, static_cast<int64_t>(rate * absl::ToDoubleSeconds(load.duration)));
  const absl::Time writes_done = absl::Now();
  const double write_seconds = absl::ToDoubleSeconds(writes_done - write_start);
  const int64_t final_revision = writer->max_revision;

  // Wait until every subscriber has every revision up to the last acknowledged one: bounded by the drain timeout,
  // and given up earlier when nothing was delivered for 10 s (a stuck feed).
  const absl::Time drain_deadline = writes_done + config.fanout_drain_timeout;
  int complete = 0;
  int64_t last_deliveries = set.shared.deliveries.load();
  absl::Time last_progress = absl::Now();
  while (true) {
    complete = 0;
    for (const auto& subscriber : set.subscribers) complete += subscriber->CompleteAt(final_revision) ? 1 : 0;
    if (complete == subscriber_count || absl::Now() > drain_deadline || set.shared.ended.load() > 0) break;
    if (const int64_t deliveries = set.shared.deliveries.load(); deliveries != last_deliveries) {
      last_deliveries = deliveries;
      last_progress = absl::Now();
    } else if (absl::Now() - last_progress > absl::Seconds(10)) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Time drained = absl::Now();
  cpu.Stop();
  int64_t gaps = 0, duplicates = 0, received = 0;
  for (const auto& subscriber : set.subscribers) {
    gaps += subscriber->gaps();
    duplicates += subscriber->duplicates();
    received += subscriber->received();
  }
  const int64_t expected_each = final_revision - set.subscribers.front()->synced_revision();
  const double delivery_seconds = absl::ToDoubleSeconds(drained - write_start);
  Json result = {{"subscribers", subscriber_count},
                 {"rate_target_per_s", rate},
                 {"open_seconds", open_seconds},
                 {"transport", sse != nullptr ? "sse" : "grpc"},
                 {"writes_acknowledged", writer->acknowledged},
                 {"max_revision", final_revision},
                 {"writes_failed", writer->failed},
                 {"writes_skipped_in_flight_cap", writer->skipped},
                 {"write_rate_per_s", static_cast<double>(writer->acknowledged) / write_seconds},
                 {"events_expected_per_subscriber", expected_each},
                 {"deliveries", received},
                 {"deliveries_per_s", static_cast<double>(received) / delivery_seconds},
                 {"subscribers_complete", complete},
                 {"every_subscriber_got_every_event", complete == subscriber_count},
                 {"gaps", gaps},
                 {"duplicates", duplicates},
                 {"drain_ms_after_last_ack", absl::ToDoubleMilliseconds(drained - writes_done)},
                 {"commit_to_delivery", set.shared.commit_to_delivery.ToJson()},
                 {"send_to_delivery", set.shared.send_to_delivery.ToJson()},
                 {"cpu", CpuJson(cpu)},
                 {"server", FootprintJson(idle, with_feeds, cpu, subscriber_count)}};
  if (!writer->first_error.empty()) result["first_write_error"] = writer->first_error;
  {
    std::lock_guard<std::mutex> lock(set.shared.mutex);
    if (!set.shared.first_end_error.empty()) result["feed_error"] = set.shared.first_end_error;
  }
  if (complete != subscriber_count || writer->failed > 0 || writer->acknowledged == 0) {
    failures->push_back(absl::StrCat(label, ": ", complete, "/", subscriber_count, " subscribers complete, ",
                                     writer->failed, " writes failed, gaps ", gaps, ", duplicates ", duplicates, " ",
                                     result.value("feed_error", std::string())));
  }
  set.Close();
  return result;
}

Json FanoutCase(const BenchConfig& config, Peer& peer, int subscriber_count, int rate, FeedTransport transport,
                std::vector<std::string>* failures) {
  const bool sse = transport == FeedTransport::kSse;
  const std::string label =
      absl::StrCat(peer.Name(), sse ? " sse_fanout" : " fanout", " S=", subscriber_count, " R=", rate);
  if (absl::Status status = peer.Register(config.fanout_organizations, 64, absl::Minutes(2)); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  std::unique_ptr<SseFeedPool> pool;  // Outlives MeasureFanout's feeds.
  if (sse) {
    absl::StatusOr<int> port = HttpGatewayPort(peer);
    if (!port.ok()) {
      failures->push_back(absl::StrCat(label, ": ", port.status().ToString()));
      return {{"error", port.status().ToString()}};
    }
    pool = std::make_unique<SseFeedPool>(*port, config.sse_loops);
  }
  return MeasureFanout(config, peer,
                       {.subscribers = subscriber_count,
                        .rate = rate,
                        .duration = config.fanout_duration,
                        .organizations = config.fanout_organizations},
                       pool.get(), label, failures);
}

}  // namespace

namespace {

// fanout (gRPC feeds, against etcd's watches) and sse_fanout (the HTTP gateway's Server-Sent Events feeds, ketenbeeld
// only): the same writer, checks and latency definitions, so their tables sit side by side.
ScenarioOutcome RunFanoutScenario(const BenchConfig& config, FeedTransport transport) {
  const bool sse = transport == FeedTransport::kSse;
  const std::vector<int>& subscriber_counts = sse ? config.sse_feeds : config.fanout_subscribers;
  const std::vector<int>& rates = sse ? config.sse_rates : config.fanout_rates;
  BenchConfig case_config = config;
  if (sse) {
    // etcd has no SSE feeds. The gateway's caps: every feed a stream and a connection, plus room for the probes.
    case_config.peers = {"ketenbeeld"};
    const int most = std::max(256, *std::max_element(subscriber_counts.begin(), subscriber_counts.end()));
    case_config.server_flags = {"--http_listen",          "127.0.0.1:0",
                                "--http_max_streams",     absl::StrCat(most),
                                "--http_max_connections", absl::StrCat(most + 64)};
  }
  ScenarioOutcome outcome;
  if (sse) {
    // A socket per feed here and in the server (which inherits the limit), besides RocksDB's files and gRPC's.
    const int most = *std::max_element(subscriber_counts.begin(), subscriber_counts.end());
    if (absl::StatusOr<int64_t> limit = RaiseOpenFileLimit(most + 4096); !limit.ok()) {
      outcome.failures.push_back(absl::StrCat("sse_fanout: ", limit.status().ToString()));
    }
  }
  Json cases = Json::array(), rows = Json::array();
  for (int subscribers : subscriber_counts) {
    for (int rate : rates) {
      const std::string case_name = absl::StrCat(sse ? "SSE S=" : "S=", subscribers, " R=", rate, "/s");
      Json case_json = RunCase(case_config, sse ? "sse_fanout" : "fanout", case_name, &outcome,
                               [&](Peer& peer, const std::string&, std::vector<std::string>* problems) {
                                 return FanoutCase(config, peer, subscribers, rate, transport, problems);
                               });
      const bool target_case = !sse && subscribers == 1000 && rate == 200;
      AddRow(&rows, case_json, "commit->delivery p50", "/commit_to_delivery/p50_ms", "ms", false);
      AddRow(&rows, case_json, "commit->delivery p99", "/commit_to_delivery/p99_ms", "ms", false,
             target_case ? "<= 20 ms" : "",
             target_case
                 ? std::function<bool(double, std::optional<double>)>([](double ours, auto) { return ours <= 20; })
                 : nullptr);
      AddRow(&rows, case_json, "commit->delivery p999", "/commit_to_delivery/p999_ms", "ms", false);
      AddRow(&rows, case_json, "commit->delivery max", "/commit_to_delivery/max_ms", "ms", false);
      AddRow(&rows, case_json, "send->delivery p50", "/send_to_delivery/p50_ms", "ms", false);
      AddRow(&rows, case_json, "send->delivery p99", "/send_to_delivery/p99_ms", "ms", false);
      AddRow(&rows, case_json, "send->delivery p999", "/send_to_delivery/p999_ms", "ms", false);
      AddRow(&rows, case_json, "send->delivery max", "/send_to_delivery/max_ms", "ms", false);
      AddRow(&rows, case_json, "writes acknowledged", "/write_rate_per_s", "/s", true);
      AddRow(&rows, case_json, "deliveries", "/deliveries_per_s", "/s", true);
      AddRow(&rows, case_json, "subscribers with every event", "/subscribers_complete", "count", true,
             absl::StrCat("= ", subscribers),
             [subscribers](double ours, auto) { return static_cast<int>(ours) == subscribers; });
      AddRow(&rows, case_json, "server threads, idle", "/server/threads_idle", "count", false);
      AddRow(&rows, case_json, "server threads with the feeds", "/server/threads_with_feeds", "count", false);
      AddRow(&rows, case_json, "server RSS with the feeds", "/server/rss_with_feeds_mib", "MiB", false);
      AddRow(&rows, case_json, "server RSS per feed", "/server/rss_kib_per_feed", "KiB", false);
      AddRow(&rows, case_json, "server CPU, writing and draining", "/server/cpu_s", "s", false);
      AddRow(&rows, case_json, "server CPU per feed", "/server/cpu_ms_per_feed", "ms", false);
      AddCpuRows(&rows, case_json);
      cases.push_back(std::move(case_json));
    }
  }
  outcome.json = {{"scenario", sse ? "sse_fanout" : "fanout"},
                  {"parameters",
                   {{"subscribers", subscriber_counts},
                    {"rates_per_s", rates},
                    {"duration_s", absl::ToDoubleSeconds(config.fanout_duration)},
                    {"organizations", config.fanout_organizations},
                    {"report_bytes", config.report_bytes},
                    {"channels", config.channels}}},
                  {"latency_definitions",
                   {{"commit_to_delivery",
                     "receive time at the subscriber minus Event.commit_time (ketenbeeld only: the server stamps "
                     "commit_time when it plans the commit group, before the fsync, so this includes the fsync)"},
                    {"send_to_delivery",
                     "receive time at the subscriber minus the publisher's send time stamped in the report's free "
                     "text (both peers; includes the write RPC, the fsync and the fan-out)"},
                    {"server",
                     "threads and VmRSS of the server before the feeds were opened and once all were synced; CPU "
                     "seconds (utime + stime) from the first write until every feed had every event, and that / S"}}},
                  {"cases", cases},
                  {"table", rows}};
  if (sse) {
    outcome.json["parameters"]["sse_loops"] = config.sse_loops;
    outcome.json["transport"] =
        "HTTP/1.1 GET of the gateway's Subscribe as text/event-stream on 127.0.0.1, one connection per feed, read by "
        "the bench's epoll loops (bench/sse_client.h); the writer is the same gRPC ReportStatus open loop as fanout's";
  }
  if (sse) {
    RedisNotApplicable(config, "sse_fanout", "Redis has no HTTP or Server-Sent Events endpoint for browsers",
                       &outcome.json);
  }
  PrintRows(sse ? "sse fan-out: S Server-Sent Events feeds (HTTP gateway) while R reports/s are written"
                : "fan-out: S live subscribers while R reports/s are written",
            rows);
  return outcome;
}

}  // namespace

ScenarioOutcome RunFanout(const BenchConfig& config) { return RunFanoutScenario(config, FeedTransport::kGrpc); }

ScenarioOutcome RunSseFanout(const BenchConfig& config) { return RunFanoutScenario(config, FeedTransport::kSse); }

namespace {

// `repeats` times in a row, a new subscriber of the whole picture (from revision 0) until it is synced: the median,
// min and max time, and the size of the snapshot. A subscriber that never syncs (2 minutes), or a snapshot without
// `expected_records` records, fails the check `label` names.
Json MeasureSnapshot(Peer& peer, int repeats, int64_t expected_records, const std::string& label,
                     std::vector<std::string>* failures) {
  std::vector<double> synced_ms;
  int64_t records = 0, bytes = 0;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    SubscriberSet set;
    const int64_t start = NowUnixNanos();
    if (!set.Open(peer, 1, 1, absl::Minutes(2))) {
      failures->push_back(absl::StrCat(label, ": the subscriber never synced"));
      return {{"error", "the subscriber never synced"}};
    }
    synced_ms.push_back(static_cast<double>(set.subscribers[0]->synced_at_nanos() - start) / 1e6);
    records = set.subscribers[0]->snapshot_records();
    bytes = set.subscribers[0]->snapshot_bytes();
  }
  if (records != expected_records) {
    failures->push_back(absl::StrCat(label, ": snapshot had ", records, " records, expected ", expected_records));
  }
  if (synced_ms.empty()) return {{"records", records}};
  return {{"records", records},
          {"snapshot_mib", static_cast<double>(bytes) / (1 << 20)},
          {"synced_ms",
           {{"min", *std::min_element(synced_ms.begin(), synced_ms.end())},
            {"median", Median(synced_ms)},
            {"max", *std::max_element(synced_ms.begin(), synced_ms.end())},
            {"all", synced_ms}}}};
}

Json SnapshotCase(const BenchConfig& config, Peer& peer, std::vector<std::string>* failures) {
  const std::string label = absl::StrCat(peer.Name(), " snapshot");
  const int organizations = config.snapshot_organizations;
  if (absl::Status status = LoadPicture(peer, organizations); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  Json result = MeasureSnapshot(peer, config.snapshot_repeats, 2LL * organizations, label, failures);
  if (!result.contains("error")) result["organizations"] = organizations;
  return result;
}

}  // namespace

ScenarioOutcome RunSnapshot(const BenchConfig& config) {
  ScenarioOutcome outcome;
  Json cases = Json::array(), rows = Json::array();
  const std::string case_name = absl::StrCat(config.snapshot_organizations, " orgs");
  Json case_json = RunCase(config, "snapshot", case_name, &outcome,
                           [&](Peer& peer, const std::string&, std::vector<std::string>* problems) {
                             return SnapshotCase(config, peer, problems);
                           });
  AddRow(&rows, case_json, "subscribe -> synced, median", "/synced_ms/median", "ms", false,
         config.snapshot_organizations == 10000 ? "<= 100 ms" : "", [](double ours, auto) { return ours <= 100; });
  AddRow(&rows, case_json, "subscribe -> synced, min", "/synced_ms/min", "ms", false);
  AddRow(&rows, case_json, "subscribe -> synced, max", "/synced_ms/max", "ms", false);
  AddRow(&rows, case_json, "records in snapshot", "/records", "count", true);
  AddRow(&rows, case_json, "snapshot size", "/snapshot_mib", "MiB", false);
  cases.push_back(std::move(case_json));
  outcome.json = {{"scenario", "snapshot"},
                  {"parameters",
                   {{"organizations", config.snapshot_organizations},
                    {"repeats", config.snapshot_repeats},
                    {"report_bytes", config.report_bytes}}},
                  {"definition",
                   "ketenbeeld: Subscribe(from_revision=0) until `synced`; etcd: Range of the whole prefix, then a "
                   "Watch from the next revision until `created` (what an etcd client does to get a snapshot and "
                   "then a gap-free stream). Each organisation has its registration and one status report."},
                  {"cases", cases},
                  {"table", rows}};
  PrintRows("snapshot: new subscriber until synced", rows);
  return outcome;
}

namespace {

Json RecoveryCase(const BenchConfig& config, Peer& peer, const std::string& data_dir,
                  std::vector<std::string>* failures) {
  const std::string label = absl::StrCat(peer.Name(), " recovery");
  const int organizations = std::min<int64_t>(config.recovery_organizations, config.recovery_events);
  if (absl::Status status = peer.Register(organizations, 256, absl::Minutes(10)); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  const int64_t reports = config.recovery_events - organizations;
  Progress(absl::StrCat(label, ": loading ", reports, " reports with ", config.recovery_publishers, " publishers"));
  CpuSampler cpu(peer.Pid());
  std::unique_ptr<ClosedLoopResult> load = RunClosedLoop(ReportWrites(peer, organizations), config.recovery_publishers,
                                                         absl::ZeroDuration(), config.recovery_load_timeout, reports);
  cpu.Stop();
  const int64_t events = organizations + load->acknowledged;
  if (load->acknowledged != reports) {
    failures->push_back(
        absl::StrCat(label, ": loaded ", load->acknowledged, " of ", reports, " reports ", load->first_error));
  }
  std::vector<double> restart_ms;
  for (int restart = 0; restart < config.recovery_restarts; ++restart) {
    absl::StatusOr<absl::Duration> elapsed = peer.Restart(absl::Minutes(10));
    if (!elapsed.ok()) {
      failures->push_back(absl::StrCat(label, ": restart failed: ", elapsed.status().ToString()));
      return {{"error", elapsed.status().ToString()}};
    }
    restart_ms.push_back(absl::ToDoubleMilliseconds(*elapsed));
  }
  return {{"events", events},
          {"load_seconds", load->elapsed_seconds},
          {"load_writes_per_s", static_cast<double>(load->acknowledged) / load->elapsed_seconds},
          {"load_cpu", CpuJson(cpu)},
          {"data_dir_mib", static_cast<double>(DirectoryBytes(data_dir)) / (1 << 20)},
          {"start_to_serving_ms",
           {{"median", Median(restart_ms)},
            {"min", *std::min_element(restart_ms.begin(), restart_ms.end())},
            {"max", *std::max_element(restart_ms.begin(), restart_ms.end())},
            {"all", restart_ms}}}};
}

}  // namespace

ScenarioOutcome RunRecovery(const BenchConfig& config) {
  ScenarioOutcome outcome;
  Json cases = Json::array(), rows = Json::array();
  const std::string case_name = absl::StrCat(config.recovery_events, " events");
  Json case_json = RunCase(config, "recovery", case_name, &outcome,
                           [&](Peer& peer, const std::string& dir, std::vector<std::string>* problems) {
                             return RecoveryCase(config, peer, dir, problems);
                           });
  AddRow(&rows, case_json, "exec -> first read, median", "/start_to_serving_ms/median", "ms", false,
         config.recovery_events == 1'000'000 ? "<= 2000 ms" : "", [](double ours, auto) { return ours <= 2000; });
  AddRow(&rows, case_json, "exec -> first read, max", "/start_to_serving_ms/max", "ms", false);
  AddRow(&rows, case_json, "events in the log", "/events", "count", true);
  AddRow(&rows, case_json, "data dir size", "/data_dir_mib", "MiB", false);
  AddRow(&rows, case_json, "load rate (256 publishers)", "/load_writes_per_s", "/s", true);
  cases.push_back(std::move(case_json));
  outcome.json = {{"scenario", "recovery"},
                  {"parameters",
                   {{"events", config.recovery_events},
                    {"organizations", config.recovery_organizations},
                    {"restarts", config.recovery_restarts},
                    {"publishers", config.recovery_publishers},
                    {"report_bytes", config.report_bytes}}},
                  {"definition",
                   "The log is built through the public API by the load generator (registrations, then status "
                   "reports from closed-loop publishers). Each restart: SIGTERM and reap, then exec on the same data "
                   "dir and port; the time is from exec to the first successful read over a fresh connection "
                   "(ketenbeeld: Get, OK or NOT_FOUND; etcd: linearizable Range). The page cache is warm."},
                  {"cases", cases},
                  {"table", rows}};
  PrintRows("recovery: process start to serving", rows);
  return outcome;
}

namespace {

Json MemoryCase(const BenchConfig& config, Peer& peer, std::vector<std::string>* failures) {
  const std::string label = absl::StrCat(peer.Name(), " memory");
  if (absl::Status status = peer.Register(config.idle_organizations, 64, absl::Minutes(2)); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  if (absl::Status status = peer.ConnectAll(absl::Seconds(30)); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  // Warm up the subscription path once (lazily allocated pools and threads are not per-subscriber costs).
  {
    SubscriberSet warm;
    warm.Open(peer, 16, 16, absl::Seconds(30));
  }
  absl::SleepFor(absl::Seconds(1));
  absl::StatusOr<int64_t> before = ResidentBytes(peer.Pid());
  SubscriberSet set;
  const bool opened = set.Open(peer, config.idle_subscribers, 256, absl::Minutes(3));
  absl::SleepFor(absl::Seconds(2));  // Let the server settle (no events flow; heartbeats only).
  absl::StatusOr<int64_t> after = ResidentBytes(peer.Pid());
  if (!opened || !before.ok() || !after.ok()) {
    const std::string error =
        absl::StrCat("opened=", opened, " rss: ", before.status().ToString(), " ", after.status().ToString());
    failures->push_back(absl::StrCat(label, ": ", error));
    return {{"error", error}};
  }
  Json result = {{"idle_subscribers", config.idle_subscribers},
                 {"rss_before_mib", static_cast<double>(*before) / (1 << 20)},
                 {"rss_after_mib", static_cast<double>(*after) / (1 << 20)},
                 {"kib_per_subscriber",
                  static_cast<double>(*after - *before) / 1024.0 / static_cast<double>(config.idle_subscribers)}};
  set.Close();
  return result;
}

}  // namespace

ScenarioOutcome RunMemory(const BenchConfig& config) {
  ScenarioOutcome outcome;
  Json cases = Json::array(), rows = Json::array();
  const std::string case_name = absl::StrCat(config.idle_subscribers, " idle");
  Json case_json = RunCase(config, "memory", case_name, &outcome,
                           [&](Peer& peer, const std::string&, std::vector<std::string>* problems) {
                             return MemoryCase(config, peer, problems);
                           });
  AddRow(&rows, case_json, "server RSS per idle subscriber", "/kib_per_subscriber", "KiB", false, "<= 32 KiB",
         [](double ours, auto) { return ours <= 32; });
  AddRow(&rows, case_json, "RSS before", "/rss_before_mib", "MiB", false);
  AddRow(&rows, case_json, "RSS with idle subscribers", "/rss_after_mib", "MiB", false);
  cases.push_back(std::move(case_json));
  outcome.json = {{"scenario", "memory"},
                  {"parameters",
                   {{"idle_subscribers", config.idle_subscribers},
                    {"organizations", config.idle_organizations},
                    {"channels", config.channels}}},
                  {"definition",
                   "VmRSS of the server process before and 2 s after opening N feeds (each synced, then idle), over "
                   "already connected channels, after a warm-up of 16 feeds; (after - before) / N."},
                  {"cases", cases},
                  {"table", rows}};
  PrintRows("memory: server RSS per idle subscriber", rows);
  return outcome;
}

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Scenarios under identities: scan_interference and unread_client (issue 14)

// Bearer tokens of the two identities (plaintext loopback with a tokens file: docs/security.md, "Bearer tokens").
constexpr char kGhorToken[] = "bench-ghor-token";
constexpr char kOtherToken[] = "bench-other-token";

WriteResult ResultOf(const grpc::Status& status) {
  WriteResult result;
  result.ok = status.ok();
  if (!result.ok) result.error = absl::StrCat(static_cast<int>(status.error_code()), ": ", status.error_message());
  return result;
}

// Loads `organizations` organisations, each with a status report, in development mode (where nothing is limited),
// then restarts the server on the same data with a tokens file of two identities, so that what is measured runs
// under the default per-identity limits: the GHOR (ghor-bench) and an institution, organisation 0.
absl::Status LoadGuardedRegion(const BenchConfig& config, GrpcPeer& peer, const std::string& scenario,
                               int organizations) {
  if (absl::Status status = LoadPicture(peer, organizations); !status.ok()) return status;
  const std::string tokens = absl::StrCat(config.work_dir, "/logs/", scenario, "-tokens");
  std::ofstream(tokens) << testing::TokenLine(kGhorToken, "ghor-bench", "ghor", "bench GHOR")
                        << testing::TokenLine(kOtherToken, OrganizationId(0), "institution", "bench institution");
  peer.SetServerFlags({"--tokens_file", tokens});
  absl::StatusOr<absl::Duration> restarted = peer.Restart(absl::Minutes(10));
  return restarted.ok() ? absl::OkStatus() : restarted.status();
}

// The GHOR reading organisations' status at `rate` per second for `duration` (open loop), with its token.
std::unique_ptr<OpenLoopResult> GhorGets(const BenchConfig& config, GrpcPeer& peer, int organizations) {
  return RunOpenLoop(
      [&peer, organizations](int64_t i, int, int64_t, WriteDone done) {
        ketenbeeld::v1::GetRequest request;
        request.set_name(
            absl::StrCat("organizations/", OrganizationId(static_cast<int>(i * 7919 % organizations)), "/status"));
        peer.RawUnary(
            static_cast<int>(i), kGetMethod, request.SerializeAsString(),
            [done = std::move(done)](const grpc::Status& status, std::string_view) { done(ResultOf(status)); },
            kGhorToken);
      },
      config.ghor_get_rate, static_cast<int64_t>(config.ghor_get_rate * absl::ToDoubleSeconds(config.phase_duration)));
}

Json GetsJson(const OpenLoopResult& gets) {
  Json result = {{"ok", gets.acknowledged}, {"failed", gets.failed}, {"latency", gets.latency.ToJson()}};
  if (!gets.first_error.empty()) result["first_error"] = gets.first_error;
  return result;
}

void CheckGets(const std::string& label, const OpenLoopResult& gets, std::vector<std::string>* failures) {
  if (gets.failed > 0 || gets.acknowledged == 0) {
    failures->push_back(absl::StrCat(label, ": the GHOR's Gets: ", gets.acknowledged, " answered, ", gets.failed,
                                     " failed ", gets.first_error));
  }
}

Json ScanInterferenceCase(const BenchConfig& config, GrpcPeer& peer, std::vector<std::string>* failures) {
  const std::string label = absl::StrCat(peer.Name(), " scan_interference");
  const int organizations = config.region_organizations;
  if (absl::Status status = LoadGuardedRegion(config, peer, "scan_interference", organizations); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  const std::unique_ptr<OpenLoopResult> alone = GhorGets(config, peer, organizations);

  // The institution's expensive reads, alternating: a History of the whole log whose filter matches nothing (no
  // incident exists), and a List of the picture as it was when every organisation was registered.
  ketenbeeld::v1::HistoryRequest history;
  history.set_from_revision(1);
  history.mutable_filter()->add_kinds(ketenbeeld::v1::ENTITY_KIND_INCIDENT);
  ketenbeeld::v1::ListRequest list;
  list.set_revision(organizations);
  const std::string history_bytes = history.SerializeAsString(), list_bytes = list.SerializeAsString();
  std::atomic<int64_t> refused{0};
  std::unique_ptr<OpenLoopResult> scans;
  std::thread scanner([&] {
    scans = RunOpenLoop(
        [&](int64_t i, int, int64_t, WriteDone done) {
          peer.RawUnary(
              static_cast<int>(i), i % 2 == 0 ? kHistoryMethod : kListMethod, i % 2 == 0 ? history_bytes : list_bytes,
              [&refused, done = std::move(done)](const grpc::Status& status, std::string_view) {
                if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) refused.fetch_add(1);
                done(ResultOf(status));
              },
              kOtherToken);
        },
        config.scan_rate, static_cast<int64_t>(config.scan_rate * absl::ToDoubleSeconds(config.phase_duration)),
        config.scans_in_flight);
  });
  const std::unique_ptr<OpenLoopResult> with_scans = GhorGets(config, peer, organizations);
  scanner.join();
  CheckGets(label, *alone, failures);
  CheckGets(label, *with_scans, failures);
  Json result = {{"organizations", organizations},
                 {"ghor_get_alone", GetsJson(*alone)},
                 {"ghor_get_with_scans", GetsJson(*with_scans)},
                 {"scans",
                  {{"completed", scans->acknowledged},
                   {"refused", refused.load()},
                   {"failed_otherwise", scans->failed - refused.load()},
                   {"not_started_in_flight_cap", scans->skipped},
                   {"completed_per_s", static_cast<double>(scans->acknowledged) / scans->seconds},
                   {"latency", scans->latency.ToJson()}}}};
  if (!scans->first_error.empty()) result["scans"]["first_error"] = scans->first_error;
  if (scans->acknowledged == 0) failures->push_back(absl::StrCat(label, ": no scan completed ", scans->first_error));
  return result;
}

// Samples the server's VmRSS every 100 ms on its own thread, from construction until Stop().
class RssSampler {
 public:
  explicit RssSampler(pid_t pid) : pid_(pid), start_(absl::Now()) {
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mutex_);
      do {
        const double mib = static_cast<double>(ResidentBytes(pid_).value_or(0)) / (1 << 20);
        series_.push_back({std::round(absl::ToDoubleSeconds(absl::Now() - start_) * 10) / 10, mib});
        peak_mib_ = std::max(peak_mib_, mib);
      } while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopped_; }));
    });
  }
  ~RssSampler() { Stop(); }

  // {"peak_mib", "series": [[seconds, MiB], ...]}.
  Json Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    return {{"peak_mib", peak_mib_}, {"series", series_}};
  }

 private:
  const pid_t pid_;
  const absl::Time start_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;                       // Guarded by mutex_.
  std::vector<std::array<double, 2>> series_;  // Guarded by mutex_.
  double peak_mib_ = 0;                        // Guarded by mutex_.
  std::thread thread_;
};

// The institution's client that never reads: `unread_connections` connections with a receive window of 0, on which it
// starts `unread_rate` calls per second in all (every tenth a PublishStatus stream with one report, the rest Lists
// of the whole picture) until `stop`. Returns {"calls", "streams", "send_failures"}.
Json DriveUnreadClient(const BenchConfig& config, int port, const std::atomic<bool>& stop) {
  std::vector<std::unique_ptr<testing::NonReadingH2Client>> clients;
  for (int i = 0; i < config.unread_connections; ++i) {
    clients.push_back(std::make_unique<testing::NonReadingH2Client>(port, kOtherToken));
  }
  ketenbeeld::v1::PublishStatusRequest publish;
  *publish.add_reports()->mutable_report() = PayloadFactory(config.report_bytes).Report(0, NowUnixNanos());
  const ketenbeeld::v1::ListRequest list;  // The whole picture: the largest answer there is.
  int64_t calls = 0, streams = 0, send_failures = 0;
  const absl::Time start = absl::Now();
  for (int64_t i = 0; !stop.load(); ++i) {
    const absl::Duration wait = start + absl::Seconds(1) * (static_cast<double>(i) / config.unread_rate) - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    testing::NonReadingH2Client& client = *clients[static_cast<size_t>(i) % clients.size()];
    const bool stream = i % 10 == 9;
    const bool sent = client.connected() && (stream ? client.Call(kPublishStatusMethod, publish, /*half_close=*/false)
                                                    : client.Call(kListMethod, list));
    (sent ? (stream ? streams : calls) : send_failures) += 1;
  }
  int connected = 0;
  for (const auto& client : clients) connected += client->connected() ? 1 : 0;
  return {{"connections", connected},
          {"list_calls", calls},
          {"publish_streams", streams},
          {"send_failures", send_failures}};
}

Json UnreadClientCase(const BenchConfig& config, GrpcPeer& peer, std::vector<std::string>* failures) {
  const std::string label = absl::StrCat(peer.Name(), " unread_client");
  const int organizations = config.region_organizations;
  if (absl::Status status = LoadGuardedRegion(config, peer, "unread_client", organizations); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  const int port = std::stoi(peer.address().substr(peer.address().rfind(':') + 1));
  RssSampler baseline_rss(peer.Pid());
  const std::unique_ptr<OpenLoopResult> alone = GhorGets(config, peer, organizations);
  Json baseline = baseline_rss.Stop();

  RssSampler attack_rss(peer.Pid());
  std::atomic<bool> stop{false};
  Json client;
  std::thread hostile([&] { client = DriveUnreadClient(config, port, stop); });
  const std::unique_ptr<OpenLoopResult> with_client = GhorGets(config, peer, organizations);
  stop.store(true);
  hostile.join();  // Its connections are closed: the server cancels what it held.
  absl::SleepFor(absl::Seconds(2));
  Json attack = attack_rss.Stop();
  CheckGets(label, *alone, failures);
  CheckGets(label, *with_client, failures);
  if (client["connections"].get<int>() != config.unread_connections) {
    failures->push_back(absl::StrCat(label, ": the non-reading client connected ", client["connections"].dump(), " of ",
                                     config.unread_connections, " times"));
  }
  return {{"organizations", organizations},
          {"ghor_get_alone", GetsJson(*alone)},
          {"ghor_get_with_client", GetsJson(*with_client)},
          {"unread_client", client},
          {"rss_baseline", baseline},
          {"rss_with_client", attack},
          {"rss_growth_mib", attack["peak_mib"].get<double>() - baseline["peak_mib"].get<double>()},
          {"rss_after_close_mib", attack["series"].back()[1]}};
}

// The rows both scenarios share: the GHOR's Get alone and under the other identity's load.
void AddGhorRows(Json* rows, const Json& case_json, const std::string& under, const std::string& pointer) {
  AddRow(rows, case_json, "GHOR Get p50, alone", "/ghor_get_alone/latency/p50_ms", "ms", false);
  AddRow(rows, case_json, "GHOR Get p99, alone", "/ghor_get_alone/latency/p99_ms", "ms", false);
  AddRow(rows, case_json, absl::StrCat("GHOR Get p50, ", under), absl::StrCat(pointer, "/latency/p50_ms"), "ms", false);
  AddRow(rows, case_json, absl::StrCat("GHOR Get p99, ", under), absl::StrCat(pointer, "/latency/p99_ms"), "ms", false,
         "<= 100 ms", [](double ours, auto) { return ours <= 100; });
  AddRow(rows, case_json, absl::StrCat("GHOR Gets failed, ", under), absl::StrCat(pointer, "/failed"), "count", false);
}

// scan_interference and unread_client: one case, on ketenbeeld alone (etcd has no identities to compare), with their
// shared parameters besides `parameters`.
ScenarioOutcome RunRegionScenario(const BenchConfig& config, const std::string& scenario, const std::string& title,
                                  Json parameters, const std::string& definition,
                                  const std::function<Json(GrpcPeer&, std::vector<std::string>*)>& body,
                                  const std::function<void(Json* rows, const Json& case_json)>& add_rows) {
  ScenarioOutcome outcome;
  BenchConfig case_config = config;
  case_config.peers = {"ketenbeeld"};
  Json case_json = RunCase(case_config, scenario, absl::StrCat(config.region_organizations, " orgs"), &outcome,
                           [&](Peer& peer, const std::string&, std::vector<std::string>* problems) {
                             return body(AsGrpcPeer(peer), problems);
                           });
  Json rows = Json::array();
  add_rows(&rows, case_json);
  parameters["organizations"] = config.region_organizations;
  parameters["phase_s"] = absl::ToDoubleSeconds(config.phase_duration);
  parameters["ghor_get_rate_per_s"] = config.ghor_get_rate;
  outcome.json = {{"scenario", scenario},
                  {"parameters", parameters},
                  {"definition", definition},
                  {"cases", Json::array({case_json})},
                  {"table", rows}};
  RedisNotApplicable(config, scenario,
                     "Redis has no per-identity limits to compare (its ACL users share one event loop, with no "
                     "per-user quotas of reads or memory)",
                     &outcome.json);
  PrintRows(title, rows);
  return outcome;
}

}  // namespace

ScenarioOutcome RunScanInterference(const BenchConfig& config) {
  return RunRegionScenario(
      config, "scan_interference", "scan interference: the GHOR's Get while another identity scans",
      {{"scan_rate_per_s", config.scan_rate}, {"scans_in_flight", config.scans_in_flight}},
      "Organisations registered and reported in development mode, then the server restarted with a tokens file (the "
      "default per-identity limits). Phase 1: the GHOR's Gets of organisations' status at a steady rate, alone. "
      "Phase 2: the same while an institution starts History (from revision 1, a filter matching nothing) and List "
      "(at the revision when every organisation was registered) alternately, at most `scans_in_flight` unanswered.",
      [&](GrpcPeer& peer, std::vector<std::string>* problems) { return ScanInterferenceCase(config, peer, problems); },
      [](Json* rows, const Json& case_json) {
        AddGhorRows(rows, case_json, "with scans", "/ghor_get_with_scans");
        AddRow(rows, case_json, "scans completed", "/scans/completed", "count", true);
        AddRow(rows, case_json, "scans refused (RESOURCE_EXHAUSTED)", "/scans/refused", "count", false);
        AddRow(rows, case_json, "scan latency p50", "/scans/latency/p50_ms", "ms", false);
        AddRow(rows, case_json, "scan latency p99", "/scans/latency/p99_ms", "ms", false);
      });
}

ScenarioOutcome RunUnreadClient(const BenchConfig& config) {
  return RunRegionScenario(
      config, "unread_client", "unread client: server memory and the GHOR's Get while an identity never reads",
      {{"unread_rate_per_s", config.unread_rate}, {"unread_connections", config.unread_connections}},
      "As scan_interference's set-up. Phase 1: the GHOR's Gets, alone, server VmRSS sampled every 100 ms. Phase 2: "
      "the same while an institution's raw HTTP/2 client (tests/support/non_reading_h2_client.h: receive window 0, "
      "never reads) starts Lists of the whole picture and, every tenth call, a PublishStatus stream with one report, "
      "at `unread_rate` per second over `unread_connections` connections; then it closes them and the sampling "
      "goes on 2 s. The 80 MiB bound: docs/security.md, 16 MiB of unsent answers plus 32 answers of at most 2 MiB.",
      [&](GrpcPeer& peer, std::vector<std::string>* problems) { return UnreadClientCase(config, peer, problems); },
      [](Json* rows, const Json& case_json) {
        AddRow(rows, case_json, "server RSS peak, baseline", "/rss_baseline/peak_mib", "MiB", false);
        AddRow(rows, case_json, "server RSS peak, with the client", "/rss_with_client/peak_mib", "MiB", false);
        AddRow(rows, case_json, "RSS growth", "/rss_growth_mib", "MiB", false, "<= 80 MiB",
               [](double ours, auto) { return ours <= 80; });
        AddRow(rows, case_json, "RSS 2 s after its connections closed", "/rss_after_close_mib", "MiB", false);
        AddGhorRows(rows, case_json, "with the client", "/ghor_get_with_client");
        AddRow(rows, case_json, "unread List calls started", "/unread_client/list_calls", "count", true);
        AddRow(rows, case_json, "unread PublishStatus streams", "/unread_client/publish_streams", "count", true);
      });
}

// ---------------------------------------------------------------------------------------------------------------
// The replicated mode (issue 16): replicated_writes and replicated_failover

namespace {

// The replicated scenarios start their own etcd cluster: without etcd they are skipped, with a message, and nothing
// fails. nullopt when etcd is there.
std::optional<ScenarioOutcome> SkippedWithoutEtcd(const BenchConfig& config, const std::string& scenario) {
  if (::access(config.etcd_binary.c_str(), X_OK) == 0) return std::nullopt;
  const std::string message =
      absl::StrCat(config.etcd_binary, " not found or not executable: SKIPPING ", scenario,
                   " (it runs a three-member etcd cluster; install etcd with `apt-get install -y etcd-server`)");
  std::printf("\n%s: %s\n", scenario.c_str(), message.c_str());
  ScenarioOutcome outcome;
  outcome.json = {{"scenario", scenario}, {"skipped", message}, {"table", Json::array()}};
  return outcome;
}

// A region of three members on `dir` (the data of this case, on the same disk as every other case).
absl::StatusOr<std::unique_ptr<Region>> StartRegion(const BenchConfig& config, const std::string& scenario,
                                                    const std::string& case_name, const std::string& dir) {
  Progress(absl::StrCat(scenario, " ", case_name, ": starting a region of three etcd members and three servers, lease ",
                        absl::FormatDuration(config.lease_ttl)));
  return Region::Start({.etcd_binary = config.etcd_binary,
                        .member = PeerOptionsFor("ketenbeeld", config),
                        .dir = dir,
                        .members = 3,
                        .lease_ttl = config.lease_ttl});
}

std::vector<ValueColumn> ReplicatedWritesColumns() {
  return {{.key = "single_node", .header = "single node", .ratio = false},
          {.key = "leader", .header = "to the leader", .ratio = false},
          {.key = "follower", .header = "to a follower", .ratio = false},
          {.key = "leader_vs_single", .header = "leader/single", .ratio = true},
          {.key = "follower_vs_single", .header = "follower/single", .ratio = true}};
}

// A replicated_writes row: the metric at `pointer` for the single node, the leader and the follower of `case_json`,
// and the ratios to the single node.
Json ReplicatedWritesRow(const Json& case_json, const std::string& metric, const std::string& pointer,
                         const std::string& unit, bool higher_is_better) {
  const Json::json_pointer at(pointer);
  Json row = {{"case", case_json["case"]},
              {"metric", metric},
              {"unit", unit},
              {"higher_is_better", higher_is_better},
              {"target", ""},
              {"target_met", nullptr}};
  const std::optional<double> single = Metric(case_json.value("single_node", Json()), at);
  row["single_node"] = single ? Json(*single) : Json(nullptr);
  for (const std::string target : {"leader", "follower"}) {
    const std::optional<double> value = Metric(case_json.value(target, Json()), at);
    row[target] = value ? Json(*value) : Json(nullptr);
    row[target + "_vs_single"] = (value && single && *single != 0) ? Json(*value / *single) : Json(nullptr);
  }
  return row;
}

// The replicated half of a replicated_writes case, on a fresh region: the same closed loop sent to the leader, then
// to a follower (which forwards every write to the leader and answers once it has applied it). {"leader": ...,
// "follower": ...}, each with the member it went to.
Json ReplicatedWritesCase(const BenchConfig& config, const std::string& case_name, int publishers, bool stream,
                          std::vector<std::string>* failures) {
  const std::string dir = DataDir(config, "replicated_writes", case_name, "region");
  Json result = Json::object();
  {
    absl::StatusOr<std::unique_ptr<Region>> started = StartRegion(config, "replicated_writes", case_name, dir);
    if (!started.ok()) {
      failures->push_back(
          absl::StrCat("replicated region (", case_name, ") did not start: ", started.status().ToString()));
      result["leader"] = {{"error", started.status().ToString()}};
    } else {
      Region& region = **started;
      const int leader = region.Leader().value_or(0);  // Start waited until one leads.
      const int follower = (leader + 1) % region.size();
      if (absl::Status status = region.member(leader).Register(publishers, 64, absl::Minutes(2)); !status.ok()) {
        failures->push_back(absl::StrCat("replicated ", case_name, ": registration: ", status.ToString()));
        result["leader"] = {{"error", status.ToString()}};
      } else {
        Progress(absl::StrCat("replicated_writes ", case_name, ": to the leader (member ", leader, ")"));
        result["leader"] = MeasureDurableWrites(config, region.member(leader), publishers, stream,
                                                "replicated, to the leader,", failures);
        result["leader"]["member"] = leader;
        Progress(absl::StrCat("replicated_writes ", case_name, ": to a follower (member ", follower, ")"));
        result["follower"] = MeasureDurableWrites(config, region.member(follower), publishers, stream,
                                                  "replicated, to a follower,", failures);
        result["follower"]["member"] = follower;
        // Nobody was killed: a move means a member lost its lease under the load, which the numbers must not hide.
        if (const std::optional<int> now = region.Leader(); now != leader) {
          failures->push_back(absl::StrCat("replicated ", case_name, ": the leadership moved from member ", leader,
                                           " to ", now.has_value() ? absl::StrCat("member ", *now) : "nobody",
                                           " while no member was killed"));
        }
      }
    }
  }  // The region stops (every process by its pid) before its data goes.
  RemoveDataDir(config, dir);
  return result;
}

}  // namespace

ScenarioOutcome RunReplicatedWrites(const BenchConfig& config) {
  if (std::optional<ScenarioOutcome> skipped = SkippedWithoutEtcd(config, "replicated_writes")) return *skipped;
  ScenarioOutcome outcome;
  Json cases = Json::array(), rows = Json::array();
  BenchConfig single_config = config;
  single_config.peers = {"ketenbeeld"};
  for (int publishers : config.replicated_publishers) {
    for (const std::string& api : config.write_apis) {
      const bool stream = api == "stream";
      const std::string case_name = absl::StrCat("P=", publishers, " ", api);
      // The single node first, as durable_writes measures it, on its own fresh data dir.
      Json single = RunCase(single_config, "replicated_writes", case_name, &outcome,
                            [&](Peer& peer, const std::string&, std::vector<std::string>* problems) {
                              return DurableWritesCase(config, peer, publishers, stream, problems);
                            });
      Json case_json = ReplicatedWritesCase(config, case_name, publishers, stream, &outcome.failures);
      case_json["case"] = case_name;
      case_json["single_node"] = single.value("ketenbeeld", Json());
      rows.push_back(ReplicatedWritesRow(case_json, "acknowledged writes", "/writes_per_s", "/s", true));
      rows.push_back(ReplicatedWritesRow(case_json, "latency p50", "/latency/p50_ms", "ms", false));
      rows.push_back(ReplicatedWritesRow(case_json, "latency p99", "/latency/p99_ms", "ms", false));
      cases.push_back(std::move(case_json));
    }
  }
  Json parameters = DurableWritesParameters(config, config.replicated_publishers);
  parameters["members"] = 3;
  parameters["etcd_members"] = 3;
  parameters["lease_ttl_s"] = absl::ToDoubleSeconds(config.lease_ttl);
  outcome.json = {
      {"scenario", "replicated_writes"},
      {"parameters", parameters},
      {"definition",
       "durable_writes' closed loop (P publishers, one write in flight each, unary ReportStatus or the PublishStatus "
       "stream) against a single node, then against a fresh region of three etcd members and three servers on "
       "127.0.0.1 (all on this machine and disk), sent to the leader and then to a follower, which forwards each "
       "write to the leader and answers once it has applied it. A replicated write is acknowledged once its commit "
       "group is durable in etcd (a quorum of two fsyncs) and in the member's RocksDB."},
      {"columns", ColumnsJson(ReplicatedWritesColumns())},
      {"cases", cases},
      {"table", rows}};
  RedisNotApplicable(config, "replicated_writes",
                     "Redis replication is asynchronous (WAIT counts replicas that received a write, not that fsynced "
                     "it), so no Redis set-up acknowledges a write only once a quorum has it on disk",
                     &outcome.json);
  PrintRows("replicated writes: a region of three (etcd quorum + RocksDB) against a single node, same closed loop",
            rows, ReplicatedWritesColumns());
  return outcome;
}

namespace {

// Unary ReportStatus calls over one channel that knows every member of the region ("ip:port,ip:port,ip:port",
// client::ChannelTarget: gRPC's pick_first moves to another member when its member goes away), as a coordinator's
// client makes them. After Arm(), it notes the first acknowledged write among those sent at or after the arming: when
// writes succeed again.
//
// Thread safety: Issue()'s function is called from one thread (the open loop's); the calls complete on gRPC's
// threads; the other methods may be called from any thread. Outlives every call it started (the open loop waits
// for them).
class FailoverWriter {
 public:
  struct Resumption {
    int64_t unix_nanos = 0;
    std::string peer;  // The member that answered (ClientContext::peer()).
  };

  FailoverWriter(const std::string& addresses, const PayloadFactory& payloads, int organizations)
      : payloads_(payloads),
        organizations_(organizations),
        // Connect turns the list into gRPC's address list (client::ChannelTarget).
        stub_(v1::PictureService::NewStub(client::Connect(addresses))) {}

  IssueCall Issue() {
    return [this](int64_t sequence, int, int64_t send_nanos, WriteDone done) {
      struct Call {
        grpc::ClientContext context;
        v1::ReportStatusRequest request;
        v1::WriteResponse response;
      };
      auto call = std::make_shared<Call>();
      // Longer than any failover: a write held by a follower until a new leader takes it is not cut short.
      call->context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      *call->request.mutable_report() = payloads_.Report(static_cast<int>(sequence % organizations_), send_nanos);
      stub_->async()->ReportStatus(&call->context, &call->request, &call->response,
                                   [this, call, send_nanos, done = std::move(done)](grpc::Status status) {
                                     Complete(status, call->context.peer(), send_nanos);
                                     WriteResult result = ResultOf(status);
                                     result.revision = call->response.revision();
                                     done(result);
                                   });
    };
  }

  // An outage starts now (the caller kills the leader right after); returns its start.
  int64_t Arm() {
    absl::MutexLock lock(&mu_);
    armed_nanos_ = NowUnixNanos();
    resumed_.reset();
    return armed_nanos_;
  }
  std::optional<Resumption> Resumed() {
    absl::MutexLock lock(&mu_);
    return resumed_;
  }
  // The member that answered the last acknowledged write.
  std::string last_peer() {
    absl::MutexLock lock(&mu_);
    return last_peer_;
  }
  int64_t acknowledged() const { return acknowledged_.load(); }
  int64_t failed() const { return failed_.load(); }

 private:
  void Complete(const grpc::Status& status, const std::string& peer, int64_t send_nanos) {
    const int64_t now = NowUnixNanos();
    if (!status.ok()) {
      failed_.fetch_add(1);
      return;
    }
    acknowledged_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    last_peer_ = peer;
    if (send_nanos >= armed_nanos_ && (!resumed_.has_value() || now < resumed_->unix_nanos)) {
      resumed_ = Resumption{.unix_nanos = now, .peer = peer};
    }
  }

  const PayloadFactory payloads_;
  const int organizations_;
  std::unique_ptr<v1::PictureService::Stub> stub_;
  std::atomic<int64_t> acknowledged_{0};
  std::atomic<int64_t> failed_{0};
  absl::Mutex mu_;
  int64_t armed_nanos_ ABSL_GUARDED_BY(mu_) = INT64_MAX;  // Nothing counts before the first Arm().
  std::optional<Resumption> resumed_ ABSL_GUARDED_BY(mu_);
  std::string last_peer_ ABSL_GUARDED_BY(mu_);
};

// One kill -9 of the leader: the times until writes succeed again and until another member leads (polled every
// 5 ms, the bound of both), then the killed member restarted on its data. A check that fails ends the cycles.
Json FailoverCycle(Region& region, FailoverWriter& writer, int cycle, std::vector<std::string>* failures) {
  const std::string label = absl::StrCat("replicated_failover cycle ", cycle);
  Json result = {{"cycle", cycle}};
  absl::StatusOr<int> leader = region.WaitForLeader(absl::Seconds(30));
  if (!leader.ok()) {
    failures->push_back(absl::StrCat(label, ": ", leader.status().ToString()));
    return result;
  }
  result["killed_member"] = *leader;
  result["client_member_before"] = region.MemberOf(writer.last_peer());
  const int64_t failed_before = writer.failed();
  Progress(absl::StrCat(label, ": kill -9 of member ", *leader, ", the leader"));
  const int64_t killed = writer.Arm();
  region.Kill(*leader);
  std::optional<int64_t> elected;
  std::optional<FailoverWriter::Resumption> resumed;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline && !(elected.has_value() && resumed.has_value())) {
    if (!elected.has_value()) {
      if (const std::optional<int> successor = region.Leader(*leader); successor.has_value()) {
        elected = NowUnixNanos();
        result["new_leader_member"] = *successor;
      }
    }
    if (!resumed.has_value()) resumed = writer.Resumed();
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (resumed.has_value()) {
    result["writes_resumed_s"] = static_cast<double>(resumed->unix_nanos - killed) / 1e9;
    result["resumed_via_member"] = region.MemberOf(resumed->peer);
  } else {
    failures->push_back(absl::StrCat(label, ": no write succeeded within 60 s of the kill"));
  }
  if (elected.has_value()) {
    result["new_leader_s"] = static_cast<double>(*elected - killed) / 1e9;
  } else {
    failures->push_back(absl::StrCat(label, ": no other member led within 60 s of the kill"));
  }
  const absl::StatusOr<absl::Duration> restarted = region.Restart(*leader);
  if (restarted.ok()) {
    result["restart_s"] = absl::ToDoubleSeconds(*restarted);
  } else {
    failures->push_back(
        absl::StrCat(label, ": the killed member did not serve again: ", restarted.status().ToString()));
  }
  // Writes the kill made fail: those in flight at the member that died, and those sent while no member led.
  result["writes_failed"] = writer.failed() - failed_before;
  return result;
}

// The cycles under a steady load; {"cycles": [...], "load": {...}}.
Json FailoverCycles(const BenchConfig& config, Region& region, std::vector<std::string>* failures) {
  constexpr int kOrganizations = 100;
  Json result = {{"cycles", Json::array()}};
  const int first_leader = region.Leader().value_or(0);  // Start waited until one leads.
  if (absl::Status status = region.member(first_leader).Register(kOrganizations, 64, absl::Minutes(2)); !status.ok()) {
    failures->push_back(absl::StrCat("replicated_failover: registration: ", status.ToString()));
    return result;
  }
  FailoverWriter writer(region.addresses(), PayloadFactory(config.report_bytes), kOrganizations);
  std::atomic<bool> stop{false};
  std::unique_ptr<OpenLoopResult> load;
  std::thread loader([&] {
    load = RunOpenLoop(writer.Issue(), config.failover_write_rate, INT64_MAX, /*max_in_flight=*/8192, &stop);
  });
  // The load stops, and its calls end, on every way out of here (a JSON exception included).
  struct StopLoad {
    std::atomic<bool>& stop;
    std::thread& loader;
    ~StopLoad() {
      stop.store(true);
      if (loader.joinable()) loader.join();
    }
  } stop_load{stop, loader};
  for (int cycle = 1; cycle <= config.failover_cycles; ++cycle) {
    const int64_t before = writer.acknowledged();
    absl::SleepFor(config.failover_steady);
    if (writer.acknowledged() == before) {
      failures->push_back(absl::StrCat("replicated_failover: no write acknowledged in the ",
                                       absl::FormatDuration(config.failover_steady), " before cycle ", cycle));
      break;
    }
    result["cycles"].push_back(FailoverCycle(region, writer, cycle, failures));
    if (!failures->empty()) break;
  }
  stop.store(true);
  loader.join();
  result["load"] = {{"rate_per_s", config.failover_write_rate},
                    {"acknowledged", load->acknowledged},
                    {"failed", load->failed},
                    {"not_sent_in_flight_cap", load->skipped},
                    {"seconds", load->seconds},
                    {"latency", load->latency.ToJson()}};
  if (!load->first_error.empty()) result["load"]["first_error"] = load->first_error;
  return result;
}

// A row of a table with one value column (`column`: replicated_failover's "region", federation_lag's "roaz"), lower
// is better, no target.
Json OneValueRow(const std::string& column, const std::string& case_name, const std::string& metric,
                 const std::string& unit, std::optional<double> value) {
  return {{"case", case_name},
          {"metric", metric},
          {"unit", unit},
          {"higher_is_better", false},
          {"target", ""},
          {"target_met", nullptr},
          {column, value ? Json(*value) : Json(nullptr)}};
}

}  // namespace

ScenarioOutcome RunReplicatedFailover(const BenchConfig& config) {
  if (std::optional<ScenarioOutcome> skipped = SkippedWithoutEtcd(config, "replicated_failover")) return *skipped;
  ScenarioOutcome outcome;
  const std::string dir = DataDir(config, "replicated_failover", "region", "ketenbeeld");
  Json measured = {{"cycles", Json::array()}};
  {
    absl::StatusOr<std::unique_ptr<Region>> region = StartRegion(config, "replicated_failover", "kill -9 cycles", dir);
    if (!region.ok()) {
      outcome.failures.push_back(absl::StrCat("replicated region did not start: ", region.status().ToString()));
      measured["error"] = region.status().ToString();
    } else {
      measured = FailoverCycles(config, **region, &outcome.failures);
    }
  }  // The region stops (every process by its pid) before its data goes.
  RemoveDataDir(config, dir);

  Json rows = Json::array();
  std::vector<double> resumed, elected;
  for (const Json& cycle : measured["cycles"]) {
    const std::string case_name = absl::StrCat("cycle ", cycle["cycle"].get<int>());
    const Json::json_pointer resumed_at("/writes_resumed_s"), elected_at("/new_leader_s"), failed_at("/writes_failed");
    rows.push_back(OneValueRow("region", case_name, "kill -9 of the leader → writes succeed again", "s",
                               Metric(cycle, resumed_at)));
    rows.push_back(OneValueRow("region", case_name, "kill -9 of the leader → another member leads", "s",
                               Metric(cycle, elected_at)));
    rows.push_back(OneValueRow("region", case_name, "writes failed", "count", Metric(cycle, failed_at)));
    if (cycle.contains("writes_resumed_s")) resumed.push_back(cycle["writes_resumed_s"].get<double>());
    if (cycle.contains("new_leader_s")) elected.push_back(cycle["new_leader_s"].get<double>());
  }
  Json summary = Json::object();
  const size_t count = measured["cycles"].size();
  const std::string all = absl::StrCat(count, count == 1 ? " cycle" : " cycles");
  for (const auto& [name, values, what] : {std::tuple{"writes_resumed", &resumed, "writes succeed again"},
                                           std::tuple{"new_leader", &elected, "another member leads"}}) {
    if (values->empty()) continue;
    const double median = Median(*values), max = *std::max_element(values->begin(), values->end());
    summary[name] = {{"p50_s", median}, {"max_s", max}, {"count", values->size()}};
    rows.push_back(OneValueRow("region", all, absl::StrCat(what, ", p50"), "s", median));
    rows.push_back(OneValueRow("region", all, absl::StrCat(what, ", max"), "s", max));
  }
  const std::vector<ValueColumn> columns = {{.key = "region", .header = "region of three", .ratio = false}};
  outcome.json = {
      {"scenario", "replicated_failover"},
      {"parameters",
       {{"cycles", config.failover_cycles},
        {"write_rate_per_s", config.failover_write_rate},
        {"steady_s", absl::ToDoubleSeconds(config.failover_steady)},
        {"lease_ttl_s", absl::ToDoubleSeconds(config.lease_ttl)},
        {"report_bytes", config.report_bytes},
        {"members", 3},
        {"etcd_members", 3}}},
      {"definition",
       "A region of three etcd members and three servers on 127.0.0.1. An open-loop writer sends unary ReportStatus "
       "calls at write_rate_per_s over one channel that knows every member (\"ip:port,ip:port,ip:port\", gRPC's "
       "pick_first, 30 s deadline, no retries). Per cycle: steady_s of writes, kill -9 of the leader, then the time "
       "from the kill to the first acknowledgement of a write sent after the kill (writes succeed again), and to "
       "another member's \"leading\" log line (another member leads), both polled every 5 ms; then the killed member "
       "is restarted on its data. writes_failed: writes that failed from the kill to the restart."},
      {"columns", ColumnsJson(columns)},
      {"cycles", measured["cycles"]},
      {"summary", summary},
      {"load", measured.value("load", Json())},
      {"table", rows}};
  if (measured.contains("error")) outcome.json["error"] = measured["error"];
  RedisNotApplicable(config, "replicated_failover",
                     "Redis Sentinel promotes an asynchronous replica, which may lack acknowledged writes: not the "
                     "same guarantee to time",
                     &outcome.json);
  PrintRows("replicated failover: kill -9 of the leader under a steady load of unary writes", rows, columns);
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// Federation lag (issue 20): a region server, a ROAZ server and ketenbeeld-federator

namespace {

// The ROAZ server's feed, read with the client library's typed Feed on its own thread: every status report of VR10
// that arrives after `synced`, with its provenance (the region's revision and commit time), against the moment its
// message arrived here and the ROAZ server's own commit time.
class RoazFeedWatcher {
 public:
  explicit RoazFeedWatcher(const std::string& address) : feed_(client::Connect(address)) {
    thread_ = std::thread([this] {
      v1::Filter filter;
      filter.add_kinds(v1::ENTITY_KIND_STATUS_REPORT);
      const absl::Status ended = feed_.Run(filter, 0,
                                           client::FeedHandler{.on_message =
                                                                   [this](const v1::SubscribeResponse& message) {
                                                                     OnMessage(message);
                                                                     return absl::OkStatus();
                                                                   },
                                                               .on_connection = {}});
      std::lock_guard<std::mutex> lock(mutex_);
      if (ended.code() != absl::StatusCode::kCancelled) end_error_ = ended.ToString();
    });
  }
  ~RoazFeedWatcher() { Stop(); }

  void Stop() {
    feed_.Cancel();
    if (thread_.joinable()) thread_.join();
  }
  bool synced() const { return synced_.load(); }
  int64_t seen() const { return seen_.load(); }
  int64_t max_source_revision() const { return max_source_revision_.load(); }
  int64_t out_of_order() const { return out_of_order_.load(); }
  // Region commit → the event in the ROAZ server's feed here; region commit → the ROAZ server's commit.
  const LatencyHistogram& visible() const { return visible_; }
  const LatencyHistogram& applied() const { return applied_; }
  std::string end_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return end_error_;
  }

 private:
  static int64_t Nanos(const google::protobuf::Timestamp& time) {
    return time.seconds() * 1'000'000'000 + time.nanos();
  }

  void OnMessage(const v1::SubscribeResponse& message) {
    const int64_t received = NowUnixNanos();
    if (message.has_synced()) synced_.store(true);
    if (!message.has_events() || !synced_.load()) return;
    for (const v1::Event& event : message.events().events()) {
      const v1::SourceProvenance& provenance = event.record().provenance();
      if (provenance.source_region() != kSafetyRegion || event.type() != v1::EVENT_TYPE_PUT) continue;
      const int64_t committed = Nanos(provenance.source_commit_time());
      visible_.Record((received - committed) / 1000);
      applied_.Record((Nanos(event.commit_time()) - committed) / 1000);
      if (provenance.source_revision() <= max_source_revision_.load()) out_of_order_.fetch_add(1);
      max_source_revision_.store(std::max(max_source_revision_.load(), provenance.source_revision()));
      seen_.fetch_add(1);
    }
  }

  client::Feed feed_;
  std::thread thread_;
  std::atomic<bool> synced_{false};
  std::atomic<int64_t> seen_{0};
  std::atomic<int64_t> max_source_revision_{0};
  std::atomic<int64_t> out_of_order_{0};
  LatencyHistogram visible_;
  LatencyHistogram applied_;
  mutable std::mutex mutex_;
  std::string end_error_;  // Guarded by mutex_.
};

// The revision a server is at (a List of at most one record).
absl::StatusOr<int64_t> RevisionOf(const std::string& address) {
  auto stub = v1::PictureService::NewStub(client::Connect(address));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::ListRequest request;
  request.set_page_size(1);
  v1::ListResponse response;
  const grpc::Status status = stub->List(&context, request, &response);
  if (!status.ok()) return ToAbslStatus(status);
  return response.revision();
}

// Waits until the ROAZ server's cursor of VR10 is at least `revision` (GetUpstreamCursors every 20 ms).
absl::Status AwaitCursor(const std::string& roaz_address, int64_t revision, absl::Duration timeout) {
  auto stub = v1::FederationService::NewStub(client::Connect(roaz_address));
  const absl::Time deadline = absl::Now() + timeout;
  int64_t cursor = 0;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::GetUpstreamCursorsResponse response;
    if (stub->GetUpstreamCursors(&context, {}, &response).ok()) {
      for (const v1::UpstreamSource& source : response.sources()) {
        if (source.safety_region() == kSafetyRegion) cursor = source.cursor();
      }
      if (cursor >= revision) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the ROAZ server's cursor of ", kSafetyRegion, " is ", cursor, ", not ", revision));
}

// One rate: fresh servers (the region, VR10; the ROAZ server, VR12, with VR10 as its source), the federator, the
// region's organisations registered and federated; then `rate` status reports per second for federation_duration
// (an open loop over the region's unary ReportStatus), read back from the ROAZ server's feed until every acknowledged
// one has arrived.
Json FederationLagCase(const BenchConfig& config, int rate, const std::string& case_name,
                       std::vector<std::string>* failures) {
  const std::string label = absl::StrCat("federation_lag ", case_name);
  Json result = {{"rate_per_s", rate}};
  auto fail = [&](const std::string& what) {
    failures->push_back(absl::StrCat(label, ": ", what));
    Progress(absl::StrCat("check failed: ", failures->back()));
    result["error"] = what;
    return result;
  };
  const std::string region_dir = DataDir(config, "federation_lag", case_name, "region");
  const std::string roaz_dir = DataDir(config, "federation_lag", case_name, "roaz");
  const std::string roaz_config = absl::StrCat(config.work_dir, "/logs/federation_lag-roaz.textproto");
  std::filesystem::create_directories(config.work_dir + "/logs");
  std::ofstream(roaz_config) << "federation {\n  sources { safety_region: \"" << kSafetyRegion
                             << "\" identity: \"federator-vr10\" }\n}\n";
  PeerOptions roaz_options = PeerOptionsFor("ketenbeeld", config);
  roaz_options.server_flags.insert(roaz_options.server_flags.end(), {"--region", "VR12", "--config", roaz_config});
  std::unique_ptr<Peer> region = MakePeer("ketenbeeld", config);
  std::unique_ptr<Peer> roaz = MakeKetenbeeldPeer(std::move(roaz_options));
  ChildProcess federator;
  // Whatever happens below, the federator stops first, then the servers (their destructors), then the data goes.
  struct Cleanup {
    const BenchConfig& config;
    ChildProcess& federator;
    std::unique_ptr<Peer>& region;
    std::unique_ptr<Peer>& roaz;
    std::string region_dir, roaz_dir;
    ~Cleanup() {
      federator.Stop(absl::Seconds(10));
      region.reset();
      roaz.reset();
      RemoveDataDir(config, region_dir);
      RemoveDataDir(config, roaz_dir);
    }
  } cleanup{config, federator, region, roaz, region_dir, roaz_dir};

  Progress(absl::StrCat(label, ": region, ROAZ server and federator"));
  if (absl::Status status = region->Start(region_dir); !status.ok()) return fail("region: " + status.ToString());
  if (absl::Status status = roaz->Start(roaz_dir); !status.ok()) return fail("ROAZ server: " + status.ToString());
  if (absl::Status status = region->Register(config.federation_organizations, 64, absl::Minutes(2)); !status.ok()) {
    return fail("registration: " + status.ToString());
  }
  const std::string federator_log = absl::StrCat(config.work_dir, "/logs/federation_lag-federator-", rate, ".log");
  if (absl::Status status =
          federator.Start({config.federator_binary, "--downstream", absl::StrCat("target=", roaz->address()),
                           "--source", absl::StrCat(kSafetyRegion, ",target=", region->address())},
                          federator_log);
      !status.ok()) {
    return fail("federator: " + status.ToString());
  }
  absl::StatusOr<int64_t> registered = RevisionOf(region->address());
  if (!registered.ok()) return fail("region revision: " + registered.status().ToString());
  if (absl::Status status = AwaitCursor(roaz->address(), *registered, absl::Seconds(60)); !status.ok()) {
    return fail(absl::StrCat(status.ToString(), "\n", federator.LogTail()));
  }
  RoazFeedWatcher watcher(roaz->address());
  for (int i = 0; i < 3000 && !watcher.synced(); ++i) absl::SleepFor(absl::Milliseconds(10));
  if (!watcher.synced()) return fail("the ROAZ server's feed never synced");

  CpuSampler cpu(region->Pid());
  const int64_t total = static_cast<int64_t>(rate * absl::ToDoubleSeconds(config.federation_duration));
  std::unique_ptr<OpenLoopResult> load =
      RunOpenLoop(ReportWrites(*region, config.federation_organizations), rate, total);
  // Every acknowledged report must arrive (each is one event of the region, applied once).
  const absl::Time drain_start = absl::Now();
  const absl::Time drain_deadline = drain_start + absl::Seconds(60);
  while (watcher.seen() < load->acknowledged && absl::Now() < drain_deadline) absl::SleepFor(absl::Milliseconds(5));
  cpu.Stop();
  const double drain_s = absl::ToDoubleSeconds(absl::Now() - drain_start);
  watcher.Stop();

  result["writes"] = {{"sent", total - load->skipped},
                      {"acknowledged", load->acknowledged},
                      {"failed", load->failed},
                      {"seconds", load->seconds},
                      {"latency", load->latency.ToJson()}};
  if (!load->first_error.empty()) result["writes"]["first_error"] = load->first_error;
  result["roaz_feed"] = {{"events", watcher.seen()},
                         {"max_source_revision", watcher.max_source_revision()},
                         {"out_of_order", watcher.out_of_order()},
                         {"drain_after_last_answer_s", drain_s}};
  result["commit_to_visible"] = watcher.visible().ToJson();
  result["commit_to_roaz_commit"] = watcher.applied().ToJson();
  result["cpu"] = CpuJson(cpu);
  if (load->failed > 0 || load->acknowledged == 0) {
    failures->push_back(absl::StrCat(label, ": ", load->acknowledged, " reports acknowledged, ", load->failed,
                                     " failed ", load->first_error));
  }
  if (watcher.seen() != load->acknowledged || watcher.max_source_revision() < load->max_revision ||
      watcher.out_of_order() > 0) {
    failures->push_back(absl::StrCat(label, ": the ROAZ feed had ", watcher.seen(), " of ", load->acknowledged,
                                     " reports (up to revision ", watcher.max_source_revision(), " of ",
                                     load->max_revision, ", ", watcher.out_of_order(), " out of order) after 60 s ",
                                     watcher.end_error()));
  }
  return result;
}

}  // namespace

ScenarioOutcome RunFederationLag(const BenchConfig& config) {
  ScenarioOutcome outcome;
  if (config.federator_binary.empty() || ::access(config.federator_binary.c_str(), X_OK) != 0) {
    const std::string message =
        absl::StrCat("ketenbeeld-federator not found (",
                     config.federator_binary.empty() ? "no --federator_bin" : config.federator_binary,
                     "): SKIPPING federation_lag (build it: make build TARGETS=ketenbeeld-federator)");
    std::printf("\nfederation_lag: %s\n", message.c_str());
    outcome.json = {{"scenario", "federation_lag"}, {"skipped", message}, {"table", Json::array()}};
    return outcome;
  }
  Json cases = Json::array(), rows = Json::array();
  for (int rate : config.federation_rates) {
    const std::string case_name = absl::StrCat(rate, " writes/s");
    Json result = FederationLagCase(config, rate, case_name, &outcome.failures);
    const Json::json_pointer p50("/commit_to_visible/p50_ms"), p99("/commit_to_visible/p99_ms"),
        max("/commit_to_visible/max_ms"), applied50("/commit_to_roaz_commit/p50_ms"),
        applied99("/commit_to_roaz_commit/p99_ms"), write99("/writes/latency/p99_ms");
    rows.push_back(
        OneValueRow("roaz", case_name, "region commit → visible in the ROAZ feed, p50", "ms", Metric(result, p50)));
    rows.push_back(
        OneValueRow("roaz", case_name, "region commit → visible in the ROAZ feed, p99", "ms", Metric(result, p99)));
    rows.push_back(
        OneValueRow("roaz", case_name, "region commit → visible in the ROAZ feed, max", "ms", Metric(result, max)));
    rows.push_back(OneValueRow("roaz", case_name, "region commit → ROAZ commit, p50", "ms", Metric(result, applied50)));
    rows.push_back(OneValueRow("roaz", case_name, "region commit → ROAZ commit, p99", "ms", Metric(result, applied99)));
    rows.push_back(OneValueRow("roaz", case_name, "region write acknowledged, p99", "ms", Metric(result, write99)));
    result["case"] = case_name;
    cases.push_back(std::move(result));
  }
  const std::vector<ValueColumn> columns = {{.key = "roaz", .header = "region → ROAZ", .ratio = false}};
  outcome.json = {
      {"scenario", "federation_lag"},
      {"parameters",
       {{"rates_per_s", config.federation_rates},
        {"duration_s", absl::ToDoubleSeconds(config.federation_duration)},
        {"organizations", config.federation_organizations},
        {"report_bytes", config.report_bytes}}},
      {"definition",
       "A region server (VR10), a ROAZ server (VR12, VR10 its federation source) and ketenbeeld-federator with its "
       "defaults, all on 127.0.0.1, each server on its own data dir on the measured disk. After the region's "
       "organisations are federated, an open loop writes `rate` status reports per second to the region (unary "
       "ReportStatus, one organisation after another) for duration_s; a client of the ROAZ server's feed (status "
       "reports, from a snapshot) takes every federated report after synced: region commit → visible is the moment "
       "its message arrived minus the region's commit time (SourceProvenance.source_commit_time), region commit → "
       "ROAZ commit the ROAZ server's commit time minus the same. Every acknowledged report must arrive, in order, "
       "within 60 s of the last answer (else the run fails)."},
      {"columns", ColumnsJson(columns)},
      {"cases", cases},
      {"table", rows}};
  RedisNotApplicable(config, "federation_lag", "Redis has no federation of regions to compare", &outcome.json);
  PrintRows("federation lag: upstream commit → national (ROAZ) visibility", rows, columns);
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// How cost grows (issue 21, item 5): growth

namespace {

double Mebibytes(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// A count as a point of the table names it: 1000 -> "1k", 10'000'000 -> "10M", 1500 -> "1500".
std::string ShortCount(int64_t count) {
  if (count >= 1'000'000 && count % 1'000'000 == 0) return absl::StrCat(count / 1'000'000, "M");
  if (count >= 1000 && count % 1000 == 0) return absl::StrCat(count / 1000, "k");
  return absl::StrCat(count);
}

// Writes `reports` status reports over the PublishStatus streams (each stream carries what its publishers queued
// while its previous message was in flight: large batches at this concurrency), organisation after organisation of
// [0, organizations) (registered), from `publishers` closed loops, in parts of at most 1,000,000 with a progress line
// after each. Returns the highest revision acknowledged; an error when a report was not acknowledged within an hour
// per part.
absl::StatusOr<int64_t> WriteReports(Peer& peer, int organizations, int64_t reports, int publishers,
                                     const std::string& label) {
  constexpr int64_t kPart = 1'000'000;
  int64_t written = 0, revision = 0;
  const absl::Time start = absl::Now();
  while (written < reports) {
    const int64_t part = std::min(kPart, reports - written);
    const IssueCall issue = [&peer, organizations, offset = written](int64_t sequence, int publisher,
                                                                     int64_t send_nanos, WriteDone done) {
      peer.PublishReport(static_cast<int>((offset + sequence) % organizations), send_nanos, std::move(done), publisher);
    };
    std::unique_ptr<ClosedLoopResult> run = RunClosedLoop(issue, static_cast<int>(std::min<int64_t>(publishers, part)),
                                                          absl::ZeroDuration(), absl::Hours(1), part);
    written += run->acknowledged;
    revision = std::max(revision, run->max_revision);
    if (run->acknowledged != part || run->failed > 0) {
      return absl::InternalError(absl::StrCat(label, ": ", run->acknowledged, " of ", part, " reports acknowledged, ",
                                              run->failed, " failed ", run->first_error));
    }
    if (reports > kPart) {
      Progress(absl::StrFormat("%s: %d of %d reports written, %.0f/s, revision %d", label, written, reports,
                               static_cast<double>(written) / absl::ToDoubleSeconds(absl::Now() - start), revision));
    }
  }
  return revision;
}

// The server at one size, measured in this order (each step after the first two adds events, the closed loop the
// most, so it runs last): its RSS and data dir; the snapshot of the whole picture read `growth_snapshot_reads` times
// by a new subscriber; kill -9 and restart on the same data dir, exec until a read is served; fan-out of
// `growth_feeds` feeds at `growth_rate` reports/s; `growth_publishers` closed-loop stream publishers. `*revision`:
// the log's revision before (the point's events), the highest acknowledged after. A failed check fails `label`'s
// point.
Json MeasureGrowthPoint(const BenchConfig& config, Peer& peer, const std::string& data_dir, const std::string& point,
                        int organizations, int64_t* revision, std::vector<std::string>* failures) {
  const std::string label = absl::StrCat(peer.Name(), " growth ", point);
  Progress(absl::StrCat(label, ": measuring at revision ", *revision));
  Json result = {{"point", point},
                 {"organizations", organizations},
                 {"events", *revision},
                 {"rss_mib", Mebibytes(ResidentBytes(peer.Pid()).value_or(0))},
                 {"data_dir_mib", Mebibytes(DirectoryBytes(data_dir))}};
  result["snapshot"] = MeasureSnapshot(peer, config.growth_snapshot_reads, 2LL * organizations, label, failures);
  peer.Kill();
  absl::StatusOr<absl::Duration> restart = peer.Restart(absl::Minutes(10));
  if (!restart.ok()) {
    failures->push_back(absl::StrCat(label, ": restart after kill -9 failed: ", restart.status().ToString()));
    result["error"] = restart.status().ToString();
    return result;
  }
  result["restart_ms"] = absl::ToDoubleMilliseconds(*restart);
  result["rss_after_restart_mib"] = Mebibytes(ResidentBytes(peer.Pid()).value_or(0));
  // Feeds of the whole picture from a snapshot, as a dashboard opens them; a few at a time, so that at 100,000
  // organisations the server does not build a hundred snapshots of ~150 MiB at once.
  result["fanout"] = MeasureFanout(config, peer,
                                   {.subscribers = config.growth_feeds,
                                    .rate = config.growth_rate,
                                    .duration = config.growth_duration,
                                    .organizations = std::min(organizations, config.fanout_organizations),
                                    .max_pending = 4,
                                    .open_timeout = absl::Minutes(10)},
                                   nullptr, label, failures);
  BenchConfig writes_config = config;
  writes_config.write_warmup = config.growth_warmup;
  writes_config.write_duration = config.growth_duration;
  result["writes"] = MeasureDurableWrites(writes_config, peer, std::min(organizations, config.growth_publishers),
                                          /*stream=*/true, label, failures);
  for (const char* step : {"fanout", "writes"}) {
    *revision = std::max(*revision, result[step].value("max_revision", int64_t{0}));
  }
  return result;
}

// A point of the picture: `organizations` registered, each with a status report, on a fresh server.
Json GrowthPictureCase(const BenchConfig& config, Peer& peer, const std::string& data_dir, int organizations,
                       std::vector<std::string>* failures) {
  const std::string point = absl::StrCat(ShortCount(organizations), " orgs");
  const std::string label = absl::StrCat(peer.Name(), " growth ", point);
  const absl::Time start = absl::Now();
  if (absl::Status status = peer.Register(organizations, 256, absl::Minutes(30)); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  absl::StatusOr<int64_t> revision =
      WriteReports(peer, organizations, organizations, config.growth_load_publishers, label);
  if (!revision.ok()) {
    failures->push_back(revision.status().ToString());
    return {{"error", revision.status().ToString()}};
  }
  const double load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int64_t events = *revision;
  Json result = MeasureGrowthPoint(config, peer, data_dir, point, organizations, &events, failures);
  result["load_s"] = load_seconds;
  return result;
}

// The points of the history, on one server: growth_history_organizations registered, each with a status report, then
// reports (organisation after organisation) until the log holds each size of growth_history in turn, measured there.
// {"points": [...]}.
Json GrowthHistoryCase(const BenchConfig& config, Peer& peer, const std::string& data_dir,
                       std::vector<std::string>* failures) {
  const int organizations = config.growth_history_organizations;
  const std::string label = absl::StrCat(peer.Name(), " growth history");
  if (absl::Status status = peer.Register(organizations, 256, absl::Minutes(10)); !status.ok()) {
    failures->push_back(absl::StrCat(label, ": ", status.ToString()));
    return {{"error", status.ToString()}};
  }
  absl::StatusOr<int64_t> revision =
      WriteReports(peer, organizations, organizations, config.growth_load_publishers, label);
  std::vector<int64_t> sizes = config.growth_history;
  std::sort(sizes.begin(), sizes.end());
  Json points = Json::array();
  for (int64_t events : sizes) {
    const std::string point = absl::StrCat(ShortCount(events), " events");
    const absl::Time start = absl::Now();
    if (revision.ok() && *revision < events) {
      Progress(absl::StrCat(label, ": writing ", events - *revision, " reports to reach ", events, " events with ",
                            config.growth_load_publishers, " stream publishers"));
      revision = WriteReports(peer, organizations, events - *revision, config.growth_load_publishers,
                              absl::StrCat(label, " to ", point));
    }
    if (!revision.ok()) {
      failures->push_back(revision.status().ToString());
      points.push_back({{"point", point}, {"error", revision.status().ToString()}});
      break;
    }
    const double load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    int64_t now = *revision;
    Json result = MeasureGrowthPoint(config, peer, data_dir, point, organizations, &now, failures);
    result["load_s"] = load_seconds;
    revision = now;
    const bool stop = result.contains("error");
    points.push_back(std::move(result));
    if (stop) break;
  }
  return {{"points", points}};
}

// The table's columns: a row per point, a column per metric.
std::vector<ValueColumn> GrowthColumns(const BenchConfig& config) {
  return {
      {.key = "organizations", .header = "orgs", .ratio = false, .unit = "count"},
      {.key = "events", .header = "events", .ratio = false, .unit = "count"},
      {.key = "rss_mib", .header = "RSS MiB", .ratio = false, .unit = "MiB"},
      {.key = "data_dir_mib", .header = "disk MiB", .ratio = false, .unit = "MiB"},
      {.key = "snapshot_ms", .header = "snapshot ms", .ratio = false, .unit = "ms"},
      {.key = "writes_per_s",
       .header = absl::StrCat("writes/s P=", config.growth_publishers),
       .ratio = false,
       .unit = "/s"},
      {.key = "fanout_p50_ms", .header = "fan-out p50 ms", .ratio = false, .unit = "ms"},
      {.key = "fanout_p99_ms", .header = "fan-out p99 ms", .ratio = false, .unit = "ms"},
      {.key = "restart_ms", .header = "restart ms", .ratio = false, .unit = "ms"},
  };
}

// A row of the table from a point's JSON (MeasureGrowthPoint's): null where it has no value.
Json GrowthRow(const std::string& point, const Json& measured) {
  Json row = {{"case", point}, {"metric", ""}, {"unit", ""}, {"higher_is_better", false}, {"target", ""}};
  for (const auto& [key, pointer] :
       std::vector<std::pair<std::string, std::string>>{{"organizations", "/organizations"},
                                                        {"events", "/events"},
                                                        {"rss_mib", "/rss_mib"},
                                                        {"data_dir_mib", "/data_dir_mib"},
                                                        {"snapshot_ms", "/snapshot/synced_ms/median"},
                                                        {"writes_per_s", "/writes/writes_per_s"},
                                                        {"fanout_p50_ms", "/fanout/commit_to_delivery/p50_ms"},
                                                        {"fanout_p99_ms", "/fanout/commit_to_delivery/p99_ms"},
                                                        {"restart_ms", "/restart_ms"}}) {
    const std::optional<double> value = Metric(measured, Json::json_pointer(pointer));
    row[key] = value ? Json(*value) : Json(nullptr);
  }
  return row;
}

}  // namespace

ScenarioOutcome RunGrowth(const BenchConfig& config) {
  ScenarioOutcome outcome;
  BenchConfig case_config = config;
  case_config.peers = {"ketenbeeld"};
  Json cases = Json::array(), rows = Json::array();
  for (int organizations : config.growth_organizations) {
    const std::string case_name = absl::StrCat(ShortCount(organizations), " orgs");
    Json case_json = RunCase(case_config, "growth", case_name, &outcome,
                             [&](Peer& peer, const std::string& dir, std::vector<std::string>* problems) {
                               return GrowthPictureCase(config, peer, dir, organizations, problems);
                             });
    rows.push_back(GrowthRow(case_name, case_json.value("ketenbeeld", Json())));
    cases.push_back(std::move(case_json));
  }
  if (!config.growth_history.empty()) {
    const std::string case_name = absl::StrCat("history of ", ShortCount(config.growth_history_organizations), " orgs");
    Json case_json = RunCase(case_config, "growth", case_name, &outcome,
                             [&](Peer& peer, const std::string& dir, std::vector<std::string>* problems) {
                               return GrowthHistoryCase(config, peer, dir, problems);
                             });
    const Json measured = case_json.value("ketenbeeld", Json());
    for (const Json& point : measured.value("points", Json::array())) {
      rows.push_back(GrowthRow(point.value("point", std::string()), point));
    }
    cases.push_back(std::move(case_json));
  }
  const std::vector<ValueColumn> columns = GrowthColumns(config);
  outcome.json = {
      {"scenario", "growth"},
      {"parameters",
       {{"organizations", config.growth_organizations},
        {"history_events", config.growth_history},
        {"history_organizations", config.growth_history_organizations},
        {"snapshot_reads", config.growth_snapshot_reads},
        {"feeds", config.growth_feeds},
        {"rate_per_s", config.growth_rate},
        {"fanout_organizations", config.fanout_organizations},
        {"publishers", config.growth_publishers},
        {"load_publishers", config.growth_load_publishers},
        {"warmup_s", absl::ToDoubleSeconds(config.growth_warmup)},
        {"duration_s", absl::ToDoubleSeconds(config.growth_duration)},
        {"report_bytes", config.report_bytes},
        {"channels", config.channels}}},
      {"definition",
       "ketenbeeld only. A point per size: N organisations (a fresh server each; N registrations, then one status "
       "report each), then E events in the log (one server, a fixed registry of history_organizations with a report "
       "each, grown by status reports from one size to the next). The log is written over the PublishStatus streams "
       "by load_publishers closed loops. At each point, in this order: events = the log's revision; RSS = the "
       "server's VmRSS right after the load; disk = the data dir's files; snapshot = median of snapshot_reads "
       "Subscribe calls from revision 0 until synced; restart = kill -9, then exec on the same data dir until a Get "
       "is served over a fresh connection; fan-out = commit->delivery p50/p99 at `feeds` feeds of the whole picture "
       "(opened from a snapshot, 4 at a time) while rate_per_s reports are written for duration_s; writes/s = "
       "acknowledged durable writes per second of `publishers` closed-loop publishers over the PublishStatus streams "
       "(warmup_s, then duration_s measured). The fan-out and the writes add events: the next history point counts "
       "them."},
      {"columns", ColumnsJson(columns)},
      {"cases", cases},
      {"table", rows}};
  RedisNotApplicable(config, "growth",
                     "growth follows ketenbeeld's own costs as its data grows; etcd and Redis are compared at one size "
                     "in the other scenarios",
                     &outcome.json);
  PrintRows(absl::StrCat("growth: cost by size of the picture and of the history (fan-out: ", config.growth_feeds,
                         " feeds at ", config.growth_rate,
                         " reports/s, commit->delivery; writes: stream, P=", config.growth_publishers, ")"),
            rows, columns);
  return outcome;
}

std::string MarkdownTable(const Json& scenario) {
  if (scenario.contains("skipped")) return absl::StrCat("Skipped: ", scenario["skipped"].get<std::string>(), "\n");
  const std::vector<ValueColumn> columns = ValueColumns(scenario);
  std::string out = absl::StrCat("| ", absl::StrJoin(HeaderCells(columns), " | "), " |\n|");
  for (size_t i = 0; i < FirstValueCell(columns); ++i) absl::StrAppend(&out, "---|");
  for (size_t i = 0; i < columns.size(); ++i) absl::StrAppend(&out, "---:|");
  if (!IsPointTable(columns)) absl::StrAppend(&out, "---|---|---|");
  absl::StrAppend(&out, "\n");
  for (const Json& row : scenario.value("table", Json::array())) {
    absl::StrAppend(&out, "| ", absl::StrJoin(RowCells(row, columns, "**no**"), " | "), " |\n");
  }
  if (scenario.contains("not_applicable")) {
    for (const auto& [peer, why] : scenario["not_applicable"].items()) {
      absl::StrAppend(&out, "\n", peer, ": n/a for ", why.get<std::string>(), "\n");
    }
  }
  return out;
}

void PrintSummary(const std::vector<Json>& scenarios) {
  Json rows = Json::array();
  for (const Json& scenario : scenarios) {
    for (const Json& row : scenario.value("table", Json::array())) {
      if (!row["target"].get<std::string>().empty()) rows.push_back(row);
    }
  }
  PrintRows("summary: the targets", rows);
}

}  // namespace ketenbeeld::bench
