#include "rule_set_impl.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>

namespace vigil::rules {
namespace {

// An address side with at most this many addresses goes into an AddressIndex (IP reputation lists);
// wider sides ($HOME_NET, any) would put the same rule on too many segments to help.
constexpr uint64_t kNarrowAddresses = 1 << 16;
// IP-only rules have no port or protocol lists to be found by instead: a side up to a /8 is still
// worth an index entry (Spamhaus DROP groups list up to 3.2 M addresses against $HOME_NET's 17.9 M),
// where the alternative is checking the rule on the first packet of every flow direction.
constexpr uint64_t kNarrowIpOnlyAddresses = 1 << 24;

// The number of addresses in `set`, or UINT64_MAX when more than `limit`.
uint64_t address_count(const AddressSet& set, uint64_t limit) {
  uint64_t n = 0;
  for (const auto& r : set.ranges().ranges()) {
    if (r.hi.hi != r.lo.hi) return UINT64_MAX;
    n += r.hi.lo - r.lo.lo + 1;
    if (n > limit || n == 0) return UINT64_MAX;
  }
  return n;
}

// Suricata's IP-only signatures (detect-engine-build.c, SignatureIsIPOnly): no payload or
// application-layer inspection, no flow or packet keywords, flowbits only `set`; threshold and
// detection_filter are allowed. A negated address makes a rule "like IP-only", which Suricata runs on
// every packet. Ports must be `any` here: a port check is a per-packet fact we keep out of this path.
bool is_ip_only(const Rule& rule) {
  if (!rule.payload.empty() || !rule.app_proto.empty() || rule.negated_address) return false;
  if (rule.stream != StreamMode::both || rule.flow.direction != 0 || rule.flow.established != 0) return false;
  if (rule.app != AppProto::unknown || rule.app_layer_protocol || rule.ipopts != 0) return false;
  if (rule.dsize || rule.ttl || rule.itype || rule.icode || rule.icmp_id || rule.icmp_seq || rule.flags) return false;
  if (!rule.flowbit_checks.empty()) return false;
  for (const FlowbitOp& op : rule.flowbit_actions) {
    if (op.cmd != FlowbitOp::Cmd::set) return false;
  }
  return rule.src_ports.is_any() && rule.dst_ports.is_any();
}

int flowbit_stage(const Rule& rule) {
  const bool sets = !rule.flowbit_actions.empty();
  const bool checks = !rule.flowbit_checks.empty();
  if (sets && !checks) return 0;
  if (checks && !sets) return 2;
  return 1;
}

// The content the prefilter looks for: the one marked fast_pattern, else the longest positive one.
const ContentStep* choose_fast_pattern(const Rule& rule) {
  const ContentStep* best = nullptr;
  for (const PayloadStep& step : rule.payload) {
    const auto* c = std::get_if<ContentStep>(&step);
    if (c == nullptr || c->negated) continue;
    if (c->fast_pattern) return c;
    if (best == nullptr || c->pattern.size() > best->pattern.size()) best = c;
  }
  return best;
}

// Rules whose content the reassembled TCP stream can carry. dsize is about one packet, so Suricata
// inspects such rules on packets only.
bool inspects_stream(const Rule& rule) {
  return (rule.protos & kMaskTcp) != 0 && rule.stream != StreamMode::packet_only && !rule.dsize;
}

}  // namespace

void RuleSetImpl::build_gates() {
  // Rule sets name few distinct address sets ($HOME_NET, $EXTERNAL_NET, ...) many times; each
  // gets an id so a scanner tests it once per address (a bit in the scanner's address memo, hence
  // at most 64). Long lists (IP reputation) are left to header_matches. ET Open names more than 64
  // short sets: the ids go to the sets most rules name, not the first ones met (in load order
  // $EXTERNAL_NET came after 64 rarer sets, and each of its rules fell through to header_matches).
  constexpr size_t kMaxGateSets = 64;
  constexpr size_t kMaxGateRanges = 64;
  auto key_of = [](const AddressSet& set) -> std::optional<std::string> {
    if (set.is_any() || set.ranges().ranges().size() > kMaxGateRanges) return std::nullopt;
    const auto& ranges = set.ranges().ranges();
    return std::string(reinterpret_cast<const char*>(ranges.data()), ranges.size() * sizeof(ranges[0]));
  };
  struct Use {
    const AddressSet* set = nullptr;  // the first rule's, standing for all equal ones
    size_t rules = 0;
    size_t first = 0;  // order of first use: ties keep load order
  };
  std::map<std::string, Use> uses;
  for (const Rule& rule : rules_) {
    if (rule.bidirectional) continue;  // its gate checks no address set
    for (const AddressSet* side : {&rule.src, &rule.dst}) {
      auto key = key_of(*side);
      if (!key) continue;
      auto [it, inserted] = uses.try_emplace(std::move(*key), Use{side, 0, uses.size()});
      ++it->second.rules;
    }
  }
  std::vector<std::map<std::string, Use>::iterator> by_use;
  for (auto it = uses.begin(); it != uses.end(); ++it) by_use.push_back(it);
  std::sort(by_use.begin(), by_use.end(), [](const auto& a, const auto& b) {
    return a->second.rules != b->second.rules ? a->second.rules > b->second.rules : a->second.first < b->second.first;
  });
  std::map<std::string, uint8_t> set_ids;
  for (size_t i = 0; i < by_use.size() && i < kMaxGateSets; ++i) {
    set_ids.emplace(by_use[i]->first, static_cast<uint8_t>(gate_address_sets_.size()));
    gate_address_sets_.push_back(by_use[i]->second.set);
  }
  auto set_of = [&](const AddressSet& set) -> uint8_t {
    auto key = key_of(set);
    if (!key) return RuleGate::kNoSet;
    auto it = set_ids.find(*key);
    return it == set_ids.end() ? RuleGate::kNoSet : it->second;
  };
  auto single_range = [](const PortSet& ports, uint16_t& lo, uint16_t& hi) {
    if (ports.is_any()) return true;
    if (ports.ranges().ranges().size() != 1) return false;
    lo = ports.ranges().ranges()[0].lo;
    hi = ports.ranges().ranges()[0].hi;
    return true;
  };
  gates_.reserve(rules_.size());
  for (uint32_t index = 0; index < rules_.size(); ++index) {
    const Rule& rule = rules_[index];
    RuleGate gate;
    gate.rule = index;
    gate.protos = rule.protos;
    gate.direction = rule.flow.direction;
    gate.established = rule.flow.established;
    if (rule.flags) {
      const FlagsCheck& f = *rule.flags;
      const bool syn = (f.flags & kTcpSyn) != 0;
      gate.requires_syn = (syn && (f.mode == FlagsCheck::Mode::exact || f.mode == FlagsCheck::Mode::all_plus)) ||
                          (f.mode == FlagsCheck::Mode::any && f.flags == kTcpSyn);
    }
    if (!rule.bidirectional) {  // a `<>` rule may match either way round: header_matches decides
      RuleGate ports = gate;
      gate.check_ports = single_range(rule.src_ports, ports.src_lo, ports.src_hi) &&
                         single_range(rule.dst_ports, ports.dst_lo, ports.dst_hi);
      if (gate.check_ports) {
        gate.src_lo = ports.src_lo;
        gate.src_hi = ports.src_hi;
        gate.dst_lo = ports.dst_lo;
        gate.dst_hi = ports.dst_hi;
      }
      gate.src_set = set_of(rule.src);
      gate.dst_set = set_of(rule.dst);
      gate.covers_addresses = (rule.src.is_any() || gate.src_set != RuleGate::kNoSet) &&
                              (rule.dst.is_any() || gate.dst_set != RuleGate::kNoSet);
    }
    gates_.push_back(gate);
  }
}

void RuleSetImpl::build_port_selection() {
  std::map<std::tuple<const PatternTable*, const RuleGate*, size_t, uint32_t>, uint8_t> ids;
  for (uint8_t cls : {kProtoClassTcp, kProtoClassUdp}) {
    for (int side = 0; side < 2; ++side) {
      std::vector<uint8_t> by_port(0x10000);
      Packet packet;
      packet.proto = cls == kProtoClassTcp ? 6 : 17;
      packet.to_server = side == 0;
      for (uint32_t port = 0; port < 0x10000; ++port) {
        packet.src_port = packet.dst_port = static_cast<uint16_t>(port);
        const PortSelection selection{block_groups_.table_for(packet), non_payload_.for_packet(packet),
                                      block_groups_.hit_filter_for(packet)};
        auto [it, inserted] =
            ids.try_emplace({selection.table, selection.plain.data(), selection.plain.size(), selection.hit_filter},
                            static_cast<uint8_t>(selections_.size()));
        if (inserted) {
          if (selections_.size() == 256) {  // too varied for a byte: select() asks the maps
            for (auto& maps : port_selection_) {
              for (auto& map : maps) map = {};
            }
            selections_.clear();
            return;
          }
          selections_.push_back(selection);
        }
        by_port[port] = it->second;
      }
      port_selection_[cls][side] = CompactPortMap::compress(by_port);
    }
  }
  // select() no longer asks the per-port maps the selection was built from.
  block_groups_.drop_port_maps();
  non_payload_.drop_port_maps();
}

void RuleSetImpl::bucket_ip_only(uint32_t index) {
  ++ip_only_count_;
  if (index_by_narrow_side(index, kNarrowIpOnlyAddresses, ip_only_by_src_, ip_only_by_dst_)) return;
  const Rule& rule = rules_[index];
  for (uint8_t cls = 0; cls < kProtoClasses; ++cls) {
    if ((rule.protos & (1u << cls)) != 0) ip_only_wide_[cls].push_back(index);
  }
}

bool RuleSetImpl::index_by_address(uint32_t index) {
  return index_by_narrow_side(index, kNarrowAddresses, by_src_, by_dst_);
}

bool RuleSetImpl::index_by_narrow_side(uint32_t index, uint64_t limit, AddressIndex& by_src, AddressIndex& by_dst) {
  const Rule& rule = rules_[index];
  const uint64_t src_count = address_count(rule.src, limit);
  const uint64_t dst_count = address_count(rule.dst, limit);
  if (std::min(src_count, dst_count) > limit) return false;
  // Indexed by its narrow side; a `<>` rule may see that side as either packet address.
  const bool src_is_narrow = src_count <= dst_count;
  const RangeSet<U128>& narrow = src_is_narrow ? rule.src.ranges() : rule.dst.ranges();
  if (src_is_narrow || rule.bidirectional) by_src.add(narrow, index);
  if (!src_is_narrow || rule.bidirectional) by_dst.add(narrow, index);
  return true;
}

Result<std::unique_ptr<RuleSetImpl>> RuleSetImpl::build(std::vector<Rule> rules, size_t flowbit_count,
                                                        HsDatabaseCache& cache) {
  auto impl = std::make_unique<RuleSetImpl>();
  impl->flowbit_count_ = flowbit_count;
  impl->infos_.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    rules[i].info_index = static_cast<uint32_t>(i);
    impl->infos_.push_back(std::move(rules[i].info));
  }
  std::stable_sort(rules.begin(), rules.end(),
                   [](const Rule& a, const Rule& b) { return flowbit_stage(a) < flowbit_stage(b); });
  impl->rules_ = std::move(rules);
  impl->build_gates();

  PatternTableBuilder stream(0);  // stream hits must say where each occurrence ends
  std::vector<uint32_t> plain;    // rules without a fast pattern, found by protocol, direction and port
  for (uint32_t index = 0; index < impl->rules_.size(); ++index) {
    Rule& rule = impl->rules_[index];
    if (rule.inspects_transactions()) continue;  // matched per transaction (TransactionMatcher), never per packet
    const ContentStep* fp = choose_fast_pattern(rule);
    if (fp == nullptr) {
      if (is_ip_only(rule)) {
        impl->bucket_ip_only(index);
      } else if (!impl->index_by_address(index)) {
        plain.push_back(index);
      }
      continue;
    }
    std::string bytes = fp->fp_length > 0 ? fp->pattern.substr(static_cast<size_t>(fp->fp_offset),
                                                               static_cast<size_t>(fp->fp_length))
                                          : fp->pattern;
    rule.stream_lookback = !rule.payload.empty() && std::get_if<ContentStep>(&rule.payload.front()) != fp;
    if (inspects_stream(rule)) stream.add(bytes, fp->nocase, index);
    impl->fast_patterns_.push_back({index, std::move(bytes), fp->nocase});
  }
  impl->non_payload_ = RuleLists::build(impl->rules_, plain, impl->gates_);
  impl->by_src_.build();
  impl->by_dst_.build();
  impl->ip_only_by_src_.build();
  impl->ip_only_by_dst_.build();
  if (auto groups = PatternGroups::build(impl->rules_, impl->fast_patterns_, impl->gates_, cache); !groups) {
    return fail(groups.error());
  } else {
    impl->block_groups_ = std::move(*groups);
  }
  impl->build_port_selection();  // points into block_groups_ and non_payload_: after both
  // Literals need no start-of-match tracking: a hit's start is its end minus the pattern length,
  // which keeps the per-stream state small.
  if (auto table = stream.build(cache, HS_MODE_STREAM); !table) {
    return fail(table.error());
  } else {
    impl->stream_db_ = std::move(table->database);
    impl->stream_offsets_ = std::move(table->offsets);
    impl->stream_rules_ = std::move(table->rules);
    impl->stream_lengths_ = std::move(table->lengths);
  }
  if (auto buffers = BufferDatabases::build(impl->rules_, cache); !buffers) {
    return fail(buffers.error());
  } else {
    impl->buffer_databases_ = std::move(*buffers);
  }
  return impl;
}

}  // namespace vigil::rules
