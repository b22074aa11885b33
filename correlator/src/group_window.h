// Sliding event-time windows per group for event_count, value_count and temporal rules, and the per-rule
// table of groups with least-recently-used eviction. Private to the module; owned by the Correlator's
// thread. Plain data on purpose: window_state.h encodes them for StateStore. The table is split into
// shards by key hash and remembers which shards changed, so persisting writes only those.
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/time.h"

namespace vigil::correlator {

// a - b without overflow, clamped to the Timestamp range.
Timestamp saturating_sub(Timestamp a, Duration b);

// Event references inside [newest - span, newest], sorted by time. Holds at most the rule's threshold
// in practice: the group is dropped when it fires.
class CountWindow {
 public:
  void add(EventRef ref, Timestamp cutoff);
  size_t count() const { return entries_.size() - head_; }
  std::vector<EventRef> refs() const { return {entries_.begin() + static_cast<std::ptrdiff_t>(head_), entries_.end()}; }

 private:
  void prune(Timestamp cutoff);
  std::vector<EventRef> entries_;  // sorted; [0, head_) already left the window
  size_t head_ = 0;
};

// The latest event per distinct value inside [newest - span, newest]. Values are told apart by a 64-bit
// hash (two different values colliding in one window would count once: about n^2 / 2^65 for n values,
// negligible next to the thresholds rules use). `order_` lists additions in time order; a value seen
// again supersedes its older entry (hash set to 0). The open-addressing table maps a hash to the entry
// of its latest event; a slot whose entry fell out of the window (index below head_) is dead and is
// reused or dropped at the next rebuild, so pruning only moves head_ and never touches the table.
// Value texts live in one buffer per window. Everything is rebuilt from the live entries when garbage
// outgrows them, so memory follows the distinct values, not the events; at 100,000 groups of 40 values
// a window is about 3 KB, and the fewer bytes per group, the fewer cache and TLB misses per event.
class DistinctWindow {
 public:
  void add(EventRef ref, std::string_view value, Timestamp cutoff);
  size_t count() const { return live_; }
  // (latest event, value) of every value in the window, in time order.
  std::vector<std::pair<EventRef, std::string>> entries() const;
  std::vector<EventRef> refs() const;       // sorted by time
  std::vector<std::string> values() const;  // in time order of their latest event

 private:
  struct Slot {
    uint32_t tag = 0;    // high half of the hash: most probes of other values stop here
    uint32_t index = 0;  // 1 + index into order_; 0: empty
  };
  struct Added {
    EventRef ref;
    uint64_t hash = 0;  // of the value; 0: superseded by a later event with the same value
    uint32_t text_at = 0;
    uint32_t text_size = 0;
  };
  static uint64_t hash_of(std::string_view value);
  std::string_view text_of(const Added& entry) const { return {text_.data() + entry.text_at, entry.text_size}; }
  // Both return the index the new entry got in order_.
  size_t append(EventRef ref, uint64_t hash, std::string_view value);
  size_t insert_sorted(EventRef ref, uint64_t hash, std::string_view value);
  void prune(Timestamp cutoff);
  void rebuild();  // drops dead and superseded entries, sizes the table for the live ones

  std::vector<Slot> table_;  // power of two, at most half occupied (dead slots count); linear probing
  size_t occupied_ = 0;      // slots in use, live or dead
  size_t live_ = 0;
  std::vector<Added> order_;  // sorted by ref; [0, head_) already left the window
  size_t head_ = 0;
  std::string text_;  // the values of order_'s entries, back to back
};

// The last `capacity` events inside [newest - span, newest] with their start times, for event_count rules
// with `interval_jitter_lte`: a beacon is judged by its latest check-ins, so older events are dropped as
// new ones arrive and memory stays at the threshold however busy the group is.
class IntervalWindow {
 public:
  struct Entry {
    EventRef ref;
    Timestamp start = 0;  // flow.start, or the event time for events that are not flows
  };

  IntervalWindow() = default;
  explicit IntervalWindow(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  void add(EventRef ref, Timestamp start, Timestamp cutoff);
  size_t count() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }
  // Coefficient of variation of the gaps between the sorted start times, and their mean; nullopt with
  // fewer than two gaps or a mean of zero (simultaneous starts are a burst, not a beacon).
  struct Regularity {
    double jitter = 0;
    Duration mean_interval = 0;
  };
  std::optional<Regularity> regularity() const;
  std::vector<EventRef> refs() const;  // sorted by time
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  size_t capacity_ = 1;
  std::vector<Entry> entries_;  // sorted by ref, at most capacity_
};

// The member rules of a temporal rule that fired for one group. One slot per member, in `rules:` order.
// Unordered: a slot holds the member's latest hit. Ordered: slot i holds the latest-starting chain of hits
// of members 0..i in order (its start time and refs), so a chain survives as long as possible.
class TemporalWindow {
 public:
  struct Slot {
    bool set = false;
    Timestamp start = 0;          // time of the chain's first hit (unordered: of this hit)
    std::vector<EventRef> chain;  // unordered: {this hit}; ordered: hits of members 0..i
  };

  TemporalWindow() = default;
  explicit TemporalWindow(size_t members) : slots_(members) {}
  // A hit of member `member` at `ref`; `span` is the rule's timespan. Returns true when the window is
  // now complete (every member within span; in order when `ordered`).
  bool hit(size_t member, EventRef ref, Duration span, bool ordered);
  // The hits of the complete window, sorted by time.
  std::vector<EventRef> refs(bool ordered) const;
  std::vector<Slot>& slots() { return slots_; }
  const std::vector<Slot>& slots() const { return slots_; }

 private:
  std::vector<Slot> slots_;
};

enum class WindowKind : uint8_t { count = 0, distinct = 1, temporal = 2, interval = 3 };

struct GroupWindow {
  Timestamp newest = 0;             // newest event time counted in this group
  Timestamp touched_watermark = 0;  // the correlator's watermark when the group last counted an event
  uint64_t touch_order = 0;         // GroupTable's counter at the last touch: exact recency for eviction
  uint8_t shard = 0;                // GroupTable::shard_of its key: which persisted value it lives in
  std::variant<CountWindow, DistinctWindow, TemporalWindow, IntervalWindow> window;
};

// Groups of one rule by group key: an open-addressing table of (hash, index) over a dense vector of
// entries. With 100,000 groups a lookup is then one miss in the slot array and one in the entry, where
// std::unordered_map plus a recency list cost five or six misses per event. No recency list: expiry
// sweeps the table once the oldest touch is `slack` past the cutoff, and a full table evicts its least
// recently touched 1/16 at once (nth_element on touch_order); both stay amortized O(1) per event.
// Pointers returned by find/create stay valid until the next create, erase, expire, clear or restore.
class GroupTable {
 public:
  static constexpr size_t kShards = 64;  // persistence unit (window_state.h): a key's shard is hash % 64
  struct Entry {
    std::string key;
    uint64_t hash = 0;
    GroupWindow window;
  };
  using Shard = std::vector<const Entry*>;

  explicit GroupTable(size_t max_groups) : max_groups_(max_groups == 0 ? 1 : max_groups) {}

  GroupWindow* find(const std::string& key);
  // A new empty group; when the table is full, evicts the least recently touched groups first (one,
  // or 1/16 of the table when that is more). `evicted` is set to how many. `size`: temporal rules'
  // member count, interval windows' capacity.
  GroupWindow& create(const std::string& key, WindowKind kind, size_t size, size_t& evicted);
  void touch(GroupWindow& group, Timestamp watermark);
  void erase(const std::string& key);
  // Drops groups last touched before `cutoff` once the oldest touch is more than `slack` before it (so a
  // sweep of the whole table happens at most once per `slack` of event time); returns how many.
  size_t expire(Timestamp cutoff, Duration slack = 0);
  // Drops every group; returns how many.
  size_t clear();
  size_t size() const { return entries_.size(); }

  // Persistence: shards changed since mark_clean(), the groups of every shard, and restoring a group
  // read back (call in touched_watermark order, oldest first, so recency is rebuilt).
  static uint64_t hash_of(std::string_view key);
  static size_t shard_of(uint64_t hash) { return hash % kShards; }
  const std::vector<bool>& dirty() const { return dirty_; }
  bool any_dirty() const { return any_dirty_; }
  void mark_clean();
  std::vector<Shard> shards() const;
  size_t shard_size(size_t shard) const { return shard_sizes_[shard]; }
  void restore(std::string key, GroupWindow window);

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  // 8 bytes: at 100,000 groups the slot array is 2 MB instead of 4, and the slot load is the one cache
  // miss every lookup pays. The low half of the hash is its home, so the table can grow to 2^32 slots.
  struct Slot {
    uint32_t tag = 0;         // low 32 bits of the key's hash
    uint32_t index = kEmpty;  // into entries_
  };

  void mark(uint64_t hash) { mark_shard(shard_of(hash)); }
  void mark_shard(size_t shard) {
    dirty_[shard] = true;
    any_dirty_ = true;
  }
  size_t find_slot(const std::string& key, uint64_t hash) const;  // slot of the key, or SIZE_MAX
  void insert_slot(uint64_t hash, uint32_t index);
  void erase_at(size_t slot);
  void rebuild_slots();
  void grow_if_needed();
  void remove_entries(const std::vector<bool>& doomed);  // keeps the others, rebuilds the slots
  void evict_oldest(size_t count);

  size_t max_groups_;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;  // power of two, at most half full; linear probing
  uint64_t touch_clock_ = 0;
  // A lower bound of every group's touched_watermark (exact after a sweep): expiry has nothing to do
  // while the cutoff has not passed it.
  Timestamp oldest_touch_ = 0;
  bool has_oldest_ = false;
  std::vector<bool> dirty_ = std::vector<bool>(kShards, false);
  bool any_dirty_ = false;
  std::array<uint32_t, kShards> shard_sizes_{};  // groups per shard, for the manifest without a scan
};

}  // namespace vigil::correlator
