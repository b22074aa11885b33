// ThresholdFilter: applies the `threshold` / `detection_filter` of a RuleSet's rules to alerts
// after detection, for a Scanner that was told to defer them (Scanner::set_defer_thresholds).
// Thresholds count by source, destination or rule across flows; when flows are spread over
// several workers, one filter over the merged alerts gives the counts one scanner would.
// Thread contract: one thread (where the workers' alerts are merged); the RuleSet may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "vigil/core/ip.h"
#include "vigil/core/time.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

class ThresholdTable;  // private: the counters

class ThresholdFilter {
 public:
  explicit ThresholdFilter(std::shared_ptr<const RuleSet> rules);
  ~ThresholdFilter();
  ThresholdFilter(const ThresholdFilter&) = delete;
  ThresholdFilter& operator=(const ThresholdFilter&) = delete;

  // Records one alert of rule (gid, sid) on a packet src -> dst at `time`; false when the rule's
  // threshold suppresses it. Rules without thresholds always pass.
  bool allow(uint32_t gid, uint32_t sid, const IpAddress& src, const IpAddress& dst, Timestamp time);

 private:
  std::shared_ptr<const RuleSet> rules_;
  std::unordered_map<uint64_t, uint32_t> thresholded_;  // (gid << 32 | sid) -> rule index
  std::unique_ptr<ThresholdTable> table_;
};

}  // namespace vigil::rules
