// The `--explain SID` part of `vigil rules test`: walks a capture packet by packet (decode, flow
// table, Scanner, so direction, established and flowbits are as detection saw them) and asks a
// RuleExplainer, for every packet the rule's header admits, where it matched or which option failed.
// Packet payloads only: fragments are not reassembled and the reassembled TCP stream is not scanned
// (the pipeline's alert count covers those).
// Thread contract: main thread.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/rules/rule_explain.h"
#include "vigil/rules/rule_set.h"

namespace vigil::cli {

struct ExplainedPacket {
  uint64_t number = 0;  // 1-based position in the capture
  Timestamp timestamp = 0;
  std::string flow;      // "tcp 10.0.0.1:1234 -> 10.0.0.2:80", the packet's own direction
  bool alerted = false;  // the Scanner raised the sid on this packet (thresholds applied)
  rules::RuleExplanation explanation;
};

struct ExplainReport {
  uint32_t sid = 0;
  std::string msg;
  std::string origin;  // "file:line" of the rule
  bool stream_only = false;
  // Admitted by the header: every one where the rule matched, the others up to kMaxExplainedPackets.
  std::vector<ExplainedPacket> packets;
  uint64_t more_packets = 0;  // admitted, not matched and not listed (over the limit)
  uint64_t not_admitted = 0;             // decoded packets the header does not admit
  uint64_t fragments = 0;                // IP fragments, not evaluated
};

inline constexpr size_t kMaxExplainedPackets = 1000;

Result<ExplainReport> explain_capture(const std::string& pcap, const std::shared_ptr<const rules::RuleSet>& rules,
                                      uint32_t sid);
void print_explain(std::ostream& out, const ExplainReport& report);
nlohmann::json explain_json(const ExplainReport& report);

}  // namespace vigil::cli
