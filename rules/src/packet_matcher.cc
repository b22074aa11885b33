#include "packet_matcher.h"

#include "app_protocol.h"
#include "ip_options.h"
#include "vigil/rules/flow_state.h"

namespace vigil::rules {
namespace {

bool has_ports(const Packet& packet) { return packet.proto == 6 || packet.proto == 17; }

bool one_way(const Rule& rule, const IpAddress& src, uint16_t sport, const IpAddress& dst, uint16_t dport,
             bool ports) {
  if (ports && !(rule.src_ports.contains(sport) && rule.dst_ports.contains(dport))) return false;
  return rule.src.contains(src) && rule.dst.contains(dst);
}

bool flowbit_check(const FlowbitOp& op, const FlowState* state) {
  const bool want_set = op.cmd == FlowbitOp::Cmd::isset;
  if (op.any_of) {
    for (uint32_t bit : op.bits) {
      if ((state != nullptr && state->is_set(bit)) == want_set) return true;
    }
    return false;
  }
  for (uint32_t bit : op.bits) {
    if ((state != nullptr && state->is_set(bit)) != want_set) return false;
  }
  return true;
}

}  // namespace

bool ports_match(const Rule& rule, const Packet& packet) {
  return !has_ports(packet) || (rule.src_ports.contains(packet.src_port) && rule.dst_ports.contains(packet.dst_port));
}

bool header_matches(const Rule& rule, const Packet& packet) {
  if ((rule.protos & (1u << proto_class(packet.proto))) == 0) return false;
  // Ports only exist for TCP and UDP; rules on other protocols must say `any` anyway.
  const bool ports = has_ports(packet);
  if (one_way(rule, packet.src, packet.src_port, packet.dst, packet.dst_port, ports)) return true;
  return rule.bidirectional && one_way(rule, packet.dst, packet.dst_port, packet.src, packet.src_port, ports);
}

uint16_t PacketFacts::ip_option_bits() {
  if (ip_option_bits_ < 0) ip_option_bits_ = ipv4_option_bits(packet_.ip_header);
  return static_cast<uint16_t>(ip_option_bits_);
}

bool packet_keywords_match(const Rule& rule, const Packet& packet, PacketFacts& facts) {
  if (rule.flow.direction != 0 && (rule.flow.direction > 0) != packet.to_server) return false;
  if (rule.app != AppProto::unknown && !app_proto_allows(rule.app, !rule.payload.empty(), packet)) return false;
  if (rule.app_layer_protocol && !app_layer_protocol_holds(*rule.app_layer_protocol, flow_app_proto(packet))) {
    return false;
  }
  if (rule.flow.established != 0 && (rule.flow.established > 0) != packet.established) return false;
  if (rule.dsize && !rule.dsize->matches(static_cast<int64_t>(packet.payload.size()))) return false;
  if (rule.ttl && !rule.ttl->matches(packet.ttl)) return false;
  if (rule.flags && (packet.proto != 6 || !rule.flags->matches(packet.tcp_flags))) return false;
  const bool icmp = packet.proto == 1 || packet.proto == 58;
  if (rule.itype && (!icmp || !rule.itype->matches(packet.icmp_type))) return false;
  if (rule.icode && (!icmp || !rule.icode->matches(packet.icmp_code))) return false;
  if (rule.icmp_id && (!icmp || !packet.has_icmp_echo_fields || packet.icmp_id != *rule.icmp_id)) return false;
  if (rule.icmp_seq && (!icmp || !packet.has_icmp_echo_fields || packet.icmp_seq != *rule.icmp_seq)) return false;
  if (rule.ipopts != 0 && (facts.ip_option_bits() & rule.ipopts) == 0) return false;
  for (const FlowbitOp& op : rule.flowbit_checks) {
    if (!flowbit_check(op, packet.flow_state)) return false;
  }
  return true;
}

void apply_flowbit_actions(const Rule& rule, const Packet& packet) {
  FlowState* state = packet.flow_state;
  if (state == nullptr) return;
  for (const FlowbitOp& op : rule.flowbit_actions) {
    for (uint32_t bit : op.bits) {
      switch (op.cmd) {
        case FlowbitOp::Cmd::set: state->set(bit); break;
        case FlowbitOp::Cmd::unset: state->unset(bit); break;
        case FlowbitOp::Cmd::toggle: state->toggle(bit); break;
        default: break;
      }
    }
  }
}

}  // namespace vigil::rules
