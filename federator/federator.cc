#include "federator/federator.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/time.h"

namespace ketenbeeld::federator {
namespace {

namespace v1 = ketenbeeld::v1;

absl::Status InvalidFlag(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", message));
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path, absl::string_view flag) {
  std::ifstream file(path);
  if (!file) return InvalidFlag(flag, absl::StrCat("cannot read token file \"", path, "\""));
  std::stringstream text;
  text << file.rdbuf();
  std::string token(absl::StripAsciiWhitespace(text.str()));
  if (token.empty()) return InvalidFlag(flag, absl::StrCat("token file \"", path, "\" is empty"));
  return token;
}

// "target=HOST:PORT,ca=FILE,cert=FILE,key=FILE,token=T,token_file=FILE,server_name=NAME" (target required). For a
// source the first element is the region: "VR10,target=...".
absl::Status ParseEndpoint(const std::vector<absl::string_view>& parts, absl::string_view flag, Endpoint& endpoint) {
  for (absl::string_view part : parts) {
    const size_t equals = part.find('=');
    if (equals == absl::string_view::npos) {
      return InvalidFlag(flag, absl::StrCat("\"", part, "\" is not key=value"));
    }
    const absl::string_view key = part.substr(0, equals);
    const std::string value(part.substr(equals + 1));
    if (value.empty()) return InvalidFlag(flag, absl::StrCat(key, ": empty"));
    if (key == "target") {
      endpoint.target = value;
    } else if (key == "ca") {
      endpoint.connect.ca_file = value;
    } else if (key == "cert") {
      endpoint.connect.cert_file = value;
    } else if (key == "key") {
      endpoint.connect.key_file = value;
    } else if (key == "token") {
      endpoint.connect.token = value;
    } else if (key == "token_file") {
      absl::StatusOr<std::string> token = ReadTokenFile(value, flag);
      if (!token.ok()) return token.status();
      endpoint.connect.token = *std::move(token);
    } else if (key == "server_name") {
      endpoint.connect.server_name = value;
    } else {
      return InvalidFlag(flag, absl::StrCat("unknown key \"", key,
                                            "\"; expected target, ca, cert, key, token, token_file or server_name"));
    }
  }
  if (endpoint.target.empty()) return InvalidFlag(flag, "target=HOST:PORT is required");
  // A restarted server is connected to again within about a second (federator.h, "Reconnecting").
  endpoint.connect.max_reconnect_backoff = kReconnectBackoff;
  return absl::OkStatus();
}

bool IsRegion(absl::string_view code) {
  int number = 0;
  return code.size() == 4 && code.substr(0, 2) == "VR" && absl::ascii_isdigit(code[2]) &&
         absl::ascii_isdigit(code[3]) && absl::SimpleAtoi(code.substr(2), &number) && number >= 1 && number <= 25;
}

}  // namespace

std::string Usage() {
  return "usage: ketenbeeld-federator --downstream target=HOST:PORT[,ca=F,cert=F,key=F,token=T,token_file=F,"
         "server_name=N]\n"
         "         --source VR10,target=HOST:PORT[,ca=...,cert=...,key=...,token=...,token_file=...] (one per region)\n"
         "         [--max-batch-events 1..1000 (500)] [--heartbeat-every-seconds 1..3600 (30)]\n"
         "         [--call-timeout-seconds 1..300 (30)] [--max-backoff-ms 100..60000 (2000)]\n"
         "Carries each source region's feed to the downstream (ROAZ or national) server, exactly once "
         "(docs/federation.md).\n";
}

absl::StatusOr<FederatorConfig> ParseFlags(const std::vector<std::string>& args) {
  FederatorConfig config;
  bool downstream = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    if (const size_t equals = flag.find('='); flag.rfind("--", 0) == 0 && equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return InvalidFlag(flag, "needs a value");
    }
    if (flag == "--downstream") {
      if (downstream) return InvalidFlag(flag, "given twice");
      downstream = true;
      const std::vector<absl::string_view> parts = absl::StrSplit(value, ',');
      if (absl::Status status = ParseEndpoint(parts, flag, config.downstream); !status.ok()) return status;
    } else if (flag == "--source") {
      std::vector<absl::string_view> parts = absl::StrSplit(value, ',');
      SourceConfig source;
      source.region = std::string(parts[0]);
      if (!IsRegion(source.region)) {
        return InvalidFlag(flag, absl::StrCat("\"", source.region, "\" is not a safety region (VR01..VR25)"));
      }
      for (const SourceConfig& other : config.sources) {
        if (other.region == source.region) return InvalidFlag(flag, absl::StrCat(source.region, " given twice"));
      }
      parts.erase(parts.begin());
      if (absl::Status status = ParseEndpoint(parts, absl::StrCat(flag, " ", source.region), source.endpoint);
          !status.ok()) {
        return status;
      }
      config.sources.push_back(std::move(source));
    } else if (flag == "--max-batch-events") {
      if (!absl::SimpleAtoi(value, &config.max_batch_events) || config.max_batch_events < 1 ||
          config.max_batch_events > 1000) {
        return InvalidFlag(flag, absl::StrCat("must be 1..1000, got \"", value, "\""));
      }
    } else if (flag == "--call-timeout-seconds") {
      int seconds = 0;
      if (!absl::SimpleAtoi(value, &seconds) || seconds < 1 || seconds > 300) {
        return InvalidFlag(flag, absl::StrCat("must be 1..300, got \"", value, "\""));
      }
      config.call_timeout = absl::Seconds(seconds);
    } else if (flag == "--max-backoff-ms") {
      int millis = 0;
      if (!absl::SimpleAtoi(value, &millis) || millis < 100 || millis > 60000) {
        return InvalidFlag(flag, absl::StrCat("must be 100..60000, got \"", value, "\""));
      }
      config.backoff.max = absl::Milliseconds(millis);
    } else if (flag == "--heartbeat-every-seconds") {
      int seconds = 0;
      if (!absl::SimpleAtoi(value, &seconds) || seconds < 1 || seconds > 3600) {
        return InvalidFlag(flag, absl::StrCat("must be 1..3600, got \"", value, "\""));
      }
      config.heartbeat_every = absl::Seconds(seconds);
    } else {
      return InvalidFlag(flag, "unknown flag");
    }
  }
  if (!downstream) return InvalidFlag("--downstream", "required");
  if (config.sources.empty()) return InvalidFlag("--source", "at least one source region is required");
  return config;
}

bool IsTransient(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
      return true;
    default:
      return false;
  }
}

ChannelKeeper::ChannelKeeper(std::shared_ptr<grpc::Channel> channel) : channel_(std::move(channel)) {
  thread_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (stopped_) return;
      }
      // IDLE (nothing asked for a connection yet, or the server closed it): connect now. Any other state: wait for it
      // to change, polling the channel meanwhile; bounded, so that the destructor is heard.
      const grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
      channel_->WaitForStateChange(state, absl::ToChronoTime(absl::Now() + absl::Milliseconds(250)));
    }
  });
}

ChannelKeeper::~ChannelKeeper() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  thread_.join();
}

SourceFederator::SourceFederator(std::string region, std::shared_ptr<v1::PictureService::StubInterface> source,
                                 std::shared_ptr<v1::FederationService::StubInterface> downstream,
                                 const FederatorConfig& config)
    : region_(std::move(region)), source_(std::move(source)), downstream_(std::move(downstream)), config_(config) {}

void SourceFederator::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  if (feed_ != nullptr) feed_->Cancel();
}

bool SourceFederator::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

int64_t SourceFederator::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

bool SourceFederator::Sleep(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopped_), delay);
  return !stopped_;
}

void SourceFederator::Log(absl::string_view what, const absl::Status& status) const {
  // One line per event, written at once so that the sources' threads do not interleave within a line.
  std::cerr << absl::StrCat("{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
                            "\",\"source\":\"", region_, "\",\"event\":\"", what, "\",\"cursor\":", cursor(),
                            ",\"status\":\"", absl::StatusCodeToString(status.code()), "\",\"message\":\"",
                            absl::CHexEscape(status.message()), "\"}\n")
            << std::flush;
}

void SourceFederator::Run() {
  client::Backoff backoff(config_.backoff);
  while (!stopped()) {
    const int64_t cursor_before = cursor();
    const absl::Status ended = Follow();
    if (stopped()) break;
    Log("restart", ended);
    if (ended.code() == absl::StatusCode::kAborted) continue;  // Re-read the cursor at once.
    // A run that moved the cursor worked: the next failure starts the backoff from the beginning again.
    if (cursor() != cursor_before) backoff.Reset();
    const bool permanent = !IsTransient(static_cast<grpc::StatusCode>(ended.code()));
    if (!Sleep(permanent ? config_.refused_retry : backoff.Next())) break;
  }
}

absl::StatusOr<int64_t> SourceFederator::ReadCursor() {
  client::Backoff backoff(config_.backoff);
  while (!stopped()) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + config_.call_timeout));
    context.set_wait_for_ready(true);  // Sent once the server is back, within the deadline (federator.h).
    v1::GetUpstreamCursorsResponse response;
    const grpc::Status status = downstream_->GetUpstreamCursors(&context, {}, &response);
    if (status.ok()) {
      for (const v1::UpstreamSource& source : response.sources()) {
        if (source.safety_region() == region_) return source.cursor();
      }
      return 0;
    }
    if (!IsTransient(status.error_code())) return client::ToAbslStatus(status);
    Log("read_cursor_retry", client::ToAbslStatus(status));
    if (!Sleep(backoff.Next())) break;
  }
  return absl::CancelledError("stopped");
}

absl::Status SourceFederator::Follow() {
  absl::StatusOr<int64_t> cursor = ReadCursor();
  if (!cursor.ok()) return cursor.status();
  {
    absl::MutexLock lock(&mu_);
    cursor_ = *cursor;
  }
  last_seen_ = *cursor;
  pending_.clear();
  pending_bytes_ = 0;
  snapshot_.clear();
  resetting_ = false;
  Log("subscribe", absl::OkStatus());
  client::FeedOptions feed_options;
  feed_options.backoff = config_.backoff;
  client::Feed feed(source_, feed_options);
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return absl::CancelledError("stopped");
    feed_ = &feed;
  }
  const absl::Status ended = feed.Run(
      v1::Filter{}, *cursor,
      client::FeedHandler{.on_message = [this](const v1::SubscribeResponse& message) { return OnMessage(message); },
                          .on_connection =
                              [this](const client::ConnectionEvent& event) {
                                // A snapshot broken off starts again.
                                if (event.type == client::ConnectionEvent::Type::kLost) {
                                  snapshot_.clear();
                                }
                                Log("feed_connection", absl::OkStatus());
                              }});
  absl::MutexLock lock(&mu_);
  feed_ = nullptr;
  return ended;
}

absl::Status SourceFederator::OnMessage(const v1::SubscribeResponse& message) {
  const int64_t cursor_now = cursor();
  switch (message.kind_case()) {
    case v1::SubscribeResponse::kSnapshot:
      // After the cursor, a snapshot is an upstream reset (also when the stream broke after the feed's reset
      // message: the Feed then starts over from 0, a snapshot without a reset message).
      if (cursor_now != 0) resetting_ = true;
      for (const v1::Record& record : message.snapshot().records()) snapshot_.push_back(record);
      return absl::OkStatus();
    case v1::SubscribeResponse::kReset:
      // The region no longer holds its log after the cursor: a fresh snapshot and its synced follow.
      resetting_ = true;
      snapshot_.clear();
      Log("upstream_reset", absl::OutOfRangeError(absl::StrCat("compacted up to ",
                                                               message.reset().compacted_revision())));
      return absl::OkStatus();
    case v1::SubscribeResponse::kSynced:
      source_time_ = message.synced().server_time();
      if (resetting_) return ApplyReset(message.synced().revision());
      if (cursor_now == 0 && message.synced().revision() > 0) return ApplySnapshot(message.synced().revision());
      last_seen_ = std::max(last_seen_, message.synced().revision());
      return absl::OkStatus();
    case v1::SubscribeResponse::kEvents:
      for (const v1::Event& event : message.events().events()) {
        if (event.revision() <= last_seen_) continue;  // Never twice (the feed resumes after last_seen_).
        const int64_t bytes = static_cast<int64_t>(event.ByteSizeLong());
        if (!pending_.empty() && (static_cast<int>(pending_.size()) >= config_.max_batch_events ||
                                  pending_bytes_ + bytes > config_.max_batch_bytes)) {
          if (absl::Status flushed = Flush(); !flushed.ok()) return flushed;
        }
        pending_.push_back(event);
        pending_bytes_ += bytes;
        last_seen_ = event.revision();
        source_time_ = event.commit_time();
      }
      if (pending_.empty() && last_seen_ == cursor()) return absl::OkStatus();
      return Flush();
    case v1::SubscribeResponse::kHeartbeat:
      source_time_ = message.heartbeat().server_time();
      last_seen_ = std::max(last_seen_, message.heartbeat().revision());
      if (last_seen_ > cursor_now || absl::Now() - last_sent_ >= config_.heartbeat_every) return Flush();
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status SourceFederator::ApplySnapshot(int64_t revision) {
  std::sort(snapshot_.begin(), snapshot_.end(),
            [](const v1::Record& a, const v1::Record& b) { return a.mod_revision() < b.mod_revision(); });
  for (v1::Record& record : snapshot_) {
    if (record.mod_revision() <= last_seen_ || record.mod_revision() > revision) continue;
    v1::Event event;
    event.set_revision(record.mod_revision());
    *event.mutable_commit_time() = record.update_time();
    event.set_type(v1::EVENT_TYPE_PUT);
    event.set_group_last_revision(record.mod_revision());
    *event.mutable_record() = std::move(record);
    const int64_t bytes = static_cast<int64_t>(event.ByteSizeLong());
    if (!pending_.empty() && (static_cast<int>(pending_.size()) >= config_.max_batch_events ||
                              pending_bytes_ + bytes > config_.max_batch_bytes)) {
      if (absl::Status flushed = Flush(); !flushed.ok()) return flushed;
    }
    last_seen_ = event.revision();
    pending_bytes_ += bytes;
    pending_.push_back(std::move(event));
  }
  snapshot_.clear();
  last_seen_ = std::max(last_seen_, revision);
  return Flush();
}

absl::Status SourceFederator::ApplyReset(int64_t revision) {
  const int64_t cursor_now = cursor();
  std::sort(snapshot_.begin(), snapshot_.end(),
            [](const v1::Record& a, const v1::Record& b) { return a.mod_revision() < b.mod_revision(); });
  v1::ApplyUpstreamRequest base;
  base.set_source_region(region_);
  base.set_expected_cursor(cursor_now);
  base.set_first_revision(cursor_now + 1);
  base.set_last_revision(revision);
  if (source_time_.seconds() != 0) *base.mutable_source_time() = source_time_;
  v1::ApplyUpstreamRequest chunk = base;
  chunk.mutable_reset()->set_finish(false);
  int64_t chunk_bytes = 0;
  int chunks = 0;
  // Sends the chunk gathered so far (the first one even when empty: it starts the reset downstream).
  auto send = [&]() -> absl::Status {
    absl::StatusOr<v1::ApplyUpstreamResponse> applied = Apply(chunk);
    if (!applied.ok()) return applied.status();
    ++chunks;
    chunk.clear_events();
    chunk_bytes = 0;
    return absl::OkStatus();
  };
  int64_t previous = 0;
  for (v1::Record& record : snapshot_) {
    // A snapshot holds each record once, at its own revision; anything else would be refused downstream.
    if (record.mod_revision() <= previous || record.mod_revision() > revision) continue;
    previous = record.mod_revision();
    v1::Event event;
    event.set_revision(record.mod_revision());
    *event.mutable_commit_time() = record.update_time();
    event.set_type(v1::EVENT_TYPE_PUT);
    event.set_group_last_revision(record.mod_revision());
    *event.mutable_record() = std::move(record);
    const int64_t bytes = static_cast<int64_t>(event.ByteSizeLong());
    if (chunk.events_size() > 0 &&
        (chunk.events_size() >= config_.max_batch_events || chunk_bytes + bytes > config_.max_batch_bytes)) {
      if (absl::Status sent = send(); !sent.ok()) return sent;
    }
    chunk_bytes += bytes;
    *chunk.add_events() = std::move(event);
  }
  snapshot_.clear();
  if (chunk.events_size() > 0 || chunks == 0) {
    if (absl::Status sent = send(); !sent.ok()) return sent;
  }
  // The end: each call deletes a bounded number of the region's records that the snapshot no longer has; the last one
  // moves the cursor to the snapshot's revision. Bounded: 500 deletions a call, at most a million records.
  v1::ApplyUpstreamRequest finish = base;
  finish.mutable_reset()->set_finish(true);
  for (int call = 0; call < 2000; ++call) {
    absl::StatusOr<v1::ApplyUpstreamResponse> applied = Apply(finish);
    if (!applied.ok()) return applied.status();
    if (applied->source().cursor() == revision) {
      resetting_ = false;
      last_seen_ = revision;
      last_sent_ = absl::Now();
      {
        absl::MutexLock lock(&mu_);
        cursor_ = revision;
      }
      Log("upstream_reset_done", absl::OkStatus());
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat("the reset to revision ", revision, " did not finish in 2000 calls"));
}

absl::Status SourceFederator::Flush() {
  const int64_t cursor_now = cursor();
  v1::ApplyUpstreamRequest request;
  request.set_source_region(region_);
  request.set_expected_cursor(cursor_now);
  request.set_first_revision(cursor_now + 1);
  request.set_last_revision(last_seen_);
  for (v1::Event& event : pending_) *request.add_events() = std::move(event);
  pending_.clear();
  pending_bytes_ = 0;
  if (source_time_.seconds() != 0) *request.mutable_source_time() = source_time_;
  absl::StatusOr<v1::ApplyUpstreamResponse> applied = Apply(request);
  if (!applied.ok()) return applied.status();
  last_sent_ = absl::Now();
  absl::MutexLock lock(&mu_);
  cursor_ = last_seen_;
  return absl::OkStatus();
}

absl::StatusOr<v1::ApplyUpstreamResponse> SourceFederator::Apply(const v1::ApplyUpstreamRequest& request) {
  client::Backoff backoff(config_.backoff);
  while (!stopped()) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + config_.call_timeout));
    context.set_wait_for_ready(true);  // Sent once the server is back, within the deadline (federator.h).
    v1::ApplyUpstreamResponse response;
    const grpc::Status status = downstream_->ApplyUpstream(&context, request, &response);
    if (status.ok()) return response;
    const absl::Status failed = client::ToAbslStatus(status);
    if (!IsTransient(status.error_code())) {
      Log("apply_refused", failed);
      return failed;
    }
    // The same range again: if the lost attempt was committed, this one is an exact replay (OK, nothing written).
    Log("apply_retry", failed);
    if (!Sleep(backoff.Next())) break;
  }
  return absl::CancelledError("stopped");
}

}  // namespace ketenbeeld::federator
