// ScannerState: everything one Scanner reuses from packet to packet — Hyperscan scratch, the
// payload matcher (PCRE2 match data), threshold counters, and candidate/result vectors whose
// capacity is kept so the packet path does not allocate. Thread contract: one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hs_database.h"
#include "payload_matcher.h"
#include "threshold_table.h"
#include "u128.h"
#include "vigil/rules/rule_info.h"

namespace vigil::rules {

class ScannerState {
 public:
  HsScratch scratch;
  bool scratch_ready = false;
  PayloadMatcher payload;
  ThresholdTable thresholds;
  std::vector<uint32_t> hits;        // room for one Hyperscan id per pattern of the largest block table
  std::vector<uint32_t> candidates;  // rule indices to verify
  std::vector<const RuleInfo*> matched;

  // Which gate address sets (RuleSetImpl::gate_address_sets, at most 64) an address is in, learnt
  // lazily as candidates ask. Keyed by the address, not the packet: membership depends only on the
  // address, and the two memos keep both ends of the current flow, so the packets of a flow (either
  // direction) test each set once instead of once per packet.
  struct AddressMemo {
    U128 address;
    uint64_t known = 0;  // bit i: set i has been tested
    uint64_t in = 0;     // bit i: the address is in set i (meaningful where known)
    bool valid = false;
  };
  std::array<AddressMemo, 2> address_memos;

  // The memo of `address`, reusing one that holds it, else taking the slot that does not hold
  // `other` (the packet's other address, which may already be memoised).
  AddressMemo& memo_for(const U128& address, const U128& other) {
    for (AddressMemo& memo : address_memos) {
      if (memo.valid && memo.address == address) return memo;
    }
    AddressMemo& slot =
        address_memos[0].valid && address_memos[0].address == other ? address_memos[1] : address_memos[0];
    slot = AddressMemo{};
    slot.address = address;
    slot.valid = true;
    return slot;
  }

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
