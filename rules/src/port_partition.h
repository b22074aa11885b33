// Splitting rules as Suricata's signature group heads do: for one protocol class and flow
// direction, the rules that can apply, and for TCP and UDP which of them can apply to each
// server-side port (the destination port of a to-server packet, the source port of a to-client
// one; every matching rule's port list contains it). PatternGroups uses it for the fast-pattern
// databases, RuleLists for the rules without a fast pattern. Thread contract: load path only;
// RuleLists is immutable after build() and shared by scanners.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "rule.h"
#include "rule_gate.h"
#include "vigil/rules/packet.h"

namespace vigil::rules {

struct PortPartition {
  std::vector<std::vector<uint32_t>> sets;  // distinct lists of item numbers, each sorted
  std::vector<int32_t> set_of_port;         // TCP/UDP: 65536 entries, -1 for an empty list
  int32_t whole = -1;                       // other classes: the one list, -1 when empty
  // The set shared by the port lists past max_sets - 1 (-1 when there is none): its ports fall in
  // at most kMaxPortGroups groups, each with the items that can apply to a port of the group, so
  // a scanner can skip a hit whose items all belong to other groups' ports.
  static constexpr size_t kMaxPortGroups = 10;
  int32_t shared = -1;
  std::vector<uint8_t> group_of_port;            // 65536 entries when shared >= 0
  std::vector<std::vector<uint32_t>> group_items;  // per group, sorted: a subset of sets[shared]
};

// `item_rules[i]` is the rule of item i. With more than `max_sets` distinct port lists, the lists
// covering the most ports keep their own and the others share the union of theirs.
PortPartition partition_by_server_port(const std::vector<Rule>& rules, const std::vector<uint32_t>& item_rules,
                                       uint8_t cls, int dir, size_t max_sets);

// The side of a packet: 0 to the server (or no flow), 1 to the client; and its server-side port.
inline int packet_side(const Packet& packet) { return packet.to_server ? 0 : 1; }
inline uint16_t server_port(const Packet& packet) { return packet.to_server ? packet.dst_port : packet.src_port; }

// Rule index lists by protocol class, direction and server port.
class RuleLists {
 public:
  // `gates[i]` is the gate of rules[i]; the lists hold the rules as their gates.
  static RuleLists build(const std::vector<Rule>& rules, const std::vector<uint32_t>& members,
                         const std::vector<RuleGate>& gates);

  // For TCP and UDP only until drop_port_maps().
  GatedRules for_packet(const Packet& packet) const {
    const uint8_t cls = proto_class(packet.proto);
    const int side = packet_side(packet);
    int32_t index = class_list_[cls][side];
    if (cls == kProtoClassTcp || cls == kProtoClassUdp) index = port_list_[cls][side][server_port(packet)];
    if (index < 0) return {};
    return lists_[static_cast<size_t>(index)];
  }
  // Frees the per-port maps once RuleSetImpl has folded them into its compact selection map.
  void drop_port_maps() {
    for (auto& maps : port_list_) {
      for (auto& map : maps) std::vector<int32_t>().swap(map);
    }
  }

 private:
  std::vector<std::vector<RuleGate>> lists_;
  std::array<std::array<int32_t, 2>, kProtoClasses> class_list_{};
  std::array<std::array<std::vector<int32_t>, 2>, 2> port_list_;
};

}  // namespace vigil::rules
