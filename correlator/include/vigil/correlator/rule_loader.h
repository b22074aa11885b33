// Loads correlation rules from YAML files (one rule per document, several `---` documents, or a
// top-level list). Called by the daemon at start and reload, and by `vigil replay`/rule tests.
// Thread contract: pure functions over their arguments; safe from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/result.h"
#include "vigil/correlator/correlation_rule.h"

namespace vigil::correlator {

// One problem with one rule: where it is (file, 1-based line), which rule and field, and what is wrong.
struct CorrelationLoadIssue {
  std::string file;
  int line = 0;         // 0 when unknown
  std::string rule_id;  // empty when the rule has no usable id
  std::string field;    // "condition.gte", "match.dest_port", "" for the whole rule or file
  std::string message;
};
// "rules/ssh.yml:12: rule ssh-bruteforce: field timespan: bad duration 'sixty'"
std::string to_string(const CorrelationLoadIssue& issue);

struct CorrelationLoadReport {
  size_t files_read = 0;
  size_t rules_loaded = 0;    // returned, including disabled ones
  size_t rules_disabled = 0;  // `enabled: false`
  std::vector<CorrelationLoadIssue> errors;    // each names a rule (or file) that was not loaded
  std::vector<CorrelationLoadIssue> warnings;  // loaded, but worth a look (unknown field names...)

  bool ok() const { return errors.empty(); }
};

// paths: files, or directories whose *.yml / *.yaml files (not recursive, hidden files skipped) are read
// in name order. A broken rule or file goes into report.errors and the other rules still load; a path
// that does not exist or cannot be read is an Error. Rule ids must be unique across all paths.
Result<std::vector<CorrelationRule>> load_correlation_rules(const std::vector<std::filesystem::path>& paths,
                                                            CorrelationLoadReport& report);

// The same over YAML text already in memory; `source` names it in messages. Ids are checked for
// uniqueness within this text only.
std::vector<CorrelationRule> parse_correlation_rules(std::string_view yaml_text, const std::string& source,
                                                     CorrelationLoadReport& report);

}  // namespace vigil::correlator
