// RuleLoader: reads rule text (files or strings) line by line — comments, blank lines and
// backslash continuations — parses each rule, drops duplicate (gid, sid) pairs and records issues,
// then builds the RuleSetImpl. Used by load_rule_set() and compile_rule_text().
// Thread contract: one thread (load path).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "hs_database_cache.h"
#include "rule.h"
#include "rule_parser.h"
#include "rule_set_impl.h"
#include "vigil/rules/rule_set.h"

namespace vigil::rules {

class RuleLoader {
 public:
  RuleLoader(const RuleVariables& variables, RuleLoadReport& report) : parser_(variables), report_(report) {}

  void add_text(std::string_view text, const std::string& origin);
  // A directory adds its *.rules files in name order.
  Result<void> add_path(const std::string& path);
  Result<std::unique_ptr<RuleSetImpl>> build(HsDatabaseCache& cache);

 private:
  void add_rule(std::string_view text, const std::string& origin, int line);

  RuleParser parser_;
  RuleLoadReport& report_;
  std::vector<Rule> rules_;
  std::unordered_set<uint64_t> seen_;  // gid << 32 | sid
};

}  // namespace vigil::rules
