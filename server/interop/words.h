// The words of an exchange format for the values of one of our enums, in a table indexed by the enum's numbers.
//
// Thread safety: pure functions.
#ifndef KETENBEELD_SERVER_INTEROP_WORDS_H_
#define KETENBEELD_SERVER_INTEROP_WORDS_H_

#include <array>
#include <cstddef>

#include "absl/strings/string_view.h"

namespace ketenbeeld::interop {

// The word for enum number `value`; words[0] (the word for "not given") outside the table.
template <size_t N>
absl::string_view WordOf(const std::array<absl::string_view, N>& words, int value) {
  return value > 0 && static_cast<size_t>(value) < N ? words[value] : words[0];
}

// The enum number of `word`: the first index from 1 that holds it (a word may stand for "not given" at 0 and for an
// explicit value later, such as CAP's "Unknown"), else 0 when words[0] is it, else `fallback`.
template <size_t N>
int NumberOf(const std::array<absl::string_view, N>& words, absl::string_view word, int fallback = 0) {
  for (size_t i = 1; i < N; ++i) {
    if (words[i] == word) return static_cast<int>(i);
  }
  return words[0] == word ? 0 : fallback;
}

}  // namespace ketenbeeld::interop

#endif  // KETENBEELD_SERVER_INTEROP_WORDS_H_
