// RuleParser: one Suricata/Snort rule text -> Rule, or a RuleIssue naming what is wrong or
// unsupported. Resolves variables, classtypes and flowbit names (interned per rule set).
// Used by the rule set loader. Thread contract: one thread (load path).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "header_parser.h"
#include "rule.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

// A numeric comparison (dsize, ttl, bsize, urilen, ...): N, <N, >N, <=N, >=N, N<>M, N-M, !N.
Result<NumberCheck> parse_number_check(std::string_view text);

class RuleParser {
 public:
  explicit RuleParser(const RuleVariables& variables) : header_(variables) {}

  std::variant<Rule, RuleIssue> parse(std::string_view text, const std::string& file, int line);

  size_t flowbit_count() const { return flowbits_.size(); }

 private:
  Result<void> parse_header(const struct RuleText& text, Rule& rule);
  Result<void> parse_flow(std::string_view value, Rule& rule);
  Result<void> parse_flowbits(std::string_view value, Rule& rule);
  Result<void> parse_threshold(std::string_view value, bool detection_filter, Rule& rule);
  uint32_t flowbit_id(std::string_view name);

  HeaderParser header_;
  std::unordered_map<std::string, uint32_t> flowbits_;
};

}  // namespace vigil::rules
