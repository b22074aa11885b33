// PayloadMatcher: runs a rule's payload program (contents with offset/depth/distance/within,
// negation, pcre, byte_test/jump/extract, isdataat) over one buffer with Suricata's semantics,
// backtracking to the next occurrence of an earlier content when a later relative keyword fails.
// Owned by a Scanner. Thread contract: one thread; holds the per-thread PCRE2 match data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "pcre_pattern.h"
#include "rule.h"

namespace vigil::rules {

class PayloadMatcher {
 public:
  // Steps one rule evaluation may take before it gives up (pathological backtracking);
  // Suricata's inspection recursion limit is of the same order.
  static constexpr uint32_t kStepBudget = 3000;

  // `origin` is where buffer[0] sits in the inspected whole (a reassembled stream's window starts
  // `origin` bytes into the stream): every absolute position (content offset/depth/startswith,
  // byte_test/byte_jump/byte_extract/isdataat) counts from the whole's start.
  bool matches(const Rule& rule, std::string_view buffer, int64_t origin = 0) {
    return matches(rule.payload, buffer, origin);
  }
  // The same program over any step list (an app-layer buffer's chain, BufferChain::steps).
  bool matches(std::span<const PayloadStep> steps, std::string_view buffer, int64_t origin = 0);

 private:
  bool match_from(size_t index, size_t cursor);
  bool content(const ContentStep& step, size_t index, size_t cursor);
  bool pcre(const PcreStep& step, size_t index, size_t cursor);
  bool read_value(const ByteRead& read, int64_t position, uint64_t& value) const;
  int64_t resolve(const Operand& operand) const {
    return operand.var >= 0 ? vars_[static_cast<size_t>(operand.var)] : operand.value;
  }

  PcreMatchData pcre_data_;
  std::span<const PayloadStep> steps_;
  std::string_view buffer_;
  int64_t origin_ = 0;
  int64_t vars_[kMaxExtractVars] = {};
  uint32_t budget_ = 0;
  bool discontinue_ = false;  // an independent (non-relative) keyword failed: no retry can help
};

}  // namespace vigil::rules
