// Packet-level checks of a rule: header (protocol, addresses, ports, direction with `<>` either way),
// flow keywords, dsize/ttl/flags/ICMP fields and flowbit conditions. Called by Scanner before
// the payload program. Thread contract: pure functions over immutable rules.
#pragma once

#include "rule.h"
#include "vigil/rules/packet.h"

namespace vigil::rules {

bool header_matches(const Rule& rule, const Packet& packet);
// The port part of header_matches, for a rule that is not `<>`.
bool ports_match(const Rule& rule, const Packet& packet);
// What several rules may ask of one packet, worked out on first use (the IPv4 options are parsed
// once per packet, not once per `ipopts` rule).
class PacketFacts {
 public:
  explicit PacketFacts(const Packet& packet) : packet_(packet) {}
  uint16_t ip_option_bits();

 private:
  const Packet& packet_;
  int32_t ip_option_bits_ = -1;  // not parsed yet
};

// Everything but the header and the payload program.
bool packet_keywords_match(const Rule& rule, const Packet& packet, PacketFacts& facts);
inline bool packet_keywords_match(const Rule& rule, const Packet& packet) {
  PacketFacts facts(packet);
  return packet_keywords_match(rule, packet, facts);
}
// Applies the rule's set/unset/toggle flowbit commands after it matched.
void apply_flowbit_actions(const Rule& rule, const Packet& packet);

}  // namespace vigil::rules
