// mix64: splitmix64's finaliser, which spreads every input bit over the output. Flow ids, the flow
// table's buckets and the worker choice all hash with it, so a change here changes all three.
#pragma once

#include <cstdint>

namespace vigil::sensors {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace vigil::sensors
