// PatternTable: one Hyperscan literal database and, for each of its pattern ids, the rules whose
// fast pattern it is. PatternTableBuilder collects the patterns (identical (bytes, caseless)
// patterns share one id) and compiles them, through the database cache.
// Thread contract: PatternTable is immutable once built and shared by scanners; the builder is
// used on the load path only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "hs_database.h"
#include "hs_database_cache.h"
#include "rule_gate.h"
#include "vigil/core/result.h"

namespace vigil::rules {

struct PatternTable {
  HsDatabase database;            // none when the table is empty
  std::vector<uint32_t> offsets;  // pattern id -> [offsets[id], offsets[id+1]) in rules
  std::vector<uint32_t> rules;
  std::vector<uint32_t> lengths;  // bytes of each pattern
  std::vector<RuleGate> gates;    // block tables: rules as their gates (filled by PatternGroups)
  // Built with ids_locate_rules: the id Hyperscan reports is the pattern's rule span itself
  // (groups << 22 | first << 8 | count), so a hit finds its gates with one read instead of two
  // dependent ones. `groups` are the port groups (PortPartition) whose ports some rule of the
  // pattern can apply to (all ten bits in a table without groups): a scanner skips a hit outside
  // the packet's group without reading its gates.
  bool ids_are_spans = false;

  std::span<const uint32_t> pattern_rules(unsigned id) const {
    return {rules.data() + offsets[id], offsets[id + 1] - offsets[id]};
  }
  GatedRules gated_pattern_rules(unsigned id) const {
    return {gates.data() + offsets[id], offsets[id + 1] - offsets[id]};
  }
  // The gates of the rules of the pattern Hyperscan reported as `hs_id`.
  GatedRules gated_hit_rules(unsigned hs_id) const {
    if (ids_are_spans) {
      return {gates.data() + ((hs_id >> kSpanCountBits) & kSpanFirstMask), hs_id & kSpanCountMask};
    }
    return gated_pattern_rules(hs_id);
  }
  static constexpr unsigned kSpanCountBits = 8;
  static constexpr unsigned kSpanCountMask = (1u << kSpanCountBits) - 1;
  static constexpr unsigned kSpanFirstBits = 14;
  static constexpr unsigned kSpanFirstMask = (1u << kSpanFirstBits) - 1;
  static constexpr unsigned kSpanGroupShift = kSpanCountBits + kSpanFirstBits;
  static constexpr uint32_t kAllGroups = (1u << (32 - kSpanGroupShift)) - 1;
  // The bits of a span id that say the pattern concerns port group `group`.
  static constexpr uint32_t group_filter(unsigned group) { return uint32_t{1} << (kSpanGroupShift + group); }
  size_t pattern_count() const { return lengths.size(); }
};

class PatternTableBuilder {
 public:
  // `ids_locate_rules`: Hyperscan reports each pattern by its rule span (PatternTable::ids_are_spans)
  // when every span fits (fewer than 256 rules per pattern, fewer than 2^14 in the table).
  explicit PatternTableBuilder(unsigned flags, bool ids_locate_rules = false)
      : flags_(flags), ids_locate_rules_(ids_locate_rules) {}

  // `groups`: the port groups the rule can apply to (bit i: group i; see PatternTable::ids_are_spans).
  void add(const std::string& bytes, bool nocase, uint32_t rule_index, uint32_t groups = PatternTable::kAllGroups);
  bool empty() const { return literals_.empty(); }
  const std::vector<HsLiteral>& literals() const { return literals_; }

  // An empty table compiles to no database.
  Result<PatternTable> build(HsDatabaseCache& cache, unsigned mode) const;

 private:
  unsigned flags_;
  bool ids_locate_rules_;
  std::unordered_map<std::string, unsigned> ids_;
  std::vector<HsLiteral> literals_;
  std::vector<std::vector<uint32_t>> rules_of_;
  std::vector<uint32_t> groups_of_;  // per pattern id: the union of its rules' groups
};

}  // namespace vigil::rules
