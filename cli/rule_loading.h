// Loads the signature and correlation rules a command runs with (the defaults from the config dir
// unless paths are given) and prints every rule that did not load as `file:line: sid N: reason`.
// Thread contract: main thread.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "vigil/correlator/rule_loader.h"
#include "vigil/rules/rule_set.h"

namespace vigil::cli {

struct LoadedRules {
  std::vector<std::string> signature_paths;
  std::vector<std::string> correlation_paths;
  std::shared_ptr<const rules::RuleSet> signatures;
  rules::RuleLoadReport signature_report;
  std::vector<correlator::CorrelationRule> correlation;
  correlator::CorrelationLoadReport correlation_report;
};

// A missing file or a rule set that cannot compile is an error; single bad rules are warnings.
Result<LoadedRules> load_detection_rules(std::vector<std::string> signature_paths,
                                         std::vector<std::string> correlation_paths, std::ostream& warnings);

}  // namespace vigil::cli
