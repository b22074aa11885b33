// ThresholdTable: per-scanner counters for `threshold` (limit / threshold / both) and
// `detection_filter`, keyed by rule and tracked address(es), windows measured on packet time.
// Owned by one Scanner. Thread contract: one thread.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "rule.h"
#include "u128.h"
#include "vigil/rules/packet.h"

namespace vigil::rules {

class ThresholdTable {
 public:
  // Records one match of `rule` (index `rule_index`) and says whether it may raise an alert.
  bool allow(uint32_t rule_index, const Rule& rule, const Packet& packet);

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
  struct Entry {
    Timestamp first = 0;
    Timestamp expires = 0;
    uint32_t count = 0;
    bool used = false;
  };
  static constexpr size_t kPruneAbove = 1 << 16;

  bool count(const ThresholdSpec& spec, Entry& entry, Timestamp now);
  void prune(Timestamp now);

  std::unordered_map<Key, Entry, KeyHash> entries_;
};

}  // namespace vigil::rules
