// RuleSetImpl: the compiled form behind RuleSet. Rules in evaluation order (flowbit setters before
// checkers), the block-mode Hyperscan databases of fast patterns (PatternGroups), the
// stream-mode database of the fast patterns of rules that inspect reassembled TCP streams (its own
// pattern ids), and the rules without a fast pattern bucketed by protocol class and destination port.
// Thread contract: immutable after build(); shared by all scanners.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "address_index.h"
#include "buffer_databases.h"
#include "compact_port_map.h"
#include "hs_database.h"
#include "hs_database_cache.h"
#include "pattern_groups.h"
#include "port_partition.h"
#include "rule.h"
#include "rule_gate.h"
#include "vigil/core/result.h"
#include "vigil/rules/rule_info.h"

namespace vigil::rules {

// What a packet's protocol class, flow side and server port select: the fast-pattern table to scan
// (null when no rule with a fast pattern can apply), the rules without a fast pattern, and which
// of the table's hits can concern the server port (PatternGroups::hit_filter_for; 0: all).
struct PortSelection {
  const PatternTable* table = nullptr;
  GatedRules plain;
  uint32_t hit_filter = 0;
};

class RuleSetImpl {
 public:
  // `rules` in load order; infos keep that order.
  // Hyperscan databases come from `cache` when it holds them, else are compiled (and cached).
  static Result<std::unique_ptr<RuleSetImpl>> build(std::vector<Rule> rules, size_t flowbit_count,
                                                    HsDatabaseCache& cache);

  const std::vector<RuleInfo>& infos() const { return infos_; }
  size_t size() const { return rules_.size(); }
  const Rule& rule(uint32_t index) const { return rules_[index]; }
  // A rule's gate (rule_gate.h); the lists select() returns hold their rules as gates.
  const RuleGate& gate(uint32_t index) const { return gates_[index]; }
  // The distinct address sets the gates refer to (HOME_NET, EXTERNAL_NET, ...).
  const std::vector<const AddressSet*>& gate_address_sets() const { return gate_address_sets_; }
  const RuleInfo& info(const Rule& rule) const { return infos_[rule.info_index]; }
  size_t flowbit_count() const { return flowbit_count_; }

  // Block mode: fast-pattern tables grouped by protocol, direction and server port.
  const PatternGroups& block_groups() const { return block_groups_; }
  // Every rule's fast pattern (rules that have one), for statistics and the benchmark.
  const std::vector<PatternGroups::FastPattern>& fast_patterns() const { return fast_patterns_; }

  // Stream mode: every occurrence is reported (no single-match), with its end offset in the stream.
  const HsDatabase& stream_database() const { return stream_db_; }
  std::span<const uint32_t> stream_pattern_rules(unsigned pattern_id) const {
    return {stream_rules_.data() + stream_offsets_[pattern_id],
            stream_offsets_[pattern_id + 1] - stream_offsets_[pattern_id]};
  }
  uint32_t stream_pattern_length(unsigned pattern_id) const { return stream_lengths_[pattern_id]; }
  size_t stream_pattern_count() const { return stream_lengths_.size(); }

  // block_groups().table_for(packet) and non_payload_for(packet), folded at build into one byte per
  // server port in a compact map (the two 256 KiB-per-side port maps behind them missed the cache
  // on most packets, and are freed); more than 256 distinct selections keep asking the maps.
  PortSelection select(const Packet& packet) const { return select(packet, proto_class(packet.proto)); }
  // The same, with the packet's proto_class the caller already has.
  PortSelection select(const Packet& packet, uint8_t cls) const {
    const int side = packet_side(packet);
    if (cls == kProtoClassTcp || cls == kProtoClassUdp) {
      if (port_selection_[cls][side].empty()) {
        return {block_groups_.table_for(packet), non_payload_for(packet), block_groups_.hit_filter_for(packet)};
      }
      return selections_[port_selection_[cls][side].at(server_port(packet))];
    }
    return {block_groups_.table_for(packet), non_payload_for(packet)};
  }
  // Rules without a fast pattern whose source or destination addresses are few, by address.
  std::span<const uint32_t> non_payload_by_src(const U128& src) const { return by_src_.lookup(src); }
  std::span<const uint32_t> non_payload_by_dst(const U128& dst) const { return by_dst_.lookup(dst); }
  // IP-only rules (Suricata's definition: addresses, `any` ports, no payload, flow or packet
  // keywords, flowbits only set; see is_ip_only) are checked on the first packet of each flow
  // direction only. Those whose source or destination addresses are few are found by address;
  // the others (both sides wide) by protocol class.
  std::span<const uint32_t> ip_only_by_src(const U128& src) const { return ip_only_by_src_.lookup(src); }
  std::span<const uint32_t> ip_only_by_dst(const U128& dst) const { return ip_only_by_dst_.lookup(dst); }
  std::span<const uint32_t> ip_only_wide(uint8_t proto_class) const { return ip_only_wide_[proto_class]; }
  size_t ip_only_count() const { return ip_only_count_; }

  // Rules that inspect app-layer buffers (Rule::inspects_transactions): their per-buffer
  // databases, for the TransactionMatcher. They are in no packet list.
  const BufferDatabases& buffer_databases() const { return buffer_databases_; }

 private:
  // Rules without a fast pattern that may apply to this packet's protocol class, flow direction and
  // server port (see port_partition.h); for TCP and UDP only while select() has no compact map.
  GatedRules non_payload_for(const Packet& packet) const { return non_payload_.for_packet(packet); }
  // Returns false when the rule belongs in the port lists rather than an address index.
  bool index_by_address(uint32_t index);
  void bucket_ip_only(uint32_t index);
  // Adds the rule to `by_src` or `by_dst` by its side with at most `limit` addresses (both for
  // `<>`); false when neither side is that narrow.
  bool index_by_narrow_side(uint32_t index, uint64_t limit, AddressIndex& by_src, AddressIndex& by_dst);
  void build_gates();
  void build_port_selection();

  std::vector<RuleInfo> infos_;
  std::vector<Rule> rules_;
  std::vector<RuleGate> gates_;  // by rule index
  std::vector<const AddressSet*> gate_address_sets_;  // point into rules_
  size_t flowbit_count_ = 0;
  std::vector<PatternGroups::FastPattern> fast_patterns_;
  PatternGroups block_groups_;
  HsDatabase stream_db_;
  std::vector<uint32_t> stream_offsets_;  // as pattern_offsets_, for the stream database's ids
  std::vector<uint32_t> stream_rules_;
  std::vector<uint32_t> stream_lengths_;  // bytes of each stream pattern: where a hit starts
  RuleLists non_payload_;
  // [tcp|udp][side][server port] -> index into selections_; empty when there were more than 256
  // distinct selections (select() then asks the two maps).
  std::array<std::array<CompactPortMap, 2>, 2> port_selection_;
  std::vector<PortSelection> selections_;
  AddressIndex by_src_;
  AddressIndex by_dst_;
  AddressIndex ip_only_by_src_;
  AddressIndex ip_only_by_dst_;
  std::array<std::vector<uint32_t>, kProtoClasses> ip_only_wide_;
  size_t ip_only_count_ = 0;
  BufferDatabases buffer_databases_;
};

}  // namespace vigil::rules
