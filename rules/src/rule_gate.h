// RuleGate: a rule's index with the cheap facts of its header (protocol class, flow direction and
// state, single-range ports, a common address set per side, a SYN its `flags` needs) in 16 bytes. The rule lists a packet
// selects are arrays of gates (GatedRules), so the scanner drops the many candidates that cannot
// apply while it reads the list in order, without touching the rules. Built by RuleSetImpl.
// Thread contract: immutable after build; shared by all scanners.
#pragma once

#include <cstdint>
#include <span>

namespace vigil::rules {

// Exact where it answers no; a yes still goes through header_matches (or only its port part, see
// covers_addresses).
struct RuleGate {
  static constexpr uint8_t kNoSet = 0xff;  // address side not checked here
  uint32_t rule = 0;  // index into the rule set's rules
  uint16_t src_lo = 0, src_hi = 0xffff, dst_lo = 0, dst_hi = 0xffff;
  uint8_t protos = 0;          // proto class mask
  uint8_t src_set = kNoSet;    // index into RuleSetImpl::gate_address_sets
  uint8_t dst_set = kNoSet;
  int8_t direction : 2 = 0;    // as FlowCheck
  int8_t established : 2 = 0;  // as FlowCheck
  bool check_ports : 1 = false;  // single-range port lists, one direction only
  // The gate checks both address sides exactly (not `<>`; each side `any` or a gate set), so a
  // rule it admits needs at most ports_match; with check_ports too, nothing of header_matches.
  bool covers_addresses : 1 = false;
  // The rule's `flags` needs SYN set (`flags:S`, `S+`, `*S`, as port scan rules say): most packets
  // have no SYN, and those candidates used to fail only after reading the rule.
  bool requires_syn : 1 = false;
};
static_assert(sizeof(RuleGate) == 16);

// Rules in evaluation order, as their gates.
using GatedRules = std::span<const RuleGate>;

}  // namespace vigil::rules
