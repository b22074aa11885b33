// RangeSet<T>: a set of unsigned values kept as sorted, disjoint, closed intervals. The common
// algebra behind rule header addresses (128-bit) and ports (16-bit): union, complement, difference.
// Thread contract: plain value; const methods are safe to call from many threads.
#pragma once

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

namespace vigil::rules {

template <typename T>
class RangeSet {
 public:
  struct Range {
    T lo;
    T hi;  // inclusive
  };

  static RangeSet all() {
    RangeSet set;
    set.ranges_.push_back({T{0}, std::numeric_limits<T>::max()});
    return set;
  }

  void add(T lo, T hi) {
    ranges_.push_back({lo, hi});
    normalized_ = false;
  }
  void add_all(const RangeSet& other) {
    ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
    normalized_ = false;
  }

  // Sorts and merges; call once after a run of add() before contains() or the algebra.
  void normalize() {
    if (normalized_) return;
    std::sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
    std::vector<Range> merged;
    merged.reserve(ranges_.size());
    for (const Range& r : ranges_) {
      if (!merged.empty() && (merged.back().hi == std::numeric_limits<T>::max() || r.lo <= merged.back().hi + 1)) {
        merged.back().hi = std::max(merged.back().hi, r.hi);
      } else {
        merged.push_back(r);
      }
    }
    ranges_ = std::move(merged);
    normalized_ = true;
  }

  RangeSet complement() const {
    RangeSet out;
    T next{0};
    bool open = true;  // false once a range reached the maximum value
    for (const Range& r : ranges_) {
      if (r.lo > next) out.ranges_.push_back({next, T(r.lo - 1)});
      if (r.hi == std::numeric_limits<T>::max()) {
        open = false;
        break;
      }
      next = T(r.hi + 1);
    }
    if (open) out.ranges_.push_back({next, std::numeric_limits<T>::max()});
    return out;
  }

  RangeSet minus(const RangeSet& other) const {
    // A \ B = A ∩ ¬B = ¬(¬A ∪ B)
    RangeSet tmp = complement();
    tmp.add_all(other);
    tmp.normalize();
    return tmp.complement();
  }

  bool contains(T value) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), value,
                               [](T v, const Range& r) { return v < r.lo; });
    if (it == ranges_.begin()) return false;
    --it;
    return value <= it->hi;
  }

  bool is_all() const {
    return ranges_.size() == 1 && ranges_[0].lo == T{0} && ranges_[0].hi == std::numeric_limits<T>::max();
  }
  bool empty() const { return ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  std::vector<Range> ranges_;
  bool normalized_ = true;
};

}  // namespace vigil::rules
