#include "group_window.h"

#include <algorithm>
#include <limits>

namespace vigil::correlator {

Timestamp saturating_sub(Timestamp a, Duration b) {
  constexpr Timestamp kMin = std::numeric_limits<Timestamp>::min();
  constexpr Timestamp kMax = std::numeric_limits<Timestamp>::max();
  if (b >= 0) return a < kMin + b ? kMin : a - b;
  return a > kMax + b ? kMax : a - b;
}

void CountWindow::add(EventRef ref, Timestamp cutoff) {
  if (count() == 0 || entries_.back() <= ref) {
    entries_.push_back(ref);
  } else {
    // Out of order within the allowance: keep the window sorted so pruning stays a prefix cut.
    auto begin = entries_.begin() + static_cast<std::ptrdiff_t>(head_);
    entries_.insert(std::upper_bound(begin, entries_.end(), ref), ref);
  }
  prune(cutoff);
}

void CountWindow::prune(Timestamp cutoff) {
  while (head_ < entries_.size() && entries_[head_].timestamp < cutoff) ++head_;
  // Compact lazily so pruning stays amortized O(1) and memory follows the live window.
  if (head_ == entries_.size()) {
    entries_.clear();
    head_ = 0;
  } else if (head_ > 32 && head_ * 2 > entries_.size()) {
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void DistinctWindow::add(EventRef ref, const std::string& value, Timestamp cutoff) {
  auto [it, inserted] = latest_.try_emplace(value, ref);
  if (!inserted) {
    if (ref <= it->second) {
      // An older event for a value already present: the newer one keeps the value in the window longer.
      ref = it->second;
    } else {
      by_time_.erase({it->second, value});
      it->second = ref;
    }
  }
  by_time_.emplace(ref, value);
  while (!by_time_.empty() && by_time_.begin()->first.timestamp < cutoff) {
    latest_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
}

std::vector<EventRef> DistinctWindow::refs() const {
  std::vector<EventRef> out;
  out.reserve(by_time_.size());
  for (const auto& [ref, value] : by_time_) out.push_back(ref);
  return out;
}

std::vector<std::string> DistinctWindow::values() const {
  std::vector<std::string> out;
  out.reserve(by_time_.size());
  for (const auto& [ref, value] : by_time_) out.push_back(value);
  return out;
}

GroupWindow* GroupTable::find(const std::string& key) {
  auto it = groups_.find(key);
  return it == groups_.end() ? nullptr : &it->second;
}

GroupWindow& GroupTable::create(const std::string& key, bool distinct, size_t& evicted) {
  evicted = 0;
  if (groups_.size() >= max_groups_ && !recency_.empty()) {
    std::string victim = *recency_.back();
    erase(victim);
    evicted = 1;
  }
  auto [it, inserted] = groups_.try_emplace(key);
  GroupWindow& group = it->second;
  if (inserted) {
    if (distinct) group.window.emplace<DistinctWindow>();
    recency_.push_front(&it->first);
    group.lru = recency_.begin();
  }
  return group;
}

void GroupTable::touch(GroupWindow& group, Timestamp watermark) {
  group.touched_watermark = watermark;
  recency_.splice(recency_.begin(), recency_, group.lru);
}

void GroupTable::erase(const std::string& key) {
  auto it = groups_.find(key);
  if (it == groups_.end()) return;
  recency_.erase(it->second.lru);
  groups_.erase(it);
}

size_t GroupTable::expire(Timestamp cutoff) {
  size_t dropped = 0;
  while (!recency_.empty()) {
    auto it = groups_.find(*recency_.back());
    if (it->second.touched_watermark >= cutoff) break;
    recency_.pop_back();
    groups_.erase(it);
    ++dropped;
  }
  return dropped;
}

size_t GroupTable::clear() {
  size_t dropped = groups_.size();
  recency_.clear();
  groups_.clear();
  return dropped;
}

}  // namespace vigil::correlator
