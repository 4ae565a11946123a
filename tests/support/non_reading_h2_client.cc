#include "tests/support/non_reading_h2_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ketenbeeld::testing {
namespace {

constexpr uint8_t kData = 0x0, kHeaders = 0x1, kResetStream = 0x3, kSettings = 0x4;
constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4;

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string frame;
  for (int shift = 16; shift >= 0; shift -= 8) frame += static_cast<char>((payload.size() >> shift) & 0xff);
  frame += static_cast<char>(type);
  frame += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) frame += static_cast<char>((stream >> shift) & 0xff);
  return frame + payload;
}

// The payload length in a frame's 9-byte header (its first 3 bytes, big-endian).
size_t FrameLength(const std::string& header) {
  return (static_cast<size_t>(static_cast<uint8_t>(header[0])) << 16) |
         (static_cast<size_t>(static_cast<uint8_t>(header[1])) << 8) | static_cast<uint8_t>(header[2]);
}

// A literal header field without indexing, new name, no Huffman coding; names and values under 127 bytes.
std::string Literal(const std::string& name, const std::string& value) {
  return absl::StrCat(std::string(1, '\0'), std::string(1, static_cast<char>(name.size())), name,
                      std::string(1, static_cast<char>(value.size())), value);
}

}  // namespace

NonReadingH2Client::NonReadingH2Client(int port, std::string token)
    : token_(std::move(token)), authority_(absl::StrCat("127.0.0.1:", port)) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return;
  // A server that stops reading (its buffers full of answers this client never reads) must not block us forever.
  const timeval send_timeout{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  const std::string window_zero("\x00\x04\x00\x00\x00\x00", 6);  // SETTINGS_INITIAL_WINDOW_SIZE = 0
  connected_ = Send(absl::StrCat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Frame(kSettings, 0, 0, window_zero))) &&
               AcknowledgeServerSettings();
}

NonReadingH2Client::~NonReadingH2Client() {
  if (fd_ >= 0) close(fd_);
}

bool NonReadingH2Client::Call(const std::string& method, const google::protobuf::Message& request, bool half_close) {
  std::vector<std::pair<std::string, std::string>> fields = {{":method", "POST"},
                                                             {":scheme", "http"},
                                                             {":path", method},
                                                             {":authority", authority_},
                                                             {"content-type", "application/grpc"},
                                                             {"te", "trailers"}};
  if (!token_.empty()) fields.emplace_back("authorization", "Bearer " + token_);
  std::string headers;
  for (const auto& [name, value] : fields) headers += Literal(name, value);
  const std::string message = request.SerializeAsString();
  std::string data(1, '\0');  // Not compressed, then the length, big-endian.
  for (int shift = 24; shift >= 0; shift -= 8) data += static_cast<char>((message.size() >> shift) & 0xff);
  data += message;
  const uint32_t stream = next_stream_;
  next_stream_ += 2;
  return Send(Frame(kHeaders, kEndHeaders, stream, headers) + Frame(kData, half_close ? kEndStream : 0, stream, data));
}

int NonReadingH2Client::EndedCalls() {
  while (true) {
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) break;
    received_.append(buffer, static_cast<size_t>(n));
  }
  while (received_.size() >= 9) {
    const size_t length = FrameLength(received_);
    if (received_.size() < 9 + length) break;
    const auto type = static_cast<uint8_t>(received_[3]);
    const auto flags = static_cast<uint8_t>(received_[4]);
    if ((type == kHeaders && (flags & kEndStream) != 0) || type == kResetStream) ++ended_calls_;
    received_.erase(0, 9 + length);
  }
  return ended_calls_;
}

bool NonReadingH2Client::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Exactly `size` bytes, or fewer when the connection ends or nothing arrives for 5 s.
std::string NonReadingH2Client::Receive(size_t size) {
  std::string bytes;
  while (bytes.size() < size) {
    pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&readable, 1, 5000) <= 0) break;
    char buffer[4096];
    const ssize_t n = recv(fd_, buffer, std::min(sizeof buffer, size - bytes.size()), 0);
    if (n <= 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  return bytes;
}

// Reads the server's first frames until its SETTINGS, and acknowledges them (a server may drop a connection whose
// peer never does). Nothing is read after this.
bool NonReadingH2Client::AcknowledgeServerSettings() {
  for (int frame = 0; frame < 8; ++frame) {
    const std::string header = Receive(9);
    if (header.size() != 9) return false;
    const size_t length = FrameLength(header);
    if (Receive(length).size() != length) return false;
    if (header[3] == kSettings && (header[4] & kAck) == 0) return Send(Frame(kSettings, kAck, 0, ""));
  }
  return false;
}

}  // namespace ketenbeeld::testing
