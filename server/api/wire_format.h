// Protobuf wire-format pieces for responses assembled from bytes the server already holds (a stored record's or an
// event's serialization, made once at commit), instead of building, serializing and destroying a message per call.
// The output is byte-for-byte what the generated serializer writes for the same message, fields in number order.
// Pure functions; thread-safe.
#ifndef KETENBEELD_SERVER_API_WIRE_FORMAT_H_
#define KETENBEELD_SERVER_API_WIRE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "grpcpp/support/byte_buffer.h"

namespace ketenbeeld::api::wire {

// A field key is (field_number << 3 | wire_type).
inline constexpr uint32_t kVarint = 0;
inline constexpr uint32_t kLengthDelimited = 2;

size_t VarintSize(uint64_t value);
void AppendVarint(uint64_t value, std::string& out);
void AppendKey(uint32_t field, uint32_t wire_type, std::string& out);
// Size of a length-delimited field holding `payload` bytes (key, length, payload).
size_t FieldSize(uint32_t field, size_t payload);
// Appends a length-delimited field: key, length, `payload`.
void AppendBytesField(uint32_t field, const std::string& payload, std::string& out);

// One slice holding a copy of `bytes`.
grpc::ByteBuffer ToByteBuffer(const std::string& bytes);

}  // namespace ketenbeeld::api::wire

#endif  // KETENBEELD_SERVER_API_WIRE_FORMAT_H_
