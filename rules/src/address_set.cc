#include "address_set.h"

namespace vigil::rules {

U128 to_u128(const IpAddress& address) {
  const auto& b = address.bytes();
  U128 v;
  for (int i = 0; i < 8; ++i) v.hi = (v.hi << 8) | b[static_cast<size_t>(i)];
  for (int i = 8; i < 16; ++i) v.lo = (v.lo << 8) | b[static_cast<size_t>(i)];
  return v;
}

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
