#include "pattern_groups.h"

#include <algorithm>
#include <map>

namespace vigil::rules {

// More distinct port lists than this per (class, direction) share one "rest" table: each table
// holds every port-less rule too, so tables cost compile time and memory.
constexpr size_t kMaxPortTables = 4;

class PatternGroupsBuilder {
 public:
  PatternGroupsBuilder(PatternGroups& out, const std::vector<Rule>& rules,
                       const std::vector<PatternGroups::FastPattern>& patterns, HsDatabaseCache& cache)
      : out_(out), rules_(rules), patterns_(patterns), cache_(cache) {}

  Result<void> build_side(uint8_t cls, int dir) {
    const bool portful = cls == kProtoClassTcp || cls == kProtoClassUdp;
    std::vector<uint32_t> wide;  // patterns whose rules accept any server port
    struct Event {
      uint32_t port;
      uint32_t pattern;
      bool open;
    };
    std::vector<Event> events;
    for (uint32_t i = 0; i < patterns_.size(); ++i) {
      const Rule& rule = rules_[patterns_[i].rule];
      if ((rule.protos & (1u << cls)) == 0 || rule.stream == StreamMode::stream_only) continue;
      if (rule.flow.direction != 0 && (rule.flow.direction > 0) != (dir == 0)) continue;
      if (!portful) {
        wide.push_back(i);
        continue;
      }
      // The server-side port: destination of to-server packets, source of to-client ones; a `<>`
      // rule may see either of its port lists there.
      const PortSet& server = dir == 0 ? rule.dst_ports : rule.src_ports;
      const PortSet& client = dir == 0 ? rule.src_ports : rule.dst_ports;
      if (server.is_any() || (rule.bidirectional && client.is_any())) {
        wide.push_back(i);
        continue;
      }
      RangeSet<uint16_t> ports = server.ranges();
      if (rule.bidirectional) ports.add_all(client.ranges());
      ports.normalize();
      for (const auto& r : ports.ranges()) {
        events.push_back({r.lo, i, true});
        events.push_back({static_cast<uint32_t>(r.hi) + 1, i, false});
      }
    }
    if (!portful) {
      auto table = table_of(wide);
      if (!table) return fail(table.error());
      out_.class_table_[cls][dir] = *table;
      return ok();
    }

    // Sweep the port space: each stretch of ports with the same port-specific patterns.
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.port < b.port; });
    struct Stretch {
      uint32_t lo, hi;
      size_t set;
    };
    std::vector<Stretch> stretches;
    std::map<std::vector<uint32_t>, size_t> set_ids;
    std::vector<const std::vector<uint32_t>*> sets;
    std::vector<uint32_t> set_ports;
    std::vector<uint32_t> active;
    uint32_t at = 0;
    size_t e = 0;
    while (at <= 0xffff) {
      for (; e < events.size() && events[e].port == at; ++e) {
        auto it = std::lower_bound(active.begin(), active.end(), events[e].pattern);
        if (events[e].open) active.insert(it, events[e].pattern);
        else if (it != active.end() && *it == events[e].pattern) active.erase(it);
      }
      const uint32_t next = e < events.size() ? std::min<uint32_t>(events[e].port, 0x10000) : 0x10000;
      auto [it, inserted] = set_ids.try_emplace(active, sets.size());
      if (inserted) {
        sets.push_back(&it->first);
        set_ports.push_back(0);
      }
      set_ports[it->second] += next - at;
      stretches.push_back({at, next - 1, it->second});
      at = next;
    }

    // Too many distinct lists: the ones covering the most ports keep their own table, the rest
    // share one that holds all of their patterns.
    std::vector<size_t> order(sets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return set_ports[a] > set_ports[b]; });
    std::vector<int32_t> table_of_set(sets.size(), -1);
    std::vector<uint32_t> rest;
    for (size_t rank = 0; rank < order.size(); ++rank) {
      const std::vector<uint32_t>& set = *sets[order[rank]];
      if (rank + 1 < kMaxPortTables || order.size() <= kMaxPortTables) {
        auto table = table_of(merged(wide, set));
        if (!table) return fail(table.error());
        table_of_set[order[rank]] = *table;
      } else {
        rest = merged(rest, set);
      }
    }
    if (order.size() > kMaxPortTables) {
      auto table = table_of(merged(wide, rest));
      if (!table) return fail(table.error());
      for (size_t rank = kMaxPortTables - 1; rank < order.size(); ++rank) table_of_set[order[rank]] = *table;
    }
    std::vector<int32_t>& by_port = out_.port_table_[cls][dir];
    by_port.assign(0x10000, -1);
    for (const Stretch& s : stretches) {
      std::fill(by_port.begin() + s.lo, by_port.begin() + s.hi + 1, table_of_set[s.set]);
    }
    return ok();
  }

 private:
  static std::vector<uint32_t> merged(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
    std::vector<uint32_t> out;
    out.reserve(a.size() + b.size());
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
  }

  // The table of exactly these patterns (built once; -1 for none).
  Result<int32_t> table_of(const std::vector<uint32_t>& members) {
    if (members.empty()) return -1;
    auto [it, inserted] = known_.try_emplace(members, static_cast<int32_t>(out_.tables_.size()));
    if (!inserted) return it->second;
    PatternTableBuilder builder(HS_FLAG_SINGLEMATCH);  // a packet needs each fast pattern once
    for (uint32_t m : members) builder.add(patterns_[m].bytes, patterns_[m].nocase, patterns_[m].rule);
    auto table = builder.build(cache_, HS_MODE_BLOCK);
    if (!table) return fail(table.error());
    out_.tables_.push_back(std::move(*table));
    return it->second;
  }

  PatternGroups& out_;
  const std::vector<Rule>& rules_;
  const std::vector<PatternGroups::FastPattern>& patterns_;
  HsDatabaseCache& cache_;
  std::map<std::vector<uint32_t>, int32_t> known_;
};

Result<PatternGroups> PatternGroups::build(const std::vector<Rule>& rules, const std::vector<FastPattern>& patterns,
                                           HsDatabaseCache& cache) {
  PatternGroups groups;
  PatternGroupsBuilder builder(groups, rules, patterns, cache);
  for (uint8_t cls = 0; cls < kProtoClasses; ++cls) {
    groups.class_table_[cls] = {-1, -1};
    for (int dir = 0; dir < 2; ++dir) {
      if (auto r = builder.build_side(cls, dir); !r) return fail(r.error());
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
