#include "address_set.h"

namespace vigil::rules {

RangeSet<U128> AddressSet::cidr_range(const Cidr& cidr) {
  const int bits = cidr.network().is_v4() ? cidr.prefix_len() + 96 : cidr.prefix_len();
  const U128 lo = to_u128(cidr.network());
  U128 hi = lo;
  const int host_bits = 128 - bits;
  if (host_bits >= 64) {
    hi.lo = ~0ULL;
    hi.hi |= host_bits >= 128 ? ~0ULL : ((1ULL << (host_bits - 64)) - 1);
  } else if (host_bits > 0) {
    hi.lo |= (1ULL << host_bits) - 1;
  }
  RangeSet<U128> set;
  set.add(lo, hi);
  return set;
}

}  // namespace vigil::rules
