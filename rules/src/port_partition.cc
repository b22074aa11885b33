#include "port_partition.h"

#include <algorithm>
#include <iterator>
#include <map>

namespace vigil::rules {
namespace {

std::vector<uint32_t> merged(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

PortPartition partition_by_server_port(const std::vector<Rule>& rules, const std::vector<uint32_t>& item_rules,
                                       uint8_t cls, int dir, size_t max_sets) {
  PortPartition out;
  const bool portful = cls == kProtoClassTcp || cls == kProtoClassUdp;
  std::vector<uint32_t> wide;  // items whose rules accept any server port
  struct Event {
    uint32_t port;
    uint32_t item;
    bool open;
  };
  std::vector<Event> events;
  for (uint32_t i = 0; i < item_rules.size(); ++i) {
    const Rule& rule = rules[item_rules[i]];
    if ((rule.protos & (1u << cls)) == 0) continue;
    if (rule.flow.direction != 0 && (rule.flow.direction > 0) != (dir == 0)) continue;
    if (!portful) {
      wide.push_back(i);
      continue;
    }
    // A `<>` rule may see either of its port lists on the server side.
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
    if (!wide.empty()) {
      out.whole = 0;
      out.sets.push_back(std::move(wide));
    }
    return out;
  }

  // Sweep the port space: stretches of ports with the same port-specific items.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.port < b.port; });
  struct Stretch {
    uint32_t lo, hi;
    size_t set;
  };
  std::vector<Stretch> stretches;
  std::map<std::vector<uint32_t>, size_t> ids;
  std::vector<const std::vector<uint32_t>*> specific;
  std::vector<uint32_t> ports_of;
  std::vector<uint32_t> active;
  size_t e = 0;
  for (uint32_t at = 0; at <= 0xffff;) {
    for (; e < events.size() && events[e].port == at; ++e) {
      auto it = std::lower_bound(active.begin(), active.end(), events[e].item);
      if (events[e].open) active.insert(it, events[e].item);
      else if (it != active.end() && *it == events[e].item) active.erase(it);
    }
    const uint32_t next = e < events.size() ? std::min<uint32_t>(events[e].port, 0x10000) : 0x10000;
    auto [it, inserted] = ids.try_emplace(active, specific.size());
    if (inserted) {
      specific.push_back(&it->first);
      ports_of.push_back(0);
    }
    ports_of[it->second] += next - at;
    stretches.push_back({at, next - 1, it->second});
    at = next;
  }

  std::vector<size_t> order(specific.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ports_of[a] > ports_of[b]; });
  const size_t own = order.size() <= max_sets ? order.size() : max_sets - 1;
  std::vector<int32_t> final_set(specific.size(), -1);
  std::map<std::vector<uint32_t>, int32_t> dedupe;
  auto add_set = [&](std::vector<uint32_t> members) -> int32_t {
    if (members.empty()) return -1;
    auto [it, inserted] = dedupe.try_emplace(members, static_cast<int32_t>(out.sets.size()));
    if (inserted) out.sets.push_back(std::move(members));
    return it->second;
  };
  for (size_t rank = 0; rank < own; ++rank) final_set[order[rank]] = add_set(merged(wide, *specific[order[rank]]));
  std::vector<int32_t> group_of_set(specific.size(), -1);
  if (own < order.size()) {
    std::vector<uint32_t> rest = wide;
    for (size_t rank = own; rank < order.size(); ++rank) rest = merged(rest, *specific[order[rank]]);
    const size_t sets_before = out.sets.size();
    const int32_t shared = add_set(std::move(rest));
    for (size_t rank = own; rank < order.size(); ++rank) final_set[order[rank]] = shared;
    // Groups only for a set of its own (equal to a kept list, its ports would lack a group). The
    // lists with the most items get a group each, the others share the last: a hit on a pattern
    // of a big list is then skipped on every other group's ports.
    if (shared >= 0 && out.sets.size() > sets_before) {
      std::vector<size_t> by_items(order.begin() + static_cast<std::ptrdiff_t>(own), order.end());
      std::stable_sort(by_items.begin(), by_items.end(),
                       [&](size_t a, size_t b) { return specific[a]->size() > specific[b]->size(); });
      out.shared = shared;
      out.group_items.assign(std::min(by_items.size(), PortPartition::kMaxPortGroups), wide);
      for (size_t rank = 0; rank < by_items.size(); ++rank) {
        const size_t group = std::min(rank, PortPartition::kMaxPortGroups - 1);
        group_of_set[by_items[rank]] = static_cast<int32_t>(group);
        out.group_items[group] = merged(out.group_items[group], *specific[by_items[rank]]);
      }
    }
  }
  out.set_of_port.assign(0x10000, -1);
  if (out.shared >= 0) out.group_of_port.assign(0x10000, 0);
  for (const Stretch& s : stretches) {
    std::fill(out.set_of_port.begin() + s.lo, out.set_of_port.begin() + s.hi + 1, final_set[s.set]);
    if (group_of_set[s.set] >= 0) {
      std::fill(out.group_of_port.begin() + s.lo, out.group_of_port.begin() + s.hi + 1,
                static_cast<uint8_t>(group_of_set[s.set]));
    }
  }
  return out;
}

RuleLists RuleLists::build(const std::vector<Rule>& rules, const std::vector<uint32_t>& members,
                           const std::vector<RuleGate>& gates) {
  RuleLists out;
  std::map<std::vector<uint32_t>, int32_t> dedupe;
  auto list_of = [&](const std::vector<uint32_t>& items) -> int32_t {
    std::vector<uint32_t> list;
    list.reserve(items.size());
    for (uint32_t item : items) list.push_back(members[item]);
    auto [it, inserted] = dedupe.try_emplace(std::move(list), static_cast<int32_t>(out.lists_.size()));
    if (inserted) {
      std::vector<RuleGate>& gated = out.lists_.emplace_back();
      for (uint32_t rule : it->first) gated.push_back(gates[rule]);
    }
    return it->second;
  };
  // Plain lists cost no compilation: every distinct port list keeps its own.
  constexpr size_t kUnlimited = SIZE_MAX;
  for (uint8_t cls = 0; cls < kProtoClasses; ++cls) {
    for (int dir = 0; dir < 2; ++dir) {
      PortPartition part = partition_by_server_port(rules, members, cls, dir, kUnlimited);
      std::vector<int32_t> list_ids;
      for (const auto& set : part.sets) list_ids.push_back(list_of(set));
      out.class_list_[cls][dir] = part.whole < 0 ? -1 : list_ids[static_cast<size_t>(part.whole)];
      if (cls == kProtoClassTcp || cls == kProtoClassUdp) {
        std::vector<int32_t>& by_port = out.port_list_[cls][dir];
        by_port.resize(0x10000);
        for (size_t p = 0; p < 0x10000; ++p) {
          const int32_t set = part.set_of_port[p];
          by_port[p] = set < 0 ? -1 : list_ids[static_cast<size_t>(set)];
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::rules
