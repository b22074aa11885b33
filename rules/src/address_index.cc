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
}

std::span<const uint32_t> AddressIndex::lookup(const U128& v) const {
  if (starts_.empty()) return {};
  auto it = std::upper_bound(starts_.begin(), starts_.end(), v);
  if (it == starts_.begin()) return {};
  const size_t seg = static_cast<size_t>(it - starts_.begin()) - 1;
  return {rules_.data() + offsets_[seg], offsets_[seg + 1] - offsets_[seg]};
}

}  // namespace vigil::rules
