// PatternGroups: the block-mode fast-pattern databases split as Suricata splits its signature
// group heads, so that a packet meets only the patterns of rules that can apply to it: by protocol
// class, flow direction (rules with flow:to_server / to_client sit only on their side) and, for TCP
// and UDP, the server-side port (the destination port of a to-server packet, the source port of a
// to-client one), which every candidate rule's port list must contain. Rules that inspect only the
// reassembled stream are left out. Groups with the same rules share one database.
// Thread contract: immutable after build(); shared by all scanners.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hs_database_cache.h"
#include "pattern_table.h"
#include "port_partition.h"
#include "rule.h"
#include "rule_gate.h"
#include "vigil/core/result.h"
#include "vigil/rules/packet.h"

namespace vigil::rules {

class PatternGroups {
 public:
  struct FastPattern {
    uint32_t rule;  // index into the rules vector given to build()
    std::string bytes;
    bool nocase = false;
  };

  // `gates[i]` is the gate of rules[i]; each table keeps its rules as their gates.
  static Result<PatternGroups> build(const std::vector<Rule>& rules, const std::vector<FastPattern>& patterns,
                                     const std::vector<RuleGate>& gates, HsDatabaseCache& cache);

  // The table whose patterns can concern this packet; null when no rule with a fast pattern can.
  // For TCP and UDP only until drop_port_maps().
  const PatternTable* table_for(const Packet& packet) const {
    const uint8_t cls = proto_class(packet.proto);
    const int side = packet_side(packet);
    int32_t index = class_table_[cls][side];
    if (cls == kProtoClassTcp || cls == kProtoClassUdp) index = port_table_[cls][side][server_port(packet)];
    return index < 0 ? nullptr : &tables_[static_cast<size_t>(index)];
  }

  // Which hits of table_for(packet) can concern this packet (PatternTable::group_filter): a hit id
  // with none of these bits has no rule that takes the packet's server port; 0: every hit can.
  // For TCP and UDP only until drop_port_maps().
  uint32_t hit_filter_for(const Packet& packet) const {
    const uint8_t cls = proto_class(packet.proto);
    if (cls != kProtoClassTcp && cls != kProtoClassUdp) return 0;
    return port_filter_[cls][packet_side(packet)][server_port(packet)];
  }

  const std::vector<PatternTable>& tables() const { return tables_; }
  // Frees the per-port maps (256 KiB per protocol and direction) once RuleSetImpl has folded them
  // into its compact selection map.
  void drop_port_maps() {
    for (auto& maps : port_table_) {
      for (auto& map : maps) std::vector<int32_t>().swap(map);
    }
    for (auto& maps : port_filter_) {
      for (auto& map : maps) std::vector<uint32_t>().swap(map);
    }
  }
  size_t database_bytes() const;

 private:
  std::vector<PatternTable> tables_;
  std::array<std::array<int32_t, 2>, kProtoClasses> class_table_{};
  std::array<std::array<std::vector<int32_t>, 2>, 2> port_table_;  // [tcp|udp][dir][port]
  std::array<std::array<std::vector<uint32_t>, 2>, 2> port_filter_;  // [tcp|udp][dir][port]: hit_filter_for
};

}  // namespace vigil::rules
