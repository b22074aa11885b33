#include "vigil/rules/threshold_filter.h"

#include "rule_set_impl.h"
#include "threshold_table.h"

namespace vigil::rules {

ThresholdFilter::ThresholdFilter(std::shared_ptr<const RuleSet> rules)
    : rules_(std::move(rules)), table_(std::make_unique<ThresholdTable>()) {
  if (!rules_) return;
  const RuleSetImpl& impl = rules_->impl();
  for (uint32_t index = 0; index < impl.size(); ++index) {
    const Rule& rule = impl.rule(index);
    if (rule.thresholds.empty()) continue;
    const RuleInfo& info = impl.info(rule);
    thresholded_.emplace((uint64_t{info.gid} << 32) | info.sid, index);
  }
}

ThresholdFilter::~ThresholdFilter() = default;

bool ThresholdFilter::allow(uint32_t gid, uint32_t sid, const IpAddress& src, const IpAddress& dst, Timestamp time) {
  if (thresholded_.empty()) return true;
  auto it = thresholded_.find((uint64_t{gid} << 32) | sid);
  if (it == thresholded_.end()) return true;
  Packet packet;  // what the counters key on: addresses and time
  packet.timestamp = time;
  packet.src = src;
  packet.dst = dst;
  // by_flow thresholds were applied by the scanner that owns the flow.
  return table_->allow(it->second, rules_->impl().rule(it->second), packet, ThresholdTable::Scope::except_by_flow);
}

}  // namespace vigil::rules
