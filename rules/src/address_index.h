// AddressIndex: finds the rules whose (narrow) address side contains a given IP with one binary
// search, instead of testing each rule — how IP-reputation rules with thousands of addresses stay
// cheap. Built by RuleSetImpl from disjoint "elementary" intervals over all rules' ranges.
// Thread contract: immutable after build(); shared by all scanners.
#pragma once

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
    if (rules_.empty()) return {};
    // Most packet addresses are in no listed range: an IPv4 address whose /16 holds no rule's
    // address is answered from a bit instead of a binary search.
    if (address.hi == 0 && (address.lo >> 32) == 0xffff) {
      const auto slash16 = static_cast<uint32_t>(address.lo >> 16) & 0xffffu;
      if ((v4_slash16_[slash16 >> 6] & (uint64_t{1} << (slash16 & 63))) == 0) return {};
    }
    return search(address);
  }

 private:
  std::span<const uint32_t> search(const U128& address) const;

  struct Event {
    U128 at;
    uint32_t rule;
    bool open;
  };
  std::vector<Event> events_;
  std::vector<U128> starts_;        // segment i covers [starts_[i], starts_[i+1])
  std::vector<uint32_t> offsets_;   // segment i's rules: rules_[offsets_[i] .. offsets_[i+1])
  std::vector<uint32_t> rules_;
  std::vector<uint64_t> v4_slash16_ = std::vector<uint64_t>(65536 / 64);  // bit per IPv4 /16 with rules
};

}  // namespace vigil::rules
