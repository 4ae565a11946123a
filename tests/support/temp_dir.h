// A unique, empty directory for one test's files, removed with everything in it on destruction. Light on purpose:
// storage, domain and policy tests link it without the in-process server of test_server.h.
#ifndef KETENBEELD_TESTS_SUPPORT_TEMP_DIR_H_
#define KETENBEELD_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace ketenbeeld::testing {

// Under $TEST_TMPDIR (ctest, bazel) or the system temporary directory; unique within and across processes. Not
// copyable. Thread safety: each object is used by one test; constructing several at once is safe.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ketenbeeld::testing

#endif  // KETENBEELD_TESTS_SUPPORT_TEMP_DIR_H_
