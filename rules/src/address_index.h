// AddressIndex: finds the rules whose (narrow) address side contains a given IP with one binary
// search, instead of testing each rule — how IP-reputation rules with thousands of addresses stay
// cheap. Built by RuleSetImpl from disjoint "elementary" intervals over all rules' ranges.
// Thread contract: immutable after build(); shared by all scanners.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "range_set.h"
#include "u128.h"
#include "address_set.h"
#include "vigil/core/ip.h"

namespace vigil::rules {

class AddressIndex {
 public:
  void add(const RangeSet<U128>& ranges, uint32_t rule);
  void build();
  bool empty() const { return starts_.empty(); }
  std::span<const uint32_t> lookup(const IpAddress& address) const { return lookup(to_u128(address)); }
  std::span<const uint32_t> lookup(const U128& address) const {
    // Most packet addresses are in no listed range: an IPv4 address whose /16 holds no rule's
    // address is answered from a bit, which sits in the index itself (no pointer to follow first),
    // and the binary search of the others covers only the segments of their /16.
    if (address.hi == 0 && (address.lo >> 32) == 0xffff) {
      const auto slash16 = static_cast<uint32_t>(address.lo >> 16) & 0xffffu;
      if ((v4_slash16_[slash16 >> 6] & (uint64_t{1} << (slash16 & 63))) == 0) return {};
      return segment_rules(address, v4_first_[slash16], v4_first_[slash16 + 1]);
    }
    if (rules_.empty()) return {};
    return segment_rules(address, 0, starts_.size());
  }

 private:
  // The rules of the segment holding `address`, which is among starts_[first, last).
  std::span<const uint32_t> segment_rules(const U128& address, size_t first, size_t last) const;

  struct Event {
    U128 at;
    uint32_t rule;
    bool open;
  };
  std::vector<Event> events_;
  std::vector<U128> starts_;        // segment i covers [starts_[i], starts_[i+1])
  std::vector<uint32_t> offsets_;   // segment i's rules: rules_[offsets_[i] .. offsets_[i+1])
  std::vector<uint32_t> rules_;
  std::array<uint64_t, 65536 / 64> v4_slash16_{};  // bit per IPv4 /16 with rules
  // Per IPv4 /16 (and one past the last): how many segments start at or before its first address.
  // The segment holding an address of /16 s is then among starts_[v4_first_[s] - 1, v4_first_[s + 1]).
  std::vector<uint32_t> v4_first_;
};

}  // namespace vigil::rules
