// unary-ceiling-server: what one gRPC C++ unary call costs on this machine when the server does no work at all.
//
// It serves PictureService.RegisterOrganization and ReportStatus with gRPC's callback API, as ketenbeeld-server does,
// and answers each call at once with the next revision: no parsing beyond gRPC's own, no admission, no store, no
// fsync. Driven by the same load generator as the real server (bench/ab-writes.sh -a unary), its writes/s are the
// ceiling that any server built on this gRPC, on this machine, with the client on the same two cores, can reach
// with one call per write. docs/benchmarks.md ("The unary write path, profiled") compares it with etcd's Put.
//
//   unary-ceiling-server --listen 127.0.0.1:PORT [--answer_from_thread] [any other flag, ignored]
//
// --answer_from_thread finishes every call from one other thread, handed over through a queue, the way the real
// server's completion thread finishes the callers of a durable group: the cost of that hand-off.
//
// Not built by default (EXCLUDE_FROM_ALL): `cmake --build build --target unary-ceiling-server`.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"

namespace {

using ketenbeeld::v1::GetRequest;
using ketenbeeld::v1::GetResponse;
using ketenbeeld::v1::PictureService;
using ketenbeeld::v1::RegisterOrganizationRequest;
using ketenbeeld::v1::ReportStatusRequest;
using ketenbeeld::v1::WriteResponse;

// Finishes reactors on its own thread, in the order they were handed over.
class Finisher {
 public:
  Finisher() : thread_([this] { Run(); }) {}
  ~Finisher() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }
  void Hand(grpc::ServerUnaryReactor* reactor) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(reactor);
  }

 private:
  void Run() {
    while (true) {
      std::deque<grpc::ServerUnaryReactor*> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Finisher* self)
                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return self->stopping_ || !self->queue_.empty(); },
            this));
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      for (grpc::ServerUnaryReactor* reactor : batch) reactor->Finish(grpc::Status::OK);
    }
  }

  absl::Mutex mu_;
  std::deque<grpc::ServerUnaryReactor*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class CeilingService final : public PictureService::CallbackService {
 public:
  explicit CeilingService(Finisher* finisher) : finisher_(finisher) {}

  grpc::ServerUnaryReactor* RegisterOrganization(grpc::CallbackServerContext* context,
                                                 const RegisterOrganizationRequest* /*request*/,
                                                 WriteResponse* response) override {
    return Answer(context, response);
  }
  grpc::ServerUnaryReactor* ReportStatus(grpc::CallbackServerContext* context, const ReportStatusRequest* /*request*/,
                                         WriteResponse* response) override {
    return Answer(context, response);
  }
  // The load generator's readiness probe.
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* context, const GetRequest* /*request*/,
                                GetResponse* /*response*/) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "the ceiling server holds nothing"));
    return reactor;
  }

 private:
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, WriteResponse* response) {
    response->set_revision(next_revision_.fetch_add(1, std::memory_order_relaxed) + 1);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (finisher_ != nullptr) {
      finisher_->Hand(reactor);
    } else {
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

  Finisher* finisher_;
  std::atomic<int64_t> next_revision_{0};
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen;
  bool answer_from_thread = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--listen") == 0 && i + 1 < argc) listen = argv[++i];
    if (std::strcmp(argv[i], "--answer_from_thread") == 0) answer_from_thread = true;
  }
  if (listen.empty()) {
    std::fprintf(stderr, "usage: unary-ceiling-server --listen HOST:PORT [--answer_from_thread]\n");
    return 2;
  }
  std::unique_ptr<Finisher> finisher = answer_from_thread ? std::make_unique<Finisher>() : nullptr;
  CeilingService service(finisher.get());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "unary-ceiling-server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  // The line the load generator waits for (bench/peers.cc, KetenbeeldPeer::AwaitAddress).
  std::printf("{\"event\":\"server_started\",\"address\":\"%s:%d\"}\n", host.c_str(), port);
  std::fflush(stdout);
  server->Wait();  // Until the harness kills it.
  return 0;
}
