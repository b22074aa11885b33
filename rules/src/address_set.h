// AddressSet: the set of IP addresses a rule header side accepts (any, CIDR blocks, lists,
// negation), kept as 128-bit ranges over the IPv4-mapped IPv6 form so lookups are one binary search.
// Built by the rule parser; read by the scanner. Thread contract: immutable after parsing.
#pragma once

#include <bit>
#include <cstring>
#include <utility>

#include "range_set.h"
#include "u128.h"
#include "vigil/core/ip.h"

namespace vigil::rules {

// The address's 16 bytes (network order) as a number; inline: the scanner converts two per packet.
inline U128 to_u128(const IpAddress& address) {
  const auto& b = address.bytes();
  uint64_t hi = 0;
  uint64_t lo = 0;
  std::memcpy(&hi, b.data(), 8);
  std::memcpy(&lo, b.data() + 8, 8);
  if constexpr (std::endian::native == std::endian::little) {
    hi = __builtin_bswap64(hi);
    lo = __builtin_bswap64(lo);
  }
  return {hi, lo};
}

class AddressSet {
 public:
  AddressSet() = default;
  explicit AddressSet(RangeSet<U128> ranges) : ranges_(std::move(ranges)) { finish(); }
  static AddressSet any() { return AddressSet(RangeSet<U128>::all()); }
  static RangeSet<U128> cidr_range(const Cidr& cidr);

  bool contains(const IpAddress& address) const { return any_ || ranges_.contains(to_u128(address)); }
  bool is_any() const { return any_; }
  bool empty() const { return !any_ && ranges_.empty(); }
  const RangeSet<U128>& ranges() const { return ranges_; }

 private:
  void finish() {
    ranges_.normalize();
    any_ = ranges_.is_all();
  }

  RangeSet<U128> ranges_;
  bool any_ = false;
};

}  // namespace vigil::rules
