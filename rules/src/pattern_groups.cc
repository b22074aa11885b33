#include "pattern_groups.h"

#include <algorithm>
#include <map>

#include "port_partition.h"

namespace vigil::rules {

// More distinct port lists than this per (class, direction) share one table: each table holds
// every port-less rule's pattern too, so tables cost compile time and memory.
constexpr size_t kMaxPortTables = 4;

Result<PatternGroups> PatternGroups::build(const std::vector<Rule>& rules, const std::vector<FastPattern>& patterns,
                                           const std::vector<RuleGate>& gates, HsDatabaseCache& cache) {
  PatternGroups groups;
  // Stream-only rules never match packets (Scanner::scan skips them): their patterns stay out.
  std::vector<uint32_t> items;       // pattern numbers that go into block tables
  std::vector<uint32_t> item_rules;  // their rules
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    if (rules[patterns[i].rule].stream == StreamMode::stream_only) continue;
    items.push_back(i);
    item_rules.push_back(patterns[i].rule);
  }
  std::map<std::vector<uint32_t>, int32_t> known;  // item list -> table, so equal sides share one
  // `port_groups`: the partition's groups when `members` is its shared set, else null. A table
  // met again keeps the groups of its first build (`grouped` says whether it has them).
  auto table_of = [&](const std::vector<uint32_t>& members, const std::vector<std::vector<uint32_t>>* port_groups,
                      bool& grouped) -> Result<int32_t> {
    auto [it, inserted] = known.try_emplace(members, static_cast<int32_t>(groups.tables_.size()));
    grouped = false;
    if (!inserted) return it->second;
    PatternTableBuilder builder(HS_FLAG_SINGLEMATCH, true);  // a packet needs each fast pattern once
    for (uint32_t m : members) {
      const FastPattern& fp = patterns[items[m]];
      uint32_t in_groups = PatternTable::kAllGroups;
      if (port_groups != nullptr) {
        in_groups = 0;
        for (size_t g = 0; g < port_groups->size(); ++g) {
          if (std::binary_search((*port_groups)[g].begin(), (*port_groups)[g].end(), m)) in_groups |= 1u << g;
        }
      }
      builder.add(fp.bytes, fp.nocase, fp.rule, in_groups);
    }
    auto table = builder.build(cache, HS_MODE_BLOCK);
    if (!table) return fail(table.error());
    table->gates.reserve(table->rules.size());
    for (uint32_t rule : table->rules) table->gates.push_back(gates[rule]);
    grouped = port_groups != nullptr && table->ids_are_spans;
    groups.tables_.push_back(std::move(*table));
    return it->second;
  };
  for (uint8_t cls = 0; cls < kProtoClasses; ++cls) {
    for (int dir = 0; dir < 2; ++dir) {
      const PortPartition part = partition_by_server_port(rules, item_rules, cls, dir, kMaxPortTables);
      std::vector<int32_t> table_ids;
      bool shared_grouped = false;
      for (size_t s = 0; s < part.sets.size(); ++s) {
        const bool shared = static_cast<int32_t>(s) == part.shared;
        bool grouped = false;
        auto id = table_of(part.sets[s], shared ? &part.group_items : nullptr, grouped);
        if (!id) return fail(id.error());
        if (shared) shared_grouped = grouped;
        table_ids.push_back(*id);
      }
      groups.class_table_[cls][dir] = part.whole < 0 ? -1 : table_ids[static_cast<size_t>(part.whole)];
      if (cls == kProtoClassTcp || cls == kProtoClassUdp) {
        std::vector<int32_t>& by_port = groups.port_table_[cls][dir];
        std::vector<uint32_t>& filter = groups.port_filter_[cls][dir];
        by_port.resize(0x10000);
        filter.assign(0x10000, 0);
        for (size_t p = 0; p < 0x10000; ++p) {
          const int32_t set = part.set_of_port[p];
          by_port[p] = set < 0 ? -1 : table_ids[static_cast<size_t>(set)];
          if (shared_grouped && set == part.shared) filter[p] = PatternTable::group_filter(part.group_of_port[p]);
        }
      }
    }
  }
  return groups;
}

size_t PatternGroups::database_bytes() const {
  size_t total = 0;
  for (const PatternTable& t : tables_) total += t.database.size_bytes();
  return total;
}

}  // namespace vigil::rules
