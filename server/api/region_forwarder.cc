#include "server/api/region_forwarder.h"

#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/connection.h"
#include "grpcpp/alarm.h"
#include "server/security/files.h"
#include "server/state/records.h"

namespace ketenbeeld::api {

namespace v1 = ketenbeeld::v1;

namespace {

// A request_id for a forwarded ReserveBed whose caller gave none: valid for ReserveBedRequest.request_id (at most 64
// of A-Z a-z 0-9 - _ . :), and from 128 random bits, so that two never meet.
std::string ForwardingRequestId() {
  absl::BitGen bits;
  return absl::StrFormat("fwd-%016x%016x", absl::Uniform<uint64_t>(bits), absl::Uniform<uint64_t>(bits));
}

bool LostInTransit(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

}  // namespace

struct RegionForwarder::Call {
  const Region* region = nullptr;
  service::RegionReservationCall request;
  v1::WriteResponse response;
  // One per attempt (a ClientContext is good for one call); the last attempt's until the call is answered.
  std::unique_ptr<grpc::ClientContext> context;
  int attempts = 0;
  std::string last_error;
  // The pause before the next attempt, a new one each time.
  std::unique_ptr<grpc::Alarm> pause;
  pipeline::Committer::Callback done;
};

absl::StatusOr<std::unique_ptr<RegionForwarder>> RegionForwarder::Create(
    const std::map<std::string, RegionEndpoint>& endpoints, Options options) {
  if (options.max_attempts < 1 || options.max_attempts > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_attempts: must be between 1 and 10, got ", options.max_attempts));
  }
  std::map<std::string, Region, std::less<>> regions;
  for (const auto& [region, endpoint] : endpoints) {
    const std::string field = absl::StrCat("federation.sources[", region, "].endpoint");
    auto invalid = [&field](absl::string_view message) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
    };
    if (endpoint.target.empty()) return invalid("target: required");
    absl::StatusOr<std::string> target = client::ChannelTarget(endpoint.target);
    if (!target.ok()) return invalid(absl::StrCat("target: ", target.status().message()));
    client::ConnectOptions connect{.ca_file = endpoint.ca_file,
                                   .cert_file = endpoint.cert_file,
                                   .key_file = endpoint.key_file,
                                   .token = {},
                                   .server_name = endpoint.server_name};
    if (!endpoint.token_file.empty()) {
      absl::StatusOr<std::string> token = security::ReadWholeFile(endpoint.token_file, "token_file");
      if (!token.ok()) return invalid(token.status().message());
      connect.token = std::string(absl::StripAsciiWhitespace(*token));
      if (connect.token.empty()) return invalid(absl::StrCat("token_file: \"", endpoint.token_file, "\" is empty"));
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::ConnectChecked(*target, connect);
    if (!channel.ok()) return invalid(channel.status().message());
    regions.emplace(region, Region{.name = region,
                                   .stub = v1::AssistanceService::NewStub(*std::move(channel)),
                                   .timeout = endpoint.timeout});
  }
  return std::unique_ptr<RegionForwarder>(new RegionForwarder(std::move(regions), options));
}

RegionForwarder::RegionForwarder(std::map<std::string, Region, std::less<>> regions, Options options)
    : regions_(std::move(regions)), options_(options) {}

RegionForwarder::~RegionForwarder() { Stop(); }

void RegionForwarder::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &in_flight_));
}

bool RegionForwarder::Reaches(absl::string_view safety_region) const {
  return regions_.find(std::string(safety_region)) != regions_.end();
}

void RegionForwarder::Forward(service::RegionCall call, pipeline::Committer::Callback done) {
  auto region = regions_.find(call.safety_region);
  if (region == regions_.end()) {
    std::move(done)(absl::FailedPreconditionError(absl::StrCat(
        "no endpoint of ", call.safety_region, "'s server is configured (federation.sources[].endpoint)")));
    return;
  }
  if (auto* reserve = std::get_if<v1::ReserveBedRequest>(&call.call);
      reserve != nullptr && reserve->request_id().empty()) {
    reserve->set_request_id(ForwardingRequestId());
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      std::move(done)(absl::UnavailableError(
          absl::StrCat("this server is stopping: the call was not forwarded to ", call.safety_region, "'s server")));
      return;
    }
    ++in_flight_;
  }
  auto* forwarded = new Call();
  forwarded->region = &region->second;
  forwarded->request = std::move(call.call);
  forwarded->done = std::move(done);
  Attempt(forwarded);
}

void RegionForwarder::Attempt(Call* call) {
  bool stopping = false;
  {
    absl::MutexLock lock(&mu_);
    stopping = stopping_ && call->attempts > 0;
  }
  if (stopping) {
    Finish(call, absl::UnavailableError(absl::StrCat("this server is stopping: the call to ", call->region->name,
                                                     "'s server was not sent again after: ", call->last_error)));
    return;
  }
  // Only this call's own thread of control touches `call` (one attempt or pause at a time).
  call->context = std::make_unique<grpc::ClientContext>();
  call->context->set_deadline(absl::ToChronoTime(absl::Now() + call->region->timeout));
  ++call->attempts;
  call->response.Clear();
  auto* stub = call->region->stub->async();
  auto on_answer = [this, call](grpc::Status status) { OnAnswer(call, status); };
  std::visit(
      [&](auto& request) {
        using Request = std::decay_t<decltype(request)>;
        if constexpr (std::is_same_v<Request, v1::ReserveBedRequest>) {
          stub->ReserveBed(call->context.get(), &request, &call->response, std::move(on_answer));
        } else if constexpr (std::is_same_v<Request, v1::ConfirmReservationRequest>) {
          stub->ConfirmReservation(call->context.get(), &request, &call->response, std::move(on_answer));
        } else {
          stub->ReleaseReservation(call->context.get(), &request, &call->response, std::move(on_answer));
        }
      },
      call->request);
}

void RegionForwarder::OnAnswer(Call* call, const grpc::Status& status) {
  const std::string& region = call->region->name;
  if (status.ok()) {
    pipeline::WriteResult written{
        .revision = call->response.revision(), .record = nullptr, .replayed = call->response.replayed()};
    if (call->response.has_record()) written.record = state::MakeRecord(std::move(*call->response.mutable_record()));
    Finish(call, std::move(written));
    return;
  }
  if (LostInTransit(status.error_code())) {
    call->last_error = absl::StrCat(
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? "no answer within the deadline" : "unavailable",
        ": ", status.error_message());
    if (call->attempts < options_.max_attempts) {
      // The same request again after a pause: a ReserveBed repeats its request_id, so the region answers a repeat with
      // the reservation it already made.
      const absl::Duration pause = options_.retry_pause * (int64_t{1} << (call->attempts - 1));
      call->pause = std::make_unique<grpc::Alarm>();
      call->pause->Set(absl::ToChronoTime(absl::Now() + pause), [this, call](bool) { Attempt(call); });
      return;
    }
    std::string outcome;
    if (const auto* reserve = std::get_if<v1::ReserveBedRequest>(&call->request)) {
      outcome = absl::StrCat("the bed may or may not have been reserved there: repeat the call with request_id \"",
                             reserve->request_id(), "\" to learn which (it never holds a second bed)");
    } else {
      outcome = "the change may or may not have been made there: read the reservation before repeating it";
    }
    Finish(call, absl::UnavailableError(absl::StrCat(region, "'s server could not be reached or its answer was lost (",
                                                     call->attempts, " attempts; the last: ", call->last_error, "); ",
                                                     outcome)));
    return;
  }
  std::string message = absl::StrCat(region, "'s server answered: ", status.error_message());
  if (call->attempts > 1 && status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
      !std::holds_alternative<v1::ReserveBedRequest>(call->request)) {
    absl::StrAppend(&message, " (an earlier attempt, whose answer was lost, may have made this change)");
  }
  Finish(call, absl::Status(static_cast<absl::StatusCode>(status.error_code()), message));
}

void RegionForwarder::Finish(Call* raw, absl::StatusOr<pipeline::WriteResult> result) {
  std::unique_ptr<Call> call(raw);
  pipeline::Committer::Callback done = std::move(call->done);
  call.reset();
  std::move(done)(std::move(result));
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

}  // namespace ketenbeeld::api
