// A TCP forwarder on loopback that a test can cut: it accepts on 127.0.0.1:<a free port> and copies bytes both ways
// between each accepted connection and a new connection to its target, so a process that reaches a service only
// through forwarders can be cut off from it (a network partition) and reconnected, without touching either process.
//
//   Cut(kHold): the forwarder stops reading and writing; connections stay open and new ones wait in the listen
//               backlog, so the peers see a silent network (their calls hit their deadlines, keepalives go
//               unanswered), as with a partition that drops packets. Restore() delivers what was held.
//   Cut(kDrop): every connection is closed at once and new ones are accepted and closed right away, as with a link
//               that refuses connections (the peers see errors at once).
//   Restore():  forwards again; new connections reach the target.
//
//   SetDelay(direction, d): while forwarding, bytes read from then on in that direction are passed on no sooner than
//               `d` after they were read, in order (a slow link, or an answer that arrives after its caller's deadline:
//               a delay on kFromTarget lets requests reach the target at once and holds back its answers). Zero, the
//               default, passes bytes on at once. Bytes read before the change keep their time.
//
// One thread per forwarder runs every connection (poll with a 20 ms timeout, so Cut, Restore and the destructor take
// effect within that). Bytes wait in a bounded buffer per direction (at most 64 KiB: the forwarder stops reading a
// side whose bytes the other side has not taken yet).
//
// Thread safety: Cut, Restore and the accessors may be called from any thread. The destructor stops the thread,
// joins it and closes every socket.
#ifndef KETENBEELD_TESTS_SUPPORT_TCP_FORWARDER_H_
#define KETENBEELD_TESTS_SUPPORT_TCP_FORWARDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ketenbeeld::testing {

class TcpForwarder {
 public:
  enum class CutMode { kHold, kDrop };
  // kToTarget: what the connecting peer sends; kFromTarget: what the target answers.
  enum class Direction { kToTarget, kFromTarget };

  // Listens on 127.0.0.1:0 and forwards to `target` ("127.0.0.1:port"). INVALID_ARGUMENT for a target that is not
  // "ip:port"; INTERNAL when the listening socket cannot be made.
  static absl::StatusOr<std::unique_ptr<TcpForwarder>> Start(const std::string& target);
  ~TcpForwarder();
  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;

  // "127.0.0.1:port": where to connect instead of the target.
  const std::string& address() const { return address_; }
  const std::string& target() const { return target_; }

  void Cut(CutMode mode);
  void Restore();
  void SetDelay(Direction direction, absl::Duration delay);
  // Connections accepted so far (each one forwarded to a new connection to the target).
  int accepted() const { return accepted_.load(); }
  // Bytes read so far from the connecting peers (to pass on to the target) and from the target: which forwarder a
  // process is using shows in these.
  int64_t bytes_to_target() const { return bytes_to_target_.load(); }
  int64_t bytes_from_target() const { return bytes_from_target_.load(); }

 private:
  enum State { kForwarding, kHolding, kDropping };
  TcpForwarder(int listen_fd, std::string address, std::string target, int target_port);
  void Run();

  const int listen_fd_;
  const std::string address_;
  const std::string target_;
  const int target_port_;
  std::atomic<int> state_{kForwarding};
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int64_t> bytes_to_target_{0};
  std::atomic<int64_t> bytes_from_target_{0};
  // SetDelay's delays in microseconds, indexed by Direction.
  std::atomic<int64_t> delay_micros_[2] = {0, 0};
  std::thread thread_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_TCP_FORWARDER_H_
