#include "server/api/wire_format.h"

#include "grpcpp/support/slice.h"

namespace ketenbeeld::api::wire {

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void AppendVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void AppendKey(uint32_t field, uint32_t wire_type, std::string& out) { AppendVarint((field << 3) | wire_type, out); }

size_t FieldSize(uint32_t field, size_t payload) { return VarintSize(field << 3) + VarintSize(payload) + payload; }

void AppendBytesField(uint32_t field, const std::string& payload, std::string& out) {
  AppendKey(field, kLengthDelimited, out);
  AppendVarint(payload.size(), out);
  out.append(payload);
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace ketenbeeld::api::wire
