// Shared by the tests of the CLI's presentation (client/cli): a fixed "now" and the shape of a flag error.
#ifndef KETENBEELD_TESTS_CLIENT_CLI_TEST_UTIL_H_
#define KETENBEELD_TESTS_CLIENT_CLI_TEST_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ketenbeeld::cli::testing {

// The moment the tests pretend it is, so that relative times ("in 2h", "5 minutes ago") give fixed results.
inline const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// The error names the flag (and the value, when there is one) first, then the problem: INVALID_ARGUMENT.
inline void ExpectFlagError(const absl::Status& status, const std::string& flag_and_value, const std::string& problem) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith(flag_and_value));
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr(problem));
}

}  // namespace ketenbeeld::cli::testing

#endif  // KETENBEELD_TESTS_CLIENT_CLI_TEST_UTIL_H_
