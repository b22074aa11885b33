// Sliding event-time windows per group for event_count, value_count and temporal rules, and the per-rule
// table of groups with least-recently-used eviction. Private to the module; owned by the Correlator's
// thread. Plain data on purpose: window_state.h encodes them for StateStore. The table is split into
// shards by key hash and remembers which shards changed, so persisting writes only those.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <set>
#include <string>
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

// The latest event per distinct value inside [newest - span, newest].
class DistinctWindow {
 public:
  void add(EventRef ref, const std::string& value, Timestamp cutoff);
  size_t count() const { return latest_.size(); }
  std::vector<EventRef> refs() const;            // sorted by time
  std::vector<std::string> values() const;       // in time order of their latest event
  // (value, latest event) in time order: what persisting a window needs.
  const std::set<std::pair<EventRef, std::string>>& entries() const { return by_time_; }

 private:
  std::unordered_map<std::string, EventRef> latest_;
  std::set<std::pair<EventRef, std::string>> by_time_;
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

enum class WindowKind : uint8_t { count = 0, distinct = 1, temporal = 2 };

struct GroupWindow {
  Timestamp newest = 0;             // newest event time counted in this group
  Timestamp touched_watermark = 0;  // the correlator's watermark when the group last counted an event
  std::variant<CountWindow, DistinctWindow, TemporalWindow> window;
  std::list<const std::string*>::iterator lru;  // position in GroupTable's recency list
};

// Groups of one rule by group key. Recency order equals touched_watermark order because the
// watermark only grows (the correlator clears every table when time jumps back).
class GroupTable {
 public:
  static constexpr size_t kShards = 64;
  using Shard = std::unordered_map<std::string, GroupWindow>;

  explicit GroupTable(size_t max_groups) : max_groups_(max_groups == 0 ? 1 : max_groups), shards_(kShards) {}

  GroupWindow* find(const std::string& key);
  // A new empty group; evicts the least recently touched group first when the table is full.
  // `evicted` is set to how many groups were evicted (0 or 1). `members`: temporal rules' member count.
  GroupWindow& create(const std::string& key, WindowKind kind, size_t members, size_t& evicted);
  void touch(const std::string& key, GroupWindow& group, Timestamp watermark);
  void erase(const std::string& key);
  // Drops groups last touched before `cutoff`; returns how many.
  size_t expire(Timestamp cutoff);
  // Drops every group; returns how many.
  size_t clear();
  size_t size() const { return size_; }

  // Persistence: shards changed since mark_clean(), a shard's groups, and restoring a group read back
  // (call in touched_watermark order, oldest first, so recency is rebuilt).
  static size_t shard_of(std::string_view key);
  const std::vector<bool>& dirty() const { return dirty_; }
  bool any_dirty() const { return any_dirty_; }
  void mark_clean();
  const Shard& shard(size_t index) const { return shards_[index]; }
  void restore(std::string key, GroupWindow window);

 private:
  void mark(size_t shard) {
    dirty_[shard] = true;
    any_dirty_ = true;
  }

  size_t max_groups_;
  std::vector<Shard> shards_;
  size_t size_ = 0;
  std::list<const std::string*> recency_;  // front: most recently touched; points at shard keys
  std::vector<bool> dirty_ = std::vector<bool>(kShards, false);
  bool any_dirty_ = false;
};

}  // namespace vigil::correlator
