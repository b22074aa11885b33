// PcrePattern: one compiled `pcre` rule option (PCRE2, JIT when available), RAII over pcre2_code.
// Compiled once per rule at load; matched by PayloadMatcher with a per-scanner match-data block.
// Thread contract: immutable after compile; match() is safe from many threads with separate MatchData.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "vigil/core/result.h"

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace vigil::rules {

// Per-thread PCRE2 match data (ovector), sized for any pattern: RAII over pcre2_match_data.
class PcreMatchData {
 public:
  PcreMatchData();
  ~PcreMatchData();
  PcreMatchData(const PcreMatchData&) = delete;
  PcreMatchData& operator=(const PcreMatchData&) = delete;
  pcre2_real_match_data_8* get() const { return data_; }

 private:
  pcre2_real_match_data_8* data_ = nullptr;
};

class PcrePattern {
 public:
  // `options` are PCRE2 compile options (PCRE2_CASELESS, ...).
  static Result<std::shared_ptr<const PcrePattern>> compile(const std::string& regex, uint32_t options);
  ~PcrePattern();
  PcrePattern(const PcrePattern&) = delete;
  PcrePattern& operator=(const PcrePattern&) = delete;

  // Searches `subject` from `start`; on a match sets [begin, end) and returns true.
  bool match(std::string_view subject, size_t start, PcreMatchData& data, size_t& begin, size_t& end) const;

 private:
  explicit PcrePattern(pcre2_real_code_8* code) : code_(code) {}
  pcre2_real_code_8* code_ = nullptr;
};

}  // namespace vigil::rules
