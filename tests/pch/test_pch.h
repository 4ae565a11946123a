// The precompiled header of the test binaries (tests/CMakeLists.txt, "Precompiled headers").
//
// Most of a test batch's compile time is parsing the same gtest, gRPC, protobuf and Abseil headers and our generated
// API headers again. They are parsed once per build tree into this header's PCH, which every test binary reuses.
// What belongs here: headers that most test files include (directly or through the code under test) and that do not
// change with our code, plus the generated API messages, which nearly every test includes. Nothing whose macros
// change behaviour (httplib.h: its pkg-config -D flags are not every test's), nothing of ours but generated code.
// Test files still include what they use: this header only makes it cheaper.
#ifndef KETENBEELD_TESTS_PCH_TEST_PCH_H_
#define KETENBEELD_TESTS_PCH_TEST_PCH_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ketenbeeld/v1/admin_service.grpc.pb.h"
#include "ketenbeeld/v1/picture_service.grpc.pb.h"
#include "ketenbeeld/v1/workflow_service.grpc.pb.h"
#include "nlohmann/json.hpp"

#endif  // KETENBEELD_TESTS_PCH_TEST_PCH_H_
