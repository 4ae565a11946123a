#include "bench/redis_peer.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ketenbeeld::bench {
namespace {

constexpr char kRevisionKey[] = "kb:revision";
constexpr char kPictureKey[] = "kb:picture";
constexpr char kLogKey[] = "kb:log";
// How many idle subscribers (one connection each) the server and this process must be able to hold.
constexpr int kMaxClients = 10000;
// Event-loop threads of the client: one for the write connections, these for the subscribers' connections (so that
// parsing the feeds' answers does not delay the writer's acknowledgements in the client).
constexpr int kFeedLoops = 2;
// Entries per XREAD answer at most (bounds a slow subscriber's answer, as a client would).
constexpr int kReadCount = 4096;

// One write: the revision, the picture and the log in one atomic step (see redis_peer.h).
constexpr char kWriteScript[] =
    "local revision = redis.call('INCR', KEYS[1])\n"
    "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])\n"
    "local now = redis.call('TIME')\n"
    "redis.call('XADD', KEYS[3], revision .. '-0', 'key', ARGV[1], 'value', ARGV[2], 'commit_us',\n"
    "           now[1] .. string.format('%06d', tonumber(now[2])))\n"
    "return revision\n";

std::string OrganizationKey(int organization) { return absl::StrCat("organizations/", OrganizationId(organization)); }

std::string_view ReplyText(const redisReply* reply) {
  return reply->str == nullptr ? std::string_view() : std::string_view(reply->str, reply->len);
}

int64_t ParseInt64(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() ? value : 0;
}

// A libevent loop on its own thread. Post runs a task on it (inline when already on it); tasks run in order.
class EventLoop {
 public:
  EventLoop() {
    static const bool kThreadsEnabled = [] { return evthread_use_pthreads() == 0; }();
    if (!kThreadsEnabled) {
      std::fprintf(stderr, "bench: libevent without pthreads support\n");
      std::abort();
    }
    base_ = event_base_new();
    wake_ = event_new(base_, -1, EV_PERSIST, &EventLoop::OnWake, this);
    thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
  ~EventLoop() {
    Post([this] { event_base_loopbreak(base_); });
    thread_.join();
    event_free(wake_);
    event_base_free(base_);
  }
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void Post(std::function<void()> task) {
    if (InLoop()) return task();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    event_active(wake_, EV_READ, 0);
  }
  // Runs `task` on the loop and waits until it ran.
  void Run(const std::function<void()>& task) {
    std::mutex mutex;
    std::condition_variable cv;
    bool ran = false;
    Post([&] {
      task();
      std::lock_guard<std::mutex> lock(mutex);
      ran = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return ran; });
  }
  bool InLoop() const { return std::this_thread::get_id() == thread_.get_id(); }
  event_base* base() const { return base_; }

 private:
  static void OnWake(evutil_socket_t, short, void* arg) {  // NOLINT(google-runtime-int): libevent callback type
    auto* loop = static_cast<EventLoop*>(arg);
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> lock(loop->mutex_);
      tasks.swap(loop->tasks_);
    }
    for (auto& task : tasks) task();
  }

  event_base* base_ = nullptr;
  event* wake_ = nullptr;
  std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;  // Guarded by mutex_.
  std::thread thread_;
};

// A connection of hiredis's async API on a loop: connects on construction, freed (pending callbacks called with no
// reply) by Close. Only touched on its loop's thread after construction.
struct Connection {
  EventLoop* loop = nullptr;
  redisAsyncContext* context = nullptr;  // Null once closed or lost.
  std::string error;                     // Why it was lost.
  std::atomic<bool> connected{false};
};

void OnConnectionConnect(const redisAsyncContext* context, int status) {
  auto* connection = static_cast<Connection*>(context->data);
  if (status != REDIS_OK) {
    connection->error = absl::StrCat("connect failed: ", context->errstr);
    connection->context = nullptr;  // hiredis frees it.
    return;
  }
  connection->connected.store(true);
}

void OnConnectionDisconnect(const redisAsyncContext* context, int status) {
  auto* connection = static_cast<Connection*>(context->data);
  if (status != REDIS_OK && connection->error.empty()) connection->error = absl::StrCat("lost: ", context->errstr);
  connection->context = nullptr;  // hiredis frees it.
}

void Open(Connection* connection, int port) {
  redisAsyncContext* context = redisAsyncConnect("127.0.0.1", port);
  if (context == nullptr || context->err != 0) {
    connection->error = absl::StrCat("connect: ", context == nullptr ? "out of memory" : context->errstr);
    if (context != nullptr) redisAsyncFree(context);
    return;
  }
  context->data = connection;
  redisLibeventAttach(context, connection->loop->base());
  redisAsyncSetConnectCallback(context, &OnConnectionConnect);
  redisAsyncSetDisconnectCallback(context, &OnConnectionDisconnect);
  connection->context = context;
}

void OnWriteReply(redisAsyncContext* context, void* raw_reply, void* privdata) {
  std::unique_ptr<WriteDone> done(static_cast<WriteDone*>(privdata));
  const auto* reply = static_cast<const redisReply*>(raw_reply);
  WriteResult result;
  if (reply == nullptr) {
    result.error = absl::StrCat("connection closed: ", context->errstr);
  } else if (reply->type == REDIS_REPLY_ERROR) {
    result.error = std::string(ReplyText(reply));
  } else if (reply->type != REDIS_REPLY_INTEGER) {
    result.error = absl::StrCat("unexpected reply type ", reply->type);
  } else {
    result.ok = true;
    result.revision = reply->integer;
  }
  (*done)(result);
}

// One subscriber: its own connection, the snapshot, then XREAD BLOCK from the last id.
class FeedState : public std::enable_shared_from_this<FeedState> {
 public:
  FeedState(EventLoop* loop, FeedObserver* observer) : loop_(loop), observer_(observer) {}

  // On the loop.
  void Start(int port) {
    self_ = shared_from_this();  // Released by Complete, when the connection is gone.
    context_ = redisAsyncConnect("127.0.0.1", port);
    if (context_ == nullptr || context_->err != 0) {
      end_ =
          absl::UnavailableError(absl::StrCat("connect: ", context_ == nullptr ? "out of memory" : context_->errstr));
      if (context_ != nullptr) redisAsyncFree(context_);
      context_ = nullptr;
      return Complete();
    }
    context_->data = this;
    redisLibeventAttach(context_, loop_->base());
    redisAsyncSetConnectCallback(context_, &FeedState::OnConnect);
    redisAsyncSetDisconnectCallback(context_, &FeedState::OnDisconnect);
    // Queued until connected. The snapshot: one transaction, so the picture is the one at the revision.
    redisAsyncCommand(context_, nullptr, nullptr, "MULTI");
    redisAsyncCommand(context_, nullptr, nullptr, "GET %s", kRevisionKey);
    redisAsyncCommand(context_, nullptr, nullptr, "HGETALL %s", kPictureKey);
    redisAsyncCommand(context_, &FeedState::OnSnapshot, this, "EXEC");
  }

  // From any thread.
  void Cancel() {
    loop_->Post([state = shared_from_this()] {
      if (state->completed_) return;
      state->End(absl::CancelledError("cancelled"));
      // Connected: End's redisAsyncFree called OnDisconnect, which completed. Not yet connected: no callback.
      if (!state->completed_) state->Complete();
    });
  }

  bool WaitDone(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return done_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return done_; });
  }

 private:
  // On a failed connect hiredis frees the context next, calling the pending EXEC's callback (OnSnapshot) with no
  // reply and no disconnect callback: OnSnapshot completes the feed then, after which hiredis no longer calls us.
  static void OnConnect(const redisAsyncContext* context, int status) {
    if (status == REDIS_OK) return;
    auto* state = static_cast<FeedState*>(context->data);
    state->context_ = nullptr;
    state->connect_failed_ = true;
    if (state->end_.ok()) state->end_ = absl::UnavailableError(absl::StrCat("connect failed: ", context->errstr));
  }

  static void OnDisconnect(const redisAsyncContext* context, int status) {
    auto* state = static_cast<FeedState*>(context->data);
    state->context_ = nullptr;  // hiredis frees it.
    if (state->end_.ok()) {
      state->end_ = status == REDIS_OK ? absl::UnavailableError("the connection was closed")
                                       : absl::UnavailableError(absl::StrCat("connection lost: ", context->errstr));
    }
    state->Complete();
  }

  static void OnSnapshot(redisAsyncContext*, void* raw_reply, void* privdata) {
    auto* state = static_cast<FeedState*>(privdata);
    const auto* reply = static_cast<const redisReply*>(raw_reply);
    if (reply == nullptr && state->connect_failed_) return state->Complete();
    if (reply == nullptr || state->ending_) return;  // The connection is going; OnDisconnect ends the feed.
    if (reply->type == REDIS_REPLY_ERROR) return state->End(absl::UnavailableError(std::string(ReplyText(reply))));
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 || reply->element[1]->type != REDIS_REPLY_ARRAY) {
      return state->End(absl::InternalError("protocol violation: malformed snapshot"));
    }
    const redisReply* revision = reply->element[0];
    const int64_t at = revision->type == REDIS_REPLY_STRING ? ParseInt64(ReplyText(revision)) : 0;
    const redisReply* picture = reply->element[1];
    int64_t bytes = 0;
    for (size_t i = 0; i < picture->elements; ++i) bytes += static_cast<int64_t>(picture->element[i]->len);
    state->last_id_ = absl::StrCat(at, "-0");
    state->observer_->OnSynced(at, static_cast<int64_t>(picture->elements / 2), bytes);
    state->ReadNext();
  }

  static void OnRead(redisAsyncContext*, void* raw_reply, void* privdata) {
    const int64_t receive_nanos = NowUnixNanos();
    auto* state = static_cast<FeedState*>(privdata);
    const auto* reply = static_cast<const redisReply*>(raw_reply);
    if (reply == nullptr || state->ending_) return;
    if (reply->type == REDIS_REPLY_ERROR) return state->End(absl::UnavailableError(std::string(ReplyText(reply))));
    if (reply->type == REDIS_REPLY_NIL) return state->ReadNext();  // No entry (BLOCK 0 never times out).
    // [[stream, [[id, [field, value, ...]], ...]]]
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 || reply->element[0]->type != REDIS_REPLY_ARRAY ||
        reply->element[0]->elements != 2 || reply->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
      return state->End(absl::InternalError("protocol violation: malformed XREAD answer"));
    }
    const redisReply* entries = reply->element[0]->element[1];
    state->events_.clear();
    for (size_t i = 0; i < entries->elements; ++i) {
      const redisReply* entry = entries->element[i];
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 || entry->element[0]->type != REDIS_REPLY_STRING ||
          entry->element[1]->type != REDIS_REPLY_ARRAY) {
        return state->End(absl::InternalError("protocol violation: malformed stream entry"));
      }
      const std::string_view id = ReplyText(entry->element[0]);
      FeedEvent event;
      event.revision = ParseInt64(id.substr(0, id.find('-')));
      const redisReply* fields = entry->element[1];
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        const std::string_view name = ReplyText(fields->element[f]);
        const std::string_view value = ReplyText(fields->element[f + 1]);
        if (name == "value") event.send_unix_nanos = ScanReportSendStamp(value);
        if (name == "commit_us") event.commit_unix_nanos = ParseInt64(value) * 1000;
      }
      if (event.revision <= 0) return state->End(absl::InternalError("protocol violation: stream id without revision"));
      state->events_.push_back(event);
      if (i + 1 == entries->elements) state->last_id_ = std::string(id);
    }
    if (!state->events_.empty()) state->observer_->OnEvents(state->events_, receive_nanos);
    state->ReadNext();
  }

  void ReadNext() {
    redisAsyncCommand(context_, &FeedState::OnRead, this, "XREAD COUNT %d BLOCK 0 STREAMS %s %s", kReadCount, kLogKey,
                      last_id_.c_str());
  }

  // Ends the feed with `status` (the first reason wins): frees the connection, whose disconnect callback (now, or
  // after the running callback returns) completes the feed.
  void End(absl::Status status) {
    if (end_.ok()) end_ = std::move(status);
    ending_ = true;
    if (context_ != nullptr) {
      // Inside a callback of this context hiredis frees it once the callback returns.
      redisAsyncContext* context = context_;
      context_ = nullptr;
      redisAsyncFree(context);
    }
  }

  // The last thing a callback does: may destroy this state.
  void Complete() {
    if (completed_) return;
    completed_ = true;
    std::shared_ptr<FeedState> keep = std::move(self_);
    observer_->OnDone(end_);
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    done_cv_.notify_all();
  }

  EventLoop* const loop_;
  FeedObserver* const observer_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;  // Guarded by mutex_.

  // Only touched on the loop.
  std::shared_ptr<FeedState> self_;
  redisAsyncContext* context_ = nullptr;
  absl::Status end_;
  bool ending_ = false;
  bool connect_failed_ = false;
  bool completed_ = false;
  std::string last_id_;
  std::vector<FeedEvent> events_;
};

class RedisFeed final : public Feed {
 public:
  explicit RedisFeed(std::shared_ptr<FeedState> state) : state_(std::move(state)) {}
  ~RedisFeed() override {
    Cancel();
    if (!WaitDone(absl::Seconds(60))) {
      std::fprintf(stderr, "bench: a Redis feed did not finish 60 s after cancellation; aborting\n");
      std::abort();
    }
  }
  void Cancel() override { state_->Cancel(); }
  bool WaitDone(absl::Duration timeout) override { return state_->WaitDone(timeout); }

 private:
  std::shared_ptr<FeedState> state_;
};

// A synchronous connection for probes and the script's loading (500 ms timeouts).
struct SyncContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using SyncContext = std::unique_ptr<redisContext, SyncContextDeleter>;

SyncContext ConnectSync(int port) {
  const timeval timeout = {0, 500'000};
  SyncContext context(redisConnectWithTimeout("127.0.0.1", port, timeout));
  if (context == nullptr || context->err != 0) return nullptr;
  redisSetTimeout(context.get(), timeout);
  return context;
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisPeer final : public Peer {
 public:
  using Peer::Peer;
  ~RedisPeer() override { Stop(); }  // Closes the connections (CloseClients) while the server still runs.

  std::string Name() const override { return "redis"; }

  void WriteReport(int organization, int64_t send_unix_nanos, WriteDone done, int channel_hint) override {
    Write(absl::StrCat(OrganizationKey(organization), "/status"),
          options_.payloads.Report(organization, send_unix_nanos).SerializeAsString(), std::move(done), channel_hint);
  }

  std::unique_ptr<Feed> Subscribe(FeedObserver* observer, int channel_hint) override {
    EventLoop* loop = feed_loops_[static_cast<size_t>(channel_hint) % feed_loops_.size()].get();
    auto state = std::make_shared<FeedState>(loop, observer);
    loop->Post([state, port = port_] { state->Start(port); });
    return std::make_unique<RedisFeed>(std::move(state));
  }

  absl::Status ConnectAll(absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    for (const auto& connection : writers_) {
      while (!connection->connected.load()) {
        if (absl::Now() > deadline) return absl::DeadlineExceededError("a Redis connection did not connect");
        absl::SleepFor(absl::Milliseconds(1));
      }
    }
    return absl::OkStatus();
  }

 protected:
  std::vector<std::string> Argv(const std::string& data_dir, int port) override {
    // Only durability and the listener are set; the rest is Redis's default (docs/benchmarks.md).
    return {options_.binary,
            "--bind",
            "127.0.0.1",
            "--port",
            absl::StrCat(port),
            "--dir",
            data_dir,
            "--daemonize",
            "no",
            "--protected-mode",
            "no",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
            "--maxclients",
            absl::StrCat(kMaxClients),
            "--logfile",
            ""};
  }

  absl::StatusOr<int> ChooseListenPort() override {
    // A socket per subscriber, here and in the server (which inherits the limit). Redis lowers maxclients to what
    // the limit allows (and logs it) when the hard limit is lower: the run goes on.
    if (absl::StatusOr<int64_t> limit = RaiseOpenFileLimit(kMaxClients + 64); !limit.ok()) {
      std::fprintf(stderr, "bench: redis: %s\n", limit.status().ToString().c_str());
    }
    return PickFreeLoopbackPort();
  }

  absl::StatusOr<std::string> AwaitAddress(ChildProcess&, int port) override {
    port_ = port;
    return absl::StrCat("127.0.0.1:", port);
  }

  bool ProbeReady(int) override {
    SyncContext context = ConnectSync(port_);
    if (context == nullptr) return false;
    Reply reply(
        static_cast<redisReply*>(redisCommand(context.get(), "HGET %s %s", kPictureKey, OrganizationKey(0).c_str())));
    // -LOADING while the AOF is read; nil or the bytes once it serves.
    return reply != nullptr && reply->type != REDIS_REPLY_ERROR;
  }

  void OpenClients() override {
    CloseClients();
    if (SyncContext context = ConnectSync(port_); context != nullptr) {
      Reply reply(static_cast<redisReply*>(redisCommand(context.get(), "SCRIPT LOAD %s", kWriteScript)));
      if (reply != nullptr && reply->type == REDIS_REPLY_STRING) script_sha_ = std::string(ReplyText(reply.get()));
    }
    if (script_sha_.empty()) std::fprintf(stderr, "bench: redis: SCRIPT LOAD failed; every write will fail\n");
    write_loop_ = std::make_unique<EventLoop>();
    for (int i = 0; i < kFeedLoops; ++i) feed_loops_.push_back(std::make_unique<EventLoop>());
    for (int i = 0; i < options_.channels; ++i) {
      auto connection = std::make_unique<Connection>();
      connection->loop = write_loop_.get();
      Connection* raw = connection.get();
      connection->loop->Run([raw, port = port_] { Open(raw, port); });
      writers_.push_back(std::move(connection));
    }
  }

  void CloseClients() override {
    for (auto& connection : writers_) {
      Connection* raw = connection.get();
      connection->loop->Run([raw] {
        if (raw->context != nullptr) redisAsyncFree(raw->context);  // Pending writes fail ("connection closed").
        raw->context = nullptr;
      });
    }
    writers_.clear();
    // Joins the threads; every feed has ended before (the scenarios close their feeds first).
    feed_loops_.clear();
    write_loop_.reset();
  }

  void RegisterOne(int organization, std::function<void(const absl::Status&)> done) override {
    Write(
        OrganizationKey(organization), options_.payloads.Organization(organization).SerializeAsString(),
        [done = std::move(done)](const WriteResult& result) {
          done(result.ok ? absl::OkStatus() : absl::UnavailableError(result.error));
        },
        organization);
  }

 private:
  void Write(std::string key, std::string value, WriteDone done, int channel_hint) {
    Connection* connection = writers_[static_cast<size_t>(channel_hint) % writers_.size()].get();
    connection->loop->Post(
        [this, connection, key = std::move(key), value = std::move(value), done = std::move(done)]() mutable {
          if (connection->context == nullptr) {
            return done({.ok = false, .revision = 0, .error = absl::StrCat("no connection: ", connection->error)});
          }
          const char* argv[] = {"EVALSHA", script_sha_.c_str(), "3",         kRevisionKey, kPictureKey,
                                kLogKey,   key.data(),          value.data()};
          const size_t lengths[] = {
              7,          script_sha_.size(), 1, sizeof(kRevisionKey) - 1, sizeof(kPictureKey) - 1, sizeof(kLogKey) - 1,
              key.size(), value.size()};
          auto* pending = new WriteDone(std::move(done));
          if (redisAsyncCommandArgv(connection->context, &OnWriteReply, pending, 8, argv, lengths) != REDIS_OK) {
            std::unique_ptr<WriteDone> owned(pending);
            (*owned)({.ok = false, .revision = 0, .error = "the connection is closing"});
          }
        });
  }

  int port_ = 0;
  std::string script_sha_;
  std::unique_ptr<EventLoop> write_loop_;
  std::vector<std::unique_ptr<EventLoop>> feed_loops_;
  std::vector<std::unique_ptr<Connection>> writers_;
};

}  // namespace

bool RedisPeerBuilt() { return true; }

std::unique_ptr<Peer> MakeRedisPeer(PeerOptions options) { return std::make_unique<RedisPeer>(std::move(options)); }

}  // namespace ketenbeeld::bench
