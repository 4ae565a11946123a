// String helpers shared by every module.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_BASE_STRINGS_H_
#define KETENBEELD_BASE_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace ketenbeeld {

// Debian's Abseil has its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0) while our interfaces take
// std::string_view: the one adapter between the two. Refers to the same characters; does not copy.
inline absl::string_view ToAbsl(std::string_view text) { return absl::string_view(text.data(), text.size()); }
inline std::string_view ToStd(absl::string_view text) { return std::string_view(text.data(), text.size()); }

}  // namespace ketenbeeld

#endif  // KETENBEELD_BASE_STRINGS_H_
