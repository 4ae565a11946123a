// A TCP connection to a loopback port that sends and reads raw bytes: for tests that must behave like clients no
// library would be (one that sends half a request and stalls, one that never reads), and for counting connections
// without a client thread each.
//
// Thread safety: one RawSocket per thread. Every read is bounded by a deadline.
#ifndef KETENBEELD_TESTS_SUPPORT_RAW_SOCKET_H_
#define KETENBEELD_TESTS_SUPPORT_RAW_SOCKET_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace ketenbeeld::testing {

class RawSocket {
 public:
  // Connects to 127.0.0.1:`port`; connected() says whether it worked.
  explicit RawSocket(int port);
  ~RawSocket();  // Closes the connection.
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false when the connection is closed or fails.
  bool Send(absl::string_view bytes);
  // Reads until what was received contains `needle`, the peer closes, or `timeout` passes; true when it contains it.
  bool ReadUntil(absl::string_view needle, absl::Duration timeout);
  // Reads until the peer closes the connection (true) or `timeout` passes (false).
  bool WaitForClose(absl::Duration timeout);
  // Everything received so far.
  const std::string& received() const { return received_; }

 private:
  // One read of what is available, waiting at most until `deadline`: false when the peer closed (or failed).
  bool ReadSome(absl::Time deadline, bool& closed);

  int fd_ = -1;
  std::string received_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_RAW_SOCKET_H_
