// PortSet: the TCP/UDP ports a rule header side accepts (any, N, N:M, N:, :M, lists, negation).
// Built by the rule parser; read by the scanner. Thread contract: immutable after parsing.
#pragma once

#include <cstdint>
#include <utility>

#include "range_set.h"

namespace vigil::rules {

class PortSet {
 public:
  PortSet() = default;
  explicit PortSet(RangeSet<uint16_t> ranges) : ranges_(std::move(ranges)) {
    ranges_.normalize();
    any_ = ranges_.is_all();
  }
  static PortSet any() { return PortSet(RangeSet<uint16_t>::all()); }

  bool contains(uint16_t port) const { return any_ || ranges_.contains(port); }
  bool is_any() const { return any_; }
  bool empty() const { return !any_ && ranges_.empty(); }
  const RangeSet<uint16_t>& ranges() const { return ranges_; }

 private:
  RangeSet<uint16_t> ranges_;
  bool any_ = false;
};

}  // namespace vigil::rules
