// ScannerState: everything one Scanner reuses from packet to packet — Hyperscan scratch, the
// payload matcher (PCRE2 match data), threshold counters, and candidate/result vectors whose
// capacity is kept so the packet path does not allocate. Thread contract: one thread.
#pragma once

#include <cstdint>
#include <string>
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

  // Per packet, whether its source / destination is in each gate address set: 0 not yet known,
  // 1 in, 2 out; reset by bumping `gate_epoch` (entries of older packets count as unknown).
  std::vector<uint32_t> src_known, dst_known;
  std::vector<uint8_t> src_in, dst_in;
  uint32_t gate_epoch = 0;

  // Stream scanning.
  struct StreamHit {
    uint32_t id;
    uint64_t end;  // offset just past the occurrence, counted from the stream's (re)start
  };
  std::vector<StreamHit> stream_hits;        // first occurrence of each pattern in this scan call
  std::vector<uint32_t> stream_seen;         // per stream pattern id: the call epoch it last hit in
  uint32_t stream_epoch = 0;
  std::vector<uint32_t> lookback;            // rule indices that need history (see scan_stream)
  std::string stream_buffer;                 // history + data, built only when a candidate exists
};

}  // namespace vigil::rules
