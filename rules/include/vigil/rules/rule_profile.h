// RuleProfile: optional per-rule cost counters a Scanner fills while it is set
// (Scanner::set_profile), for `vigil rules stats`. One profile per Scanner (worker thread); the
// caller merges workers' profiles with merge() (plain addition). Entries follow RuleSet::rules()
// (load order): entry i is rules()[i] of the set the profile was used with.
// Thread contract: written by the one thread of the Scanner it is set on; read or merged only
// while no Scanner writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vigil::rules {

struct RuleCounters {
  // Times the rule was fully checked: it passed its gate (protocol, direction, flow state, simple
  // ports and addresses) after a fast-pattern hit, or as a candidate without a fast pattern
  // (port lists, address indexes, IP-only on a flow direction's first packet), or as a stream
  // candidate. Rules the gate turns away cost next to nothing and are not counted.
  uint64_t checks = 0;
  // Times every condition held and its threshold let it through: the alerts it raised (with
  // thresholds deferred to a ThresholdFilter, before that filter). `noalert` and `pass` rules
  // count their matches too; a `pass` match silences the packet's other alerts.
  uint64_t matches = 0;
  // Wall time spent checking it (steady clock around each check, so a few tens of ns of clock
  // reading are included per check); a relative figure for finding the expensive rules.
  uint64_t nanoseconds = 0;

  RuleCounters& operator+=(const RuleCounters& other) {
    checks += other.checks;
    matches += other.matches;
    nanoseconds += other.nanoseconds;
    return *this;
  }
};

class RuleProfile {
 public:
  RuleProfile() = default;
  explicit RuleProfile(size_t rule_count) : counters_(rule_count) {}

  size_t size() const { return counters_.size(); }
  std::span<const RuleCounters> counters() const { return counters_; }
  const RuleCounters& operator[](size_t rule) const { return counters_[rule]; }
  RuleCounters& operator[](size_t rule) { return counters_[rule]; }

  // Grows to `rule_count` entries (never shrinks); Scanner::set_profile calls it with its set's size.
  void ensure_size(size_t rule_count) {
    if (counters_.size() < rule_count) counters_.resize(rule_count);
  }
  // Adds another worker's counters, entry by entry (grows to the larger size).
  void merge(const RuleProfile& other) {
    ensure_size(other.size());
    for (size_t i = 0; i < other.counters_.size(); ++i) counters_[i] += other.counters_[i];
  }
  void clear() { counters_.assign(counters_.size(), RuleCounters{}); }

 private:
  std::vector<RuleCounters> counters_;
};

}  // namespace vigil::rules
