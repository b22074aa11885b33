// Scanner: matches one worker's packets against a RuleSet. Owns the Hyperscan scratch space and
// per-worker detection state (thresholds). Created by a worker, never shared.
// Thread contract: one thread; the RuleSet it holds may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "vigil/rules/packet.h"
#include "vigil/rules/rule_info.h"
#include "vigil/rules/rule_profile.h"
#include "vigil/rules/rule_set.h"
#include "vigil/rules/stream_context.h"

namespace vigil::rules {

class ScannerState;  // private: scratch, threshold tables

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const RuleSet> rules);
  ~Scanner();
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;

  // Appends the rules that alert on this packet to `alerts`, ordered by (priority, sid), each at
  // most once. Rules with noalert update flow state but are not appended.
  void scan(const Packet& packet, std::vector<const RuleInfo*>& alerts);

  // Scans `data`, the next in-order bytes of the TCP stream direction `packet` travels in (one
  // segment's new bytes), through the stream-mode database, continuing `stream`. `history` is the
  // stream just before `data` (the reassembler's recent window, empty after a gap); candidates are
  // verified against history + data. `history_offset` is where history's first byte sits in the
  // stream (bytes since the stream's first byte, gaps included), so absolute `offset`/`depth`
  // count from the start of the stream, as Suricata's do, not from the start of the window.
  // What is reported, so that no stream data alerts twice:
  //  - rules that inspect packets too: a fast pattern occurrence that began before `data` (split
  //    across segments), or a content chain that needs bytes of earlier segments and did not match
  //    within `history` alone;
  //  - stream-only rules (`tcp-stream`, `flow:only_stream`): every occurrence.
  // Rules already in `alerts` (this packet's own matches) are not added again; `alerts` stays
  // ordered by (priority, sid).
  void scan_stream(const Packet& packet, StreamContext& stream, std::string_view history, std::string_view data,
                   std::vector<const RuleInfo*>& alerts, uint64_t history_offset = 0);

  // Deferred: rules with `threshold` / `detection_filter` alert on every match and the caller
  // applies a ThresholdFilter to the merged alerts (parallel workers). Off by default. `track
  // by_flow` thresholds are applied here either way: their counters live in the flow's FlowState.
  void set_defer_thresholds(bool defer) { defer_thresholds_ = defer; }

  // Per-rule counters (rule_profile.h) while set; nullptr (the default) turns profiling off at no
  // measurable cost. The profile is not owned and must outlive its use here; it is grown to this
  // set's size. Its entries refer to this Scanner's RuleSet: after a reload, start a new profile.
  void set_profile(RuleProfile* profile);
  RuleProfile* profile() const { return profile_; }

  const RuleSet& rule_set() const { return *rules_; }

 private:
  std::shared_ptr<const RuleSet> rules_;
  std::unique_ptr<ScannerState> state_;
  bool defer_thresholds_ = false;
  RuleProfile* profile_ = nullptr;
};

}  // namespace vigil::rules
