// RuleState: one correlation rule as the Correlator runs it: its group table, counters and, for temporal
// rules, where its members are. Private to the module; owned by the Correlator's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "group_window.h"
#include "vigil/correlator/correlation_rule.h"
#include "vigil/correlator/correlator.h"

namespace vigil::correlator {

struct RuleState {
  const CorrelationRule* rule = nullptr;
  GroupTable groups;
  RuleStats stats;
  WindowKind kind = WindowKind::count;
  std::vector<size_t> members;  // temporal: indexes of the member rules' states, in `rules:` order
  uint64_t fired_stamp = 0;     // events_seen of the last event this rule fired on (feeds temporal rules)

  RuleState(const CorrelationRule& r, size_t max_groups) : rule(&r), groups(max_groups) {
    stats.rule_id = r.id;
    kind = r.temporal() ? WindowKind::temporal
           : r.type == CorrelationType::value_count ? WindowKind::distinct
                                                     : WindowKind::count;
  }
  bool has_windows() const { return rule->windowed() || rule->temporal(); }
};

}  // namespace vigil::correlator
