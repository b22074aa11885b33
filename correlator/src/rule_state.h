// RuleState: one correlation rule as the Correlator runs it: its group table, counters and, for temporal
// rules, where its members are. Private to the module; owned by the Correlator's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "field_text.h"
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
  std::vector<FastField> group_fields;  // rule->group_by, resolved once (field_text.h)
  FastField value_field = FastField::other;

  RuleState(const CorrelationRule& r, size_t max_groups) : rule(&r), groups(max_groups) {
    stats.rule_id = r.id;
    for (const auto& field : r.group_by) group_fields.push_back(fast_field_of(field));
    value_field = fast_field_of(r.value_field);
    kind = r.temporal() ? WindowKind::temporal
           : r.type == CorrelationType::value_count ? WindowKind::distinct
           : r.condition.periodic()                 ? WindowKind::interval
                                                     : WindowKind::count;
  }
  // What GroupTable::create needs to size a new window: member slots or the events an interval keeps.
  size_t window_size() const {
    return kind == WindowKind::interval ? static_cast<size_t>(rule->condition.threshold()) : rule->member_rules.size();
  }
  bool has_windows() const { return rule->windowed() || rule->temporal(); }
};

}  // namespace vigil::correlator
