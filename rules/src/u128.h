// U128: a 128-bit unsigned value with just the operations RangeSet needs, so address ranges work
// without the non-standard __int128. Thread contract: plain value.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace vigil::rules {

struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  auto operator<=>(const U128&) const = default;
  U128 operator+(int one) const {
    U128 r = *this;
    r.lo += static_cast<uint64_t>(one);
    if (r.lo < lo) ++r.hi;
    return r;
  }
  U128 operator-(int one) const {
    U128 r = *this;
    r.lo -= static_cast<uint64_t>(one);
    if (r.lo > lo) --r.hi;
    return r;
  }
};

}  // namespace vigil::rules

template <>
struct std::numeric_limits<vigil::rules::U128> {
  static constexpr bool is_specialized = true;
  static constexpr vigil::rules::U128 min() { return {0, 0}; }
  static constexpr vigil::rules::U128 max() { return {~0ULL, ~0ULL}; }
};
