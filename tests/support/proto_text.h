// Protobuf messages from text format in tests, so that a test's input reads like the API's documentation.
#ifndef KETENBEELD_TESTS_SUPPORT_PROTO_TEXT_H_
#define KETENBEELD_TESTS_SUPPORT_PROTO_TEXT_H_

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace ketenbeeld::testing {

// The message `text` describes; text that does not parse is a test failure (ADD_FAILURE) and gives what parsed.
template <typename Message>
Message ParseTextProto(const std::string& text) {
  Message message;
  if (!google::protobuf::TextFormat::ParseFromString(text, &message)) ADD_FAILURE() << "bad text proto: " << text;
  return message;
}

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_PROTO_TEXT_H_
