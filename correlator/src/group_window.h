// Sliding event-time windows per group for event_count and value_count rules, and the per-rule table
// of groups with least-recently-used eviction. Private to the module; owned by the Correlator's thread.
// Plain data on purpose: a later issue persists windows through StateStore.
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

 private:
  std::unordered_map<std::string, EventRef> latest_;
  std::set<std::pair<EventRef, std::string>> by_time_;
};

struct GroupWindow {
  Timestamp newest = 0;             // newest event time counted in this group
  Timestamp touched_watermark = 0;  // the correlator's watermark when the group last counted an event
  std::variant<CountWindow, DistinctWindow> window;
  std::list<const std::string*>::iterator lru;  // position in GroupTable's recency list
};

// Groups of one rule by group key. Recency order equals touched_watermark order because the
// watermark only grows (the correlator clears every table when time jumps back).
class GroupTable {
 public:
  explicit GroupTable(size_t max_groups) : max_groups_(max_groups == 0 ? 1 : max_groups) {}

  GroupWindow* find(const std::string& key);
  // A new empty group; evicts the least recently touched group first when the table is full.
  // `evicted` is set to how many groups were evicted (0 or 1).
  GroupWindow& create(const std::string& key, bool distinct, size_t& evicted);
  void touch(GroupWindow& group, Timestamp watermark);
  void erase(const std::string& key);
  // Drops groups last touched before `cutoff`; returns how many.
  size_t expire(Timestamp cutoff);
  // Drops every group; returns how many.
  size_t clear();
  size_t size() const { return groups_.size(); }

 private:
  size_t max_groups_;
  std::unordered_map<std::string, GroupWindow> groups_;
  std::list<const std::string*> recency_;  // front: most recently touched; points at groups_ keys
};

}  // namespace vigil::correlator
