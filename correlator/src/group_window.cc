#include "group_window.h"

#include <algorithm>
#include <cmath>
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

void IntervalWindow::add(EventRef ref, Timestamp start, Timestamp cutoff) {
  auto at = std::upper_bound(entries_.begin(), entries_.end(), ref,
                             [](const EventRef& r, const Entry& entry) { return r < entry.ref; });
  entries_.insert(at, Entry{ref, start});
  auto live = std::find_if(entries_.begin(), entries_.end(), [cutoff](const Entry& e) { return e.ref.timestamp >= cutoff; });
  entries_.erase(entries_.begin(), live);
  if (entries_.size() > capacity_) {
    entries_.erase(entries_.begin(), entries_.end() - static_cast<std::ptrdiff_t>(capacity_));
  }
}

std::optional<IntervalWindow::Regularity> IntervalWindow::regularity() const {
  if (entries_.size() < 3) return std::nullopt;
  // Flows are reported when they end, so a long one may sort after a later-starting short one.
  std::vector<Timestamp> starts;
  starts.reserve(entries_.size());
  for (const Entry& entry : entries_) starts.push_back(entry.start);
  std::sort(starts.begin(), starts.end());
  const double gaps = static_cast<double>(starts.size() - 1);
  const double mean = static_cast<double>(starts.back() - starts.front()) / gaps;
  if (!(mean > 0)) return std::nullopt;
  double squares = 0;
  for (size_t i = 1; i < starts.size(); ++i) {
    const double deviation = static_cast<double>(starts[i] - starts[i - 1]) - mean;
    squares += deviation * deviation;
  }
  return Regularity{std::sqrt(squares / gaps) / mean, static_cast<Duration>(mean)};
}

std::vector<EventRef> IntervalWindow::refs() const {
  std::vector<EventRef> out;
  out.reserve(entries_.size());
  for (const Entry& entry : entries_) out.push_back(entry.ref);
  return out;
}

uint64_t DistinctWindow::hash_of(std::string_view value) {
  uint64_t h = std::hash<std::string_view>{}(value);
  return h == 0 ? 1 : h;
}

void DistinctWindow::add(EventRef ref, std::string_view value, Timestamp cutoff) {
  // At 100,000 busy groups every part of a window is cold when its next event comes. Asking for the
  // oldest entry, the ends of order_ and text_ and the value's home slot at once overlaps four cache
  // misses that would otherwise come one after the other (about +10 % events/s in correlator_bench).
  const uint64_t hash = hash_of(value);
  if (!order_.empty()) {
    __builtin_prefetch(order_.data() + head_);
    __builtin_prefetch(order_.data() + order_.size());
    __builtin_prefetch(text_.data() + text_.size());
  }
  if (!table_.empty()) __builtin_prefetch(table_.data() + (hash & (table_.size() - 1)));
  prune(cutoff);
  if (ref.timestamp < cutoff) return;  // outside the window already: pruning would drop it at once
  // Superseded entries outnumber the live ones, or the table is half occupied (dead slots count).
  if (order_.size() - live_ > live_ + 32 || (occupied_ + 1) * 2 > table_.size()) rebuild();
  const auto tag = static_cast<uint32_t>(hash >> 32);
  const size_t mask = table_.size() - 1;
  size_t free_slot = SIZE_MAX;  // the first dead slot on the probe path, reused for a new value
  size_t i = hash & mask;
  for (; table_[i].index != 0; i = (i + 1) & mask) {
    const size_t index = table_[i].index - 1;
    const bool dead = index < head_;
    if (table_[i].tag == tag && order_[index].hash == hash) {
      if (dead) {
        free_slot = i;  // the value left the window and comes back
        break;
      }
      // An older event for a value already present changes nothing: the newer one keeps it in the window.
      if (!(order_[index].ref < ref)) return;
      order_[index].hash = 0;
      --live_;
      free_slot = i;
      break;
    }
    if (dead && free_slot == SIZE_MAX) free_slot = i;
  }
  if (free_slot == SIZE_MAX) {
    free_slot = i;
    ++occupied_;
  }
  const size_t at = order_.empty() || order_.back().ref <= ref ? append(ref, hash, value)
                                                               : insert_sorted(ref, hash, value);
  table_[free_slot] = Slot{tag, static_cast<uint32_t>(at + 1)};
  ++live_;
}

size_t DistinctWindow::append(EventRef ref, uint64_t hash, std::string_view value) {
  if (order_.capacity() == 0) order_.reserve(8);  // skips the 1-2-4 growth steps every new group pays
  order_.push_back(Added{ref, hash, static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(value.size())});
  text_.append(value);
  return order_.size() - 1;
}

// Out of order within the allowance: order_ stays sorted so pruning stays a prefix cut. The entries
// after the insertion point move up one place; their slots follow.
size_t DistinctWindow::insert_sorted(EventRef ref, uint64_t hash, std::string_view value) {
  auto at = std::upper_bound(order_.begin() + static_cast<std::ptrdiff_t>(head_), order_.end(), ref,
                             [](const EventRef& r, const Added& entry) { return r < entry.ref; });
  const auto position = static_cast<size_t>(at - order_.begin());
  order_.insert(at, Added{ref, hash, static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(value.size())});
  text_.append(value);
  // From the end down, so no two slots ever name the same entry while they are renumbered.
  const size_t mask = table_.size() - 1;
  for (size_t moved = order_.size() - 1; moved > position; --moved) {
    const uint64_t moved_hash = order_[moved].hash;
    if (moved_hash == 0) continue;  // superseded: no slot names it
    size_t i = moved_hash & mask;
    while (table_[i].index != moved) i = (i + 1) & mask;  // old index + 1 == moved
    table_[i].index = static_cast<uint32_t>(moved + 1);
  }
  return position;
}

void DistinctWindow::prune(Timestamp cutoff) {
  while (head_ < order_.size() && order_[head_].ref.timestamp < cutoff) {
    if (order_[head_].hash != 0) --live_;  // its slot is dead now (index below head_)
    ++head_;
  }
  if (head_ == order_.size() && head_ > 0) {
    order_.clear();
    text_.clear();
    std::fill(table_.begin(), table_.end(), Slot{});
    occupied_ = 0;
    head_ = 0;
  }
}

void DistinctWindow::rebuild() {
  size_t out = 0;
  std::string text;
  for (size_t i = head_; i < order_.size(); ++i) {
    Added entry = order_[i];
    if (entry.hash == 0) continue;
    std::string_view value = text_of(entry);
    entry.text_at = static_cast<uint32_t>(text.size());
    text.append(value);
    order_[out++] = entry;
  }
  order_.resize(out);
  text_.swap(text);
  head_ = 0;
  size_t want = 16;
  while (want < 3 * (out + 1)) want *= 2;  // at most a third full: room for growth before the next one
  table_.assign(want, Slot{});
  const size_t mask = want - 1;
  for (size_t index = 0; index < out; ++index) {
    const uint64_t hash = order_[index].hash;
    size_t i = hash & mask;
    while (table_[i].index != 0) i = (i + 1) & mask;
    table_[i] = Slot{static_cast<uint32_t>(hash >> 32), static_cast<uint32_t>(index + 1)};
  }
  occupied_ = out;
}

std::vector<std::pair<EventRef, std::string>> DistinctWindow::entries() const {
  std::vector<std::pair<EventRef, std::string>> out;
  out.reserve(live_);
  for (size_t i = head_; i < order_.size(); ++i) {
    if (order_[i].hash != 0) out.emplace_back(order_[i].ref, std::string(text_of(order_[i])));
  }
  return out;  // order_ is sorted, so this is too
}

std::vector<EventRef> DistinctWindow::refs() const {
  std::vector<EventRef> out;
  out.reserve(live_);
  for (size_t i = head_; i < order_.size(); ++i) {
    if (order_[i].hash != 0) out.push_back(order_[i].ref);
  }
  return out;
}

std::vector<std::string> DistinctWindow::values() const {
  std::vector<std::string> out;
  out.reserve(live_);
  for (size_t i = head_; i < order_.size(); ++i) {
    if (order_[i].hash != 0) out.emplace_back(text_of(order_[i]));
  }
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

uint64_t GroupTable::hash_of(std::string_view key) {
  uint64_t h = std::hash<std::string_view>{}(key);
  return h == 0 ? 1 : h;
}

size_t GroupTable::find_slot(const std::string& key, uint64_t hash) const {
  if (slots_.empty()) return SIZE_MAX;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.index == kEmpty) return SIZE_MAX;
    if (slot.tag == static_cast<uint32_t>(hash) && entries_[slot.index].hash == hash && entries_[slot.index].key == key) {
      return i;
    }
  }
}

void GroupTable::insert_slot(uint64_t hash, uint32_t index) {
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].index != kEmpty) i = (i + 1) & mask;
  slots_[i] = Slot{static_cast<uint32_t>(hash), index};
}

// Backward-shift deletion keeps linear probing free of tombstones.
void GroupTable::erase_at(size_t hole) {
  const size_t mask = slots_.size() - 1;
  slots_[hole].index = kEmpty;
  for (size_t i = (hole + 1) & mask; slots_[i].index != kEmpty; i = (i + 1) & mask) {
    size_t home = slots_[i].tag & mask;
    // Move the entry back when its home is not inside (hole, i].
    bool between = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
    if (between) continue;
    slots_[hole] = slots_[i];
    slots_[i].index = kEmpty;
    hole = i;
  }
}

void GroupTable::rebuild_slots() {
  size_t want = 16;
  while (want < entries_.size() * 2 + 2) want *= 2;
  slots_.assign(want, Slot{});
  for (uint32_t i = 0; i < entries_.size(); ++i) insert_slot(entries_[i].hash, i);
}

void GroupTable::grow_if_needed() {
  if (slots_.empty() || (entries_.size() + 1) * 2 > slots_.size()) rebuild_slots();
}

GroupWindow* GroupTable::find(const std::string& key) {
  size_t slot = find_slot(key, hash_of(key));
  return slot == SIZE_MAX ? nullptr : &entries_[slots_[slot].index].window;
}

GroupWindow& GroupTable::create(const std::string& key, WindowKind kind, size_t size, size_t& evicted) {
  evicted = 0;
  const uint64_t hash = hash_of(key);
  if (size_t slot = find_slot(key, hash); slot != SIZE_MAX) return entries_[slots_[slot].index].window;
  if (entries_.size() >= max_groups_) {
    size_t count = std::max<size_t>(1, entries_.size() / 16);
    evict_oldest(count);
    evicted = count;
  }
  grow_if_needed();
  Entry& entry = entries_.emplace_back();
  entry.key = key;
  entry.hash = hash;
  if (kind == WindowKind::distinct) entry.window.window.emplace<DistinctWindow>();
  if (kind == WindowKind::temporal) entry.window.window.emplace<TemporalWindow>(size);
  if (kind == WindowKind::interval) entry.window.window.emplace<IntervalWindow>(size);
  entry.window.touch_order = ++touch_clock_;
  entry.window.shard = static_cast<uint8_t>(shard_of(hash));
  ++shard_sizes_[entry.window.shard];
  insert_slot(hash, static_cast<uint32_t>(entries_.size() - 1));
  mark(hash);
  return entry.window;
}

void GroupTable::remove_entries(const std::vector<bool>& doomed) {
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (doomed[i]) {
      mark(entries_[i].hash);
      --shard_sizes_[shard_of(entries_[i].hash)];
      continue;
    }
    if (out != i) entries_[out] = std::move(entries_[i]);
    ++out;
  }
  entries_.resize(out);
  rebuild_slots();
  if (entries_.empty()) has_oldest_ = false;
}

void GroupTable::evict_oldest(size_t count) {
  count = std::min(count, entries_.size());
  if (count == 0) return;
  std::vector<std::pair<uint64_t, uint32_t>> by_age;
  by_age.reserve(entries_.size());
  for (uint32_t i = 0; i < entries_.size(); ++i) by_age.emplace_back(entries_[i].window.touch_order, i);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(count - 1), by_age.end());
  std::vector<bool> doomed(entries_.size(), false);
  for (size_t i = 0; i < count; ++i) doomed[by_age[i].second] = true;
  remove_entries(doomed);
}

void GroupTable::touch(GroupWindow& group, Timestamp watermark) {
  group.touched_watermark = watermark;
  group.touch_order = ++touch_clock_;
  if (!has_oldest_) {
    oldest_touch_ = watermark;
    has_oldest_ = true;
  }
  mark_shard(group.shard);
}

void GroupTable::erase(const std::string& key) {
  const uint64_t hash = hash_of(key);
  size_t slot = find_slot(key, hash);
  if (slot == SIZE_MAX) return;
  const uint32_t index = slots_[slot].index;
  mark(hash);
  --shard_sizes_[shard_of(hash)];
  erase_at(slot);
  const uint32_t last = static_cast<uint32_t>(entries_.size() - 1);
  if (index != last) {
    // The last entry moves into the gap: repoint its slot.
    const size_t mask = slots_.size() - 1;
    size_t i = entries_[last].hash & mask;
    while (slots_[i].index != last) i = (i + 1) & mask;
    slots_[i].index = index;
    entries_[index] = std::move(entries_[last]);
  }
  entries_.pop_back();
  if (entries_.empty()) has_oldest_ = false;
}

size_t GroupTable::expire(Timestamp cutoff, Duration slack) {
  if (entries_.empty() || !has_oldest_ || cutoff <= oldest_touch_ ||
      saturating_sub(cutoff, slack) <= oldest_touch_) return 0;  // cutoff - oldest <= slack, without overflow
  std::vector<bool> doomed(entries_.size(), false);
  size_t dropped = 0;
  bool any = false;
  Timestamp oldest = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    Timestamp touched = entries_[i].window.touched_watermark;
    if (touched < cutoff) {
      doomed[i] = true;
      ++dropped;
      continue;
    }
    oldest = any ? std::min(oldest, touched) : touched;
    any = true;
  }
  if (dropped > 0) remove_entries(doomed);
  has_oldest_ = any;
  oldest_touch_ = oldest;
  return dropped;
}

size_t GroupTable::clear() {
  size_t dropped = entries_.size();
  for (const auto& entry : entries_) mark(entry.hash);
  shard_sizes_.fill(0);
  entries_.clear();
  slots_.clear();
  has_oldest_ = false;
  return dropped;
}

void GroupTable::mark_clean() {
  std::fill(dirty_.begin(), dirty_.end(), false);
  any_dirty_ = false;
}

std::vector<GroupTable::Shard> GroupTable::shards() const {
  std::vector<Shard> out(kShards);
  for (const auto& entry : entries_) out[shard_of(entry.hash)].push_back(&entry);
  return out;
}

void GroupTable::restore(std::string key, GroupWindow window) {
  erase(key);
  grow_if_needed();
  Entry& entry = entries_.emplace_back();
  entry.hash = hash_of(key);
  entry.key = std::move(key);
  entry.window = std::move(window);
  entry.window.touch_order = ++touch_clock_;
  entry.window.shard = static_cast<uint8_t>(shard_of(entry.hash));
  ++shard_sizes_[entry.window.shard];
  insert_slot(entry.hash, static_cast<uint32_t>(entries_.size() - 1));
  Timestamp touched = entry.window.touched_watermark;
  oldest_touch_ = has_oldest_ ? std::min(oldest_touch_, touched) : touched;
  has_oldest_ = true;
}

}  // namespace vigil::correlator
