#include "pattern_table.h"

namespace vigil::rules {

void PatternTableBuilder::add(const std::string& bytes, bool nocase, uint32_t rule_index, uint32_t groups) {
  std::string key = bytes;
  key.push_back(nocase ? 'i' : 'c');
  auto [it, inserted] = ids_.try_emplace(std::move(key), static_cast<unsigned>(literals_.size()));
  if (inserted) {
    unsigned flags = flags_;
    if (nocase) flags |= HS_FLAG_CASELESS;
    literals_.push_back({bytes, flags, it->second});
    rules_of_.emplace_back();
    groups_of_.push_back(0);
  }
  rules_of_[it->second].push_back(rule_index);
  groups_of_[it->second] |= groups & PatternTable::kAllGroups;
}

Result<PatternTable> PatternTableBuilder::build(HsDatabaseCache& cache, unsigned mode) const {
  PatternTable table;
  table.offsets.reserve(rules_of_.size() + 1);
  table.offsets.push_back(0);
  for (const auto& list : rules_of_) {
    table.rules.insert(table.rules.end(), list.begin(), list.end());
    table.offsets.push_back(static_cast<uint32_t>(table.rules.size()));
  }
  for (const HsLiteral& l : literals_) table.lengths.push_back(static_cast<uint32_t>(l.bytes.size()));
  if (literals_.empty()) return table;
  table.ids_are_spans = ids_locate_rules_ && table.rules.size() <= PatternTable::kSpanFirstMask;
  for (size_t id = 0; table.ids_are_spans && id < rules_of_.size(); ++id) {
    table.ids_are_spans = rules_of_[id].size() <= PatternTable::kSpanCountMask;
  }
  std::vector<HsLiteral> reported = literals_;
  if (table.ids_are_spans) {
    for (HsLiteral& l : reported) {
      const uint32_t first = table.offsets[l.id];
      l.id = groups_of_[l.id] << PatternTable::kSpanGroupShift | first << PatternTable::kSpanCountBits |
             (table.offsets[l.id + 1] - first);
    }
  }
  auto db = cache.load_or_compile(reported, mode);
  if (!db) return fail(db.error());
  table.database = std::move(*db);
  return table;
}

}  // namespace vigil::rules
