#include "address_index.h"

#include <algorithm>

#include "address_set.h"

namespace vigil::rules {

void AddressIndex::add(const RangeSet<U128>& ranges, uint32_t rule) {
  for (const auto& r : ranges.ranges()) {
    events_.push_back({r.lo, rule, true});
    // A range reaching the top of the space never closes.
    if (r.hi != std::numeric_limits<U128>::max()) events_.push_back({r.hi + 1, rule, false});
  }
}

void AddressIndex::build() {
  std::sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  std::vector<uint32_t> active;  // sorted rule ids covering the current segment
  offsets_.push_back(0);
  size_t i = 0;
  while (i < events_.size()) {
    const U128 at = events_[i].at;
    for (; i < events_.size() && events_[i].at == at; ++i) {
      const Event& e = events_[i];
      auto it = std::lower_bound(active.begin(), active.end(), e.rule);
      if (e.open) active.insert(it, e.rule);
      else if (it != active.end() && *it == e.rule) active.erase(it);
    }
    starts_.push_back(at);
    rules_.insert(rules_.end(), active.begin(), active.end());
    offsets_.push_back(static_cast<uint32_t>(rules_.size()));
  }
  events_.clear();
  events_.shrink_to_fit();
  // The IPv4-mapped space is ::ffff:0:0/96; each segment with rules marks the /16s it touches
  // (segments are disjoint, so this visits at most 65536 + segments /16s).
  constexpr U128 kV4Lo{0, 0xffff00000000ULL};
  constexpr U128 kV4Hi{0, 0xffffffffffffULL};
  for (size_t seg = 0; seg < starts_.size(); ++seg) {
    if (offsets_[seg] == offsets_[seg + 1]) continue;
    const U128 lo = std::max(starts_[seg], kV4Lo);
    const U128 hi = seg + 1 < starts_.size() ? std::min(starts_[seg + 1] - 1, kV4Hi) : kV4Hi;
    if (hi < lo) continue;
    for (uint64_t s16 = (lo.lo >> 16) & 0xffff; s16 <= ((hi.lo >> 16) & 0xffff); ++s16) {
      v4_slash16_[s16 >> 6] |= uint64_t{1} << (s16 & 63);
    }
  }
}

std::span<const uint32_t> AddressIndex::search(const U128& v) const {
  if (starts_.empty()) return {};
  auto it = std::upper_bound(starts_.begin(), starts_.end(), v);
  if (it == starts_.begin()) return {};
  const size_t seg = static_cast<size_t>(it - starts_.begin()) - 1;
  return {rules_.data() + offsets_[seg], offsets_[seg + 1] - offsets_[seg]};
}

}  // namespace vigil::rules
