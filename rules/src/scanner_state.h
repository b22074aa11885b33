// ScannerState: everything one Scanner reuses from packet to packet — Hyperscan scratch, the
// payload matcher (PCRE2 match data), threshold counters, and candidate/result vectors whose
// capacity is kept so the packet path does not allocate. Thread contract: one thread.
#pragma once

#include <cstdint>
#include <vector>

#include "hs_database.h"
#include "payload_matcher.h"
#include "threshold_table.h"
#include "vigil/rules/rule_info.h"

namespace vigil::rules {

class ScannerState {
 public:
  HsScratch scratch;
  bool scratch_ready = false;
  PayloadMatcher payload;
  ThresholdTable thresholds;
  std::vector<uint32_t> hits;        // Hyperscan pattern ids of this packet
  std::vector<uint32_t> candidates;  // rule indices to verify
  std::vector<const RuleInfo*> matched;
};

}  // namespace vigil::rules
