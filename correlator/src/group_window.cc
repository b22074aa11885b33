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

bool TemporalWindow::hit(size_t member, EventRef ref, Duration span, bool ordered) {
  if (member >= slots_.size()) return false;
  Slot& slot = slots_[member];
  if (!ordered) {
    if (!slot.set || slot.chain.front() < ref) slot = Slot{true, ref.timestamp, {ref}};
    Timestamp newest = ref.timestamp;
    Timestamp oldest = ref.timestamp;
    for (const Slot& s : slots_) {
      if (!s.set) return false;
      newest = std::max(newest, s.start);
      oldest = std::min(oldest, s.start);
    }
    return newest - oldest <= span;
  }
  if (member == 0) {
    if (!slot.set || slot.start <= ref.timestamp) slot = Slot{true, ref.timestamp, {ref}};
  } else {
    const Slot& before = slots_[member - 1];
    // The previous member must have fired strictly before this event, and the chain must still fit.
    if (!before.set || !(before.chain.back() < ref) || ref.timestamp - before.start > span) return false;
    if (!slot.set || slot.start <= before.start) {
      Slot next{true, before.start, before.chain};
      next.chain.push_back(ref);
      slot = std::move(next);
    }
  }
  return slots_.back().set;
}

std::vector<EventRef> TemporalWindow::refs(bool ordered) const {
  std::vector<EventRef> out;
  if (ordered) {
    if (!slots_.empty()) out = slots_.back().chain;
  } else {
    for (const Slot& slot : slots_) out.insert(out.end(), slot.chain.begin(), slot.chain.end());
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t GroupTable::shard_of(std::string_view key) { return std::hash<std::string_view>{}(key) % kShards; }

GroupWindow* GroupTable::find(const std::string& key) {
  Shard& shard = shards_[shard_of(key)];
  auto it = shard.find(key);
  return it == shard.end() ? nullptr : &it->second;
}

GroupWindow& GroupTable::create(const std::string& key, WindowKind kind, size_t members, size_t& evicted) {
  evicted = 0;
  if (size_ >= max_groups_ && !recency_.empty()) {
    std::string victim = *recency_.back();
    erase(victim);
    evicted = 1;
  }
  size_t index = shard_of(key);
  auto [it, inserted] = shards_[index].try_emplace(key);
  GroupWindow& group = it->second;
  if (inserted) {
    ++size_;
    if (kind == WindowKind::distinct) group.window.emplace<DistinctWindow>();
    if (kind == WindowKind::temporal) group.window.emplace<TemporalWindow>(members);
    recency_.push_front(&it->first);
    group.lru = recency_.begin();
    mark(index);
  }
  return group;
}

void GroupTable::touch(const std::string& key, GroupWindow& group, Timestamp watermark) {
  group.touched_watermark = watermark;
  recency_.splice(recency_.begin(), recency_, group.lru);
  mark(shard_of(key));
}

void GroupTable::erase(const std::string& key) {
  size_t index = shard_of(key);
  Shard& shard = shards_[index];
  auto it = shard.find(key);
  if (it == shard.end()) return;
  recency_.erase(it->second.lru);
  shard.erase(it);
  --size_;
  mark(index);
}

size_t GroupTable::expire(Timestamp cutoff) {
  size_t dropped = 0;
  while (!recency_.empty()) {
    const std::string& key = *recency_.back();
    size_t index = shard_of(key);
    Shard& shard = shards_[index];
    auto it = shard.find(key);
    if (it->second.touched_watermark >= cutoff) break;
    recency_.pop_back();
    shard.erase(it);
    --size_;
    mark(index);
    ++dropped;
  }
  return dropped;
}

size_t GroupTable::clear() {
  size_t dropped = size_;
  recency_.clear();
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (!shards_[i].empty()) mark(i);
    shards_[i].clear();
  }
  size_ = 0;
  return dropped;
}

void GroupTable::mark_clean() {
  std::fill(dirty_.begin(), dirty_.end(), false);
  any_dirty_ = false;
}

void GroupTable::restore(std::string key, GroupWindow window) {
  erase(key);
  size_t index = shard_of(key);
  auto [it, inserted] = shards_[index].emplace(std::move(key), std::move(window));
  ++size_;
  recency_.push_front(&it->first);
  it->second.lru = recency_.begin();
}

}  // namespace vigil::correlator
