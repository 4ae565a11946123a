// Early return on error, for functions that return absl::Status or absl::StatusOr<T>.
//
//   KETENBEELD_RETURN_IF_ERROR(CheckName(request.name(), path));
//   KETENBEELD_ASSIGN_OR_RETURN(const Record& record, Lookup(name));
//
// The expression is evaluated once. These are the project's only status macros; prefer plain code where it reads as
// well.
#ifndef KETENBEELD_BASE_STATUS_MACROS_H_
#define KETENBEELD_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define KETENBEELD_RETURN_IF_ERROR(expr)                                      \
  do {                                                                        \
    if (absl::Status ketenbeeld_status_ = (expr); !ketenbeeld_status_.ok()) { \
      return ketenbeeld_status_;                                              \
    }                                                                         \
  } while (false)

#define KETENBEELD_STATUS_MACROS_CONCAT_INNER(a, b) a##b
#define KETENBEELD_STATUS_MACROS_CONCAT(a, b) KETENBEELD_STATUS_MACROS_CONCAT_INNER(a, b)

#define KETENBEELD_ASSIGN_OR_RETURN(lhs, expr) \
  KETENBEELD_ASSIGN_OR_RETURN_IMPL(KETENBEELD_STATUS_MACROS_CONCAT(ketenbeeld_statusor_, __LINE__), lhs, expr)

#define KETENBEELD_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = *std::move(statusor)

#endif  // KETENBEELD_BASE_STATUS_MACROS_H_
