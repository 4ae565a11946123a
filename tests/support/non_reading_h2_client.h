// An HTTP/2 client that makes gRPC calls and never reads their answers, like the client of issue 14 whose unread List
// answers grew the server from 99 MiB to 3 GiB. It announces a receive window of 0 bytes
// (SETTINGS_INITIAL_WINDOW_SIZE), so the server can send no response message: every call it admits keeps its answer
// unsent until the connection closes. Frames are written by hand (RFC 7540; headers as HPACK literals, RFC 7541 6.2.2).
//
// Used by the access tests (the per-identity call budget) and by the benchmark's unread_client scenario (server memory
// while such a client runs). Plaintext on 127.0.0.1 only.
//
// Thread safety: one client per thread. Every send is bounded (5 s without progress fails it), and after the server's
// first SETTINGS only EndedCalls() reads, never waiting, so no call blocks for long.
#ifndef KETENBEELD_TESTS_SUPPORT_NON_READING_H2_CLIENT_H_
#define KETENBEELD_TESTS_SUPPORT_NON_READING_H2_CLIENT_H_

#include <cstdint>
#include <string>

#include "google/protobuf/message.h"

namespace ketenbeeld::testing {

class NonReadingH2Client {
 public:
  // Connects to 127.0.0.1:`port`, sends the preface and a receive window of 0, and acknowledges the server's
  // SETTINGS. `token`: sent as "authorization: Bearer <token>" on every call; empty: no authorization (development
  // mode). connected() says whether all of this worked.
  NonReadingH2Client(int port, std::string token);
  ~NonReadingH2Client();  // Closes the connection: the server cancels the calls it still holds.
  NonReadingH2Client(const NonReadingH2Client&) = delete;
  NonReadingH2Client& operator=(const NonReadingH2Client&) = delete;

  bool connected() const { return connected_; }

  // Starts a call of `method` ("/ketenbeeld.v1.PictureService/List") with `request` as its message, and reads nothing.
  // `half_close`: end the request stream after the message (a unary call); false keeps it open, as a client of a
  // streaming call (PublishStatus) that will send more. False when the connection failed or a send made no progress
  // for 5 s (the server stopped reading).
  bool Call(const std::string& method, const google::protobuf::Message& request, bool half_close = true);

  // How many of this client's calls the server has ended so far: refused calls end with their status at once (a
  // HEADERS frame, which the window of 0 does not hold back) or are reset; admitted ones never end, as their answers
  // cannot be sent. Reads what has arrived without waiting, and grants no window.
  int EndedCalls();

 private:
  bool Send(const std::string& bytes);
  std::string Receive(size_t size);
  bool AcknowledgeServerSettings();
  // The frames read so far by EndedCalls; `received_` holds the start of a frame not yet complete.
  std::string received_;
  int ended_calls_ = 0;

  const std::string token_;
  const std::string authority_;
  int fd_ = -1;
  bool connected_ = false;
  uint32_t next_stream_ = 1;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_NON_READING_H2_CLIENT_H_
