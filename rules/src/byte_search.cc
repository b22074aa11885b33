#include "byte_search.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "text_util.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vigil::rules {
namespace {

// ascii_lower as a table: the byte loops below read it once per byte.
constexpr std::array<uint8_t, 256> make_lower() {
  std::array<uint8_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[static_cast<size_t>(i)] = ascii_lower(static_cast<uint8_t>(i));
  return t;
}
constexpr auto kLower = make_lower();

// Whether the pattern's bytes [1, n-1) equal the buffer's at `at` (first and last already compared).
bool middle_equal(const uint8_t* at, const uint8_t* pattern, size_t n, bool nocase) {
  if (n <= 2) return true;
  if (!nocase) return std::memcmp(at + 1, pattern + 1, n - 2) == 0;
  for (size_t k = 1; k + 1 < n; ++k) {
    if (kLower[at[k]] != pattern[k]) return false;
  }
  return true;
}

// Byte by byte over the starts [i, last_start].
size_t find_scalar(const uint8_t* base, size_t i, size_t last_start, const uint8_t* pattern, size_t n, bool nocase) {
  for (; i <= last_start; ++i) {
    const uint8_t first = nocase ? kLower[base[i]] : base[i];
    const uint8_t last = nocase ? kLower[base[i + n - 1]] : base[i + n - 1];
    if (first == pattern[0] && last == pattern[n - 1] && middle_equal(base + i, pattern, n, nocase)) return i;
  }
  return std::string_view::npos;
}

#if defined(__SSE2__)
// ASCII upper-case letters of `v` made lower case: 'A'..'Z' are the bytes that, moved by 128 - 'A',
// land below -128 + 26 in signed compare.
__m128i fold_case(__m128i v) {
  const __m128i shifted = _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(128 - 'A')));
  const __m128i upper = _mm_cmplt_epi8(shifted, _mm_set1_epi8(static_cast<char>(-128 + 26)));
  return _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
}
#endif

}  // namespace

size_t find_bytes(std::string_view buffer, size_t from, size_t to, std::string_view pattern, bool nocase) {
  const size_t n = pattern.size();
  if (to > buffer.size()) to = buffer.size();
  if (n == 0 || from >= to || to - from < n) return std::string_view::npos;
  const auto* base = reinterpret_cast<const uint8_t*>(buffer.data());
  const auto* p = reinterpret_cast<const uint8_t*>(pattern.data());
  const size_t last_start = to - n;
  size_t i = from;
#if defined(__SSE2__)
  // Blocks of 16 starts whose last bytes all lie before `to`.
  const __m128i first = _mm_set1_epi8(static_cast<char>(p[0]));
  const __m128i last = _mm_set1_epi8(static_cast<char>(p[n - 1]));
  for (; i + 15 <= last_start; i += 16) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i + n - 1));
    if (nocase) {
      a = fold_case(a);
      b = fold_case(b);
    }
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
    while (mask != 0) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(mask));
      if (middle_equal(base + at, p, n, nocase)) return at;
      mask &= mask - 1;
    }
  }
#endif
  return find_scalar(base, i, last_start, p, n, nocase);
}

}  // namespace vigil::rules
