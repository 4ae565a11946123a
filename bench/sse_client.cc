#include "bench/sse_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ketenbeeld::bench {
namespace {

constexpr std::string_view kEventStart = "{\"revision\":\"";
constexpr std::string_view kCommitTime = "\"commit_time\":\"";
constexpr std::string_view kFreeText = "\"free_text\":\"";

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The digits text[at, at + count) as a number; -1 when one is not a digit.
int64_t Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int64_t value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// The whole of `text` as a number in `base`.
template <typename T>
bool ParseInteger(std::string_view text, T* value, int base = 10) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value, base);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// The int64 in quotes that `text` starts with ("123\"..."); 0 when malformed.
int64_t QuotedInteger(std::string_view text) {
  const size_t end = text.find('"');
  int64_t value = 0;
  if (end == std::string_view::npos || !ParseInteger(text.substr(0, end), &value)) return 0;
  return value;
}

}  // namespace

int64_t ParseRfc3339Nanos(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
  const int64_t year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int64_t hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || minute < 0 || second < 0 || text[4] != '-' ||
      text[10] != 'T') {
    return 0;
  }
  int64_t nanos = 0;
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9' && digits < 9; ++at, ++digits) {
      nanos = nanos * 10 + (text[at] - '0');
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  if (at >= text.size() || text[at] != 'Z') return 0;
  const int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * 1'000'000'000 + nanos;
}

bool ScanSseEvents(std::string_view data, std::vector<FeedEvent>* events) {
  events->clear();
  // Each event object starts with its revision (protobuf's JSON mapping writes fields in field-number order), and no
  // nested message has a field named exactly "revision" (records have create_revision and mod_revision).
  size_t at = data.find(kEventStart);
  while (at != std::string_view::npos) {
    const size_t next = data.find(kEventStart, at + kEventStart.size());
    const std::string_view event = data.substr(at, next == std::string_view::npos ? data.npos : next - at);
    FeedEvent scanned;
    scanned.revision = QuotedInteger(event.substr(kEventStart.size()));
    const size_t commit = event.find(kCommitTime);
    if (scanned.revision <= 0 || commit == std::string_view::npos) return false;
    scanned.commit_unix_nanos = ParseRfc3339Nanos(event.substr(commit + kCommitTime.size()));
    if (scanned.commit_unix_nanos == 0) return false;
    if (const size_t text = event.find(kFreeText); text != std::string_view::npos) {
      scanned.send_unix_nanos = ParseSendStamp(event.substr(text + kFreeText.size()));
    }
    events->push_back(scanned);
    at = next;
  }
  return true;
}

absl::StatusOr<int> HttpGatewayPort(Peer& peer) {
  absl::StatusOr<std::string> line = peer.WaitForLogLine("\"http_gateway_started\"", absl::Seconds(30));
  if (!line.ok()) return line.status();
  const nlohmann::json log = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
  int port = 0;
  if (!log.is_object() || !log.contains("url") || !log["url"].is_string()) {
    return absl::InternalError(absl::StrCat("no url in: ", *line));
  }
  const std::string url = log["url"].get<std::string>();  // "http://127.0.0.1:40719/"
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos ||
      !ParseInteger(std::string_view(url).substr(colon + 1, url.size() - colon - 2), &port)) {
    return absl::InternalError(absl::StrCat("no port in: ", url));
  }
  return port;
}

// One feed: its socket, the HTTP and SSE decoding state, and the handle's view of it.
struct SseFeedPool::Connection {
  FeedObserver* observer = nullptr;
  int epoll_fd = -1;

  std::mutex mutex;
  std::condition_variable done_cv;
  int fd = -1;        // Guarded by mutex; -1 once closed.
  bool done = false;  // Guarded by mutex.
  std::atomic<bool> cancelled{false};

  // Decoding state: only the loop thread touches it.
  enum class Phase { kHeaders, kChunkSize, kChunkData, kChunkEnd, kIdentity };
  Phase phase = Phase::kHeaders;
  std::string pending;  // Bytes of the headers or of a chunk-size line not yet complete.
  size_t chunk_left = 0;
  std::string body;  // Decoded body not yet a complete SSE message.
  bool synced = false;
  int64_t bytes = 0;
  int64_t snapshot_records = 0;
  std::vector<FeedEvent> events;
  std::string error;  // Set once the feed must end (the loop then finishes it).
  absl::StatusCode error_code = absl::StatusCode::kOk;

  void Fail(absl::StatusCode code, std::string what) {
    if (error_code != absl::StatusCode::kOk) return;
    error_code = code;
    error = std::move(what);
  }

  // Consumes bytes received at `receive_nanos`.
  void Receive(std::string_view bytes_in, int64_t receive_nanos);
  void Decode(std::string_view chunk_data, int64_t receive_nanos);
  void HandleMessage(std::string_view message, int64_t receive_nanos);
};

void SseFeedPool::Connection::Receive(std::string_view in, int64_t receive_nanos) {
  while (!in.empty() && error_code == absl::StatusCode::kOk) {
    switch (phase) {
      case Phase::kHeaders: {
        pending.append(in);
        in = {};
        const size_t end = pending.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending.size() > 64 << 10) Fail(absl::StatusCode::kInternal, "response headers over 64 KiB");
          break;
        }
        const std::string headers = absl::AsciiStrToLower(pending.substr(0, end));
        const std::string rest = pending.substr(end + 4);
        pending.clear();
        if (!absl::StartsWith(headers, "http/1.1 200")) {
          // A refused feed (503 beyond the gateway's feeds, 429 per identity): say what the server answered.
          Fail(absl::StatusCode::kUnavailable, absl::StrCat("HTTP ", headers.substr(9, 3), ": ", rest.substr(0, 200)));
          break;
        }
        phase = absl::StrContains(headers, "\r\ntransfer-encoding: chunked") ? Phase::kChunkSize : Phase::kIdentity;
        Receive(rest, receive_nanos);
        return;
      }
      case Phase::kChunkSize: {
        const size_t end = in.find("\r\n");
        pending.append(in.substr(0, end));
        if (end == std::string_view::npos) {
          in = {};
          break;
        }
        in.remove_prefix(end + 2);
        size_t size = 0;
        if (!ParseInteger(std::string_view(pending).substr(0, pending.find(';')), &size, 16)) {
          Fail(absl::StatusCode::kInternal, absl::StrCat("bad chunk size line: ", pending.substr(0, 40)));
          break;
        }
        pending.clear();
        if (size == 0) {
          Fail(absl::StatusCode::kUnavailable, "the server ended the response");
          break;
        }
        chunk_left = size;
        phase = Phase::kChunkData;
        break;
      }
      case Phase::kChunkData: {
        const size_t take = std::min(chunk_left, in.size());
        Decode(in.substr(0, take), receive_nanos);
        in.remove_prefix(take);
        chunk_left -= take;
        if (chunk_left == 0) phase = Phase::kChunkEnd;
        break;
      }
      case Phase::kChunkEnd: {  // The CRLF after a chunk's data, possibly split over two reads.
        const size_t take = std::min<size_t>(2 - pending.size(), in.size());
        pending.append(in.substr(0, take));
        in.remove_prefix(take);
        if (pending.size() == 2) {
          if (pending != "\r\n") Fail(absl::StatusCode::kInternal, "chunk not followed by CRLF");
          pending.clear();
          phase = Phase::kChunkSize;
        }
        break;
      }
      case Phase::kIdentity:
        Decode(in, receive_nanos);
        in = {};
        break;
    }
  }
}

void SseFeedPool::Connection::Decode(std::string_view data, int64_t receive_nanos) {
  if (!synced) bytes += static_cast<int64_t>(data.size());
  body.append(data);
  size_t start = 0;
  while (error_code == absl::StatusCode::kOk) {
    const size_t end = body.find("\n\n", start);
    if (end == std::string::npos) break;
    HandleMessage(std::string_view(body).substr(start, end - start), receive_nanos);
    start = end + 2;
  }
  body.erase(0, start);
}

void SseFeedPool::Connection::HandleMessage(std::string_view message, int64_t receive_nanos) {
  std::string_view event, data, id;
  while (!message.empty()) {
    const size_t end = message.find('\n');
    const std::string_view line = message.substr(0, end);
    message = end == std::string_view::npos ? std::string_view() : message.substr(end + 1);
    if (line.starts_with("event: ")) event = line.substr(7);
    if (line.starts_with("data: ")) data = line.substr(6);
    if (line.starts_with("id: ")) id = line.substr(4);
  }
  if (event == "snapshot") {
    if (synced) return Fail(absl::StatusCode::kInternal, "protocol violation: snapshot chunk after synced");
    for (size_t at = data.find("{\"name\":\""); at != std::string_view::npos; at = data.find("{\"name\":\"", at + 1)) {
      ++snapshot_records;
    }
  } else if (event == "synced") {
    int64_t revision = 0;
    if (synced || !ParseInteger(id, &revision)) {
      return Fail(absl::StatusCode::kInternal, "protocol violation: second synced, or synced without an id");
    }
    synced = true;
    observer->OnSynced(revision, snapshot_records, bytes);
  } else if (event == "events") {
    if (!synced) return Fail(absl::StatusCode::kInternal, "protocol violation: events before synced");
    if (!ScanSseEvents(data, &events)) return Fail(absl::StatusCode::kInternal, "protocol violation: bad events");
    observer->OnEvents(events, receive_nanos);
  } else if (event == "reset") {
    Fail(absl::StatusCode::kInternal, "protocol violation: unexpected reset");
  } else if (event == "end") {
    Fail(absl::StatusCode::kUnavailable, absl::StrCat("the server ended the feed: ", std::string(data)));
  } else if (event != "heartbeat" && !event.empty()) {
    Fail(absl::StatusCode::kInternal, absl::StrCat("protocol violation: unknown event ", std::string(event)));
  }
}

// The handle a scenario holds: cancel and wait.
class SseFeed final : public Feed {
 public:
  explicit SseFeed(std::shared_ptr<SseFeedPool::Connection> connection) : connection_(std::move(connection)) {}
  ~SseFeed() override {
    Cancel();
    if (!WaitDone(absl::Seconds(60))) {
      std::fprintf(stderr, "bench: an SSE feed did not finish 60 s after cancellation; aborting\n");
      std::abort();
    }
  }
  void Cancel() override {
    connection_->cancelled.store(true);
    std::lock_guard<std::mutex> lock(connection_->mutex);
    // The loop sees the socket end and finishes the feed (it alone closes the descriptor).
    if (connection_->fd >= 0) ::shutdown(connection_->fd, SHUT_RDWR);
  }
  bool WaitDone(absl::Duration timeout) override {
    std::unique_lock<std::mutex> lock(connection_->mutex);
    return connection_->done_cv.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return connection_->done; });
  }

 private:
  std::shared_ptr<SseFeedPool::Connection> connection_;
};

struct SseFeedPool::Loop {
  int epoll_fd = -1;
  std::mutex mutex;
  // Keyed by the raw pointer the epoll event carries. Guarded by mutex.
  absl::flat_hash_map<Connection*, std::shared_ptr<Connection>> connections;
};

namespace {

// Closes the connection's socket and tells its observer, once.
void Finish(SseFeedPool::Connection& connection, const absl::Status& status) {
  {
    std::lock_guard<std::mutex> lock(connection.mutex);
    if (connection.done || connection.fd < 0) return;
    ::epoll_ctl(connection.epoll_fd, EPOLL_CTL_DEL, connection.fd, nullptr);
    ::close(connection.fd);
    connection.fd = -1;
  }
  connection.observer->OnDone(status);
  std::lock_guard<std::mutex> lock(connection.mutex);
  connection.done = true;
  connection.done_cv.notify_all();
}

}  // namespace

SseFeedPool::SseFeedPool(int port, int loops) : port_(port) {
  for (int i = 0; i < std::max(1, loops); ++i) {
    loops_.push_back(std::make_unique<Loop>());
    loops_.back()->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  }
  for (auto& loop : loops_) threads_.emplace_back([this, raw = loop.get()] { Run(raw); });
}

SseFeedPool::~SseFeedPool() {
  stopping_.store(true);
  for (std::thread& thread : threads_) thread.join();
  for (auto& loop : loops_) ::close(loop->epoll_fd);
}

void SseFeedPool::Run(Loop* loop) {
  constexpr int kMaxEvents = 256;
  epoll_event ready[kMaxEvents];
  std::string buffer(256 << 10, '\0');
  while (!stopping_.load()) {
    const int count = ::epoll_wait(loop->epoll_fd, ready, kMaxEvents, 100);  // Wakes to notice stopping_.
    for (int i = 0; i < count; ++i) {
      auto* connection = static_cast<Connection*>(ready[i].data.ptr);
      absl::Status end;
      bool ended = false;
      while (true) {
        const ssize_t n = ::recv(connection->fd, buffer.data(), buffer.size(), 0);
        if (n > 0) {
          connection->Receive(std::string_view(buffer.data(), static_cast<size_t>(n)), NowUnixNanos());
          if (connection->error_code != absl::StatusCode::kOk) {
            end = absl::Status(connection->error_code, connection->error);
            ended = true;
            break;
          }
          if (static_cast<size_t>(n) < buffer.size()) break;  // Drained for now (level-triggered: more comes back).
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        ended = true;
        end = connection->cancelled.load()
                  ? absl::Status(absl::StatusCode::kCancelled, "cancelled")
                  : absl::Status(absl::StatusCode::kUnavailable,
                                 n == 0 ? "the server closed the connection" : std::strerror(errno));
        break;
      }
      if (ended) {
        Finish(*connection, end);
        std::lock_guard<std::mutex> lock(loop->mutex);
        loop->connections.erase(connection);
      }
    }
  }
  // Stopping: end what is still open.
  absl::flat_hash_map<Connection*, std::shared_ptr<Connection>> left;
  {
    std::lock_guard<std::mutex> lock(loop->mutex);
    left.swap(loop->connections);
  }
  for (auto& [raw, connection] : left) Finish(*connection, absl::Status(absl::StatusCode::kCancelled, "pool stopped"));
}

std::unique_ptr<Feed> SseFeedPool::Open(FeedObserver* observer) {
  auto connection = std::make_shared<Connection>();
  connection->observer = observer;
  Loop* loop = loops_[next_loop_.fetch_add(1) % loops_.size()].get();
  connection->epoll_fd = loop->epoll_fd;
  auto fail = [&](const std::string& what) {
    if (connection->fd >= 0) ::close(connection->fd);
    connection->fd = -1;
    observer->OnDone(absl::Status(absl::StatusCode::kUnavailable, absl::StrCat(what, ": ", std::strerror(errno))));
    connection->done = true;
    return std::make_unique<SseFeed>(connection);
  };
  // Connected and asked before the loop sees the socket: loopback connects at once (a gateway at its connection cap
  // leaves it in the accept queue, which is what a browser sees too).
  connection->fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connection->fd < 0) return fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(connection->fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return fail("connect");
  }
  const std::string request =
      absl::StrCat("GET /api/ketenbeeld.v1.PictureService/Subscribe HTTP/1.1\r\nHost: 127.0.0.1:", port_,
                   "\r\nAccept: text/event-stream\r\n\r\n");
  if (::send(connection->fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return fail("send");
  }
  if (::fcntl(connection->fd, F_SETFL, O_NONBLOCK) != 0) return fail("fcntl");
  {
    std::lock_guard<std::mutex> lock(loop->mutex);
    loop->connections.emplace(connection.get(), connection);
  }
  epoll_event interest{};
  interest.events = EPOLLIN | EPOLLRDHUP;
  interest.data.ptr = connection.get();
  if (::epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, connection->fd, &interest) != 0) {
    std::lock_guard<std::mutex> lock(loop->mutex);
    loop->connections.erase(connection.get());
    return fail("epoll_ctl");
  }
  return std::make_unique<SseFeed>(connection);
}

}  // namespace ketenbeeld::bench
