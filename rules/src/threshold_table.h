// ThresholdTable: per-scanner counters for `threshold` (limit / threshold / both / backoff) and
// `detection_filter`, keyed by rule and tracked address(es), windows measured on packet time.
// `track by_flow` counters live in the packet's FlowState instead (they die with the flow).
// Owned by one Scanner or ThresholdFilter. Thread contract: one thread.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "rule.h"
#include "u128.h"
#include "vigil/rules/flow_state.h"
#include "vigil/rules/packet.h"

namespace vigil::rules {

class ThresholdTable {
 public:
  // Which of a rule's thresholds a call applies. A Scanner that defers thresholds to a
  // ThresholdFilter still applies the by_flow ones: a flow and its counters belong to one worker.
  enum class Scope : uint8_t { all, by_flow_only, except_by_flow };

  // Records one match of `rule` (index `rule_index`) and says whether it may raise an alert.
  bool allow(uint32_t rule_index, const Rule& rule, const Packet& packet, Scope scope = Scope::all);

 private:
  struct Key {
    uint32_t rule = 0;
    uint8_t spec = 0;
    U128 a;
    U128 b;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h = k.rule * 0x9E3779B97F4A7C15ULL ^ k.spec;
      for (uint64_t v : {k.a.hi, k.a.lo, k.b.hi, k.b.lo}) h = (h ^ v) * 0x100000001B3ULL;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  static constexpr size_t kPruneAbove = 1 << 16;

  void prune(Timestamp now);

  std::unordered_map<Key, ThresholdCounter, KeyHash> entries_;
};

// Counts one match on `counter` under `spec` at `now`; true when it may alert (Suricata's rules for
// each type).
bool count_threshold(const ThresholdSpec& spec, ThresholdCounter& counter, Timestamp now);

}  // namespace vigil::rules
