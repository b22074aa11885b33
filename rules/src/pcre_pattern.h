// PcrePattern: one compiled `pcre` rule option (PCRE2, JIT when available), RAII over pcre2_code.
// Compiled once per rule at load; matched by PayloadMatcher with a per-scanner match-data block.
// Thread contract: immutable after compile; match() is safe from many threads with separate MatchData.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/core/result.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace vigil::rules {

// Suricata's defaults (pcre.match-limit, pcre.match-limit-recursion): a regex that needs more
// backtracking than this on one subject does not match, in both engines. Without a limit one
// crafted packet against a rule like /(a+)+b/ would hold a worker for seconds.
inline constexpr uint32_t kPcreMatchLimit = 3500;
inline constexpr uint32_t kPcreDepthLimit = 1500;

// Per-thread PCRE2 match data (ovector), sized for any pattern, and the match context carrying
// the limits: RAII over pcre2_match_data and pcre2_match_context.
class PcreMatchData {
 public:
  PcreMatchData();
  ~PcreMatchData();
  PcreMatchData(const PcreMatchData&) = delete;
  PcreMatchData& operator=(const PcreMatchData&) = delete;
  pcre2_real_match_data_8* get() const { return data_; }
  pcre2_real_match_context_8* context() const { return context_; }
  // Subjects given up on at the match limit since construction.
  uint64_t limit_hits() const { return limit_hits_; }
  void count_limit_hit() { ++limit_hits_; }

 private:
  pcre2_real_match_data_8* data_ = nullptr;
  pcre2_real_match_context_8* context_ = nullptr;
  uint64_t limit_hits_ = 0;
};

class PcrePattern {
 public:
  // `options` are PCRE2 compile options (PCRE2_CASELESS, ...).
  static Result<std::shared_ptr<const PcrePattern>> compile(const std::string& regex, uint32_t options);
  ~PcrePattern();
  PcrePattern(const PcrePattern&) = delete;
  PcrePattern& operator=(const PcrePattern&) = delete;

  // Searches `subject` from `start`; on a match sets [begin, end) and returns true. A search
  // stopped by the match limit is no match (counted in `data`).
  bool match(std::string_view subject, size_t start, PcreMatchData& data, size_t& begin, size_t& end) const;

 private:
  explicit PcrePattern(pcre2_real_code_8* code) : code_(code) {}
  pcre2_real_code_8* code_ = nullptr;
};

}  // namespace vigil::rules
