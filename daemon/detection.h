// Loading what the pipeline detects with: signature rules (with the config's variables), correlation
// rules and the incident policy, from the paths in a DaemonConfig. Used at start, by SIGHUP /
// rules.reload and by --check-config.
// Thread contract: pure functions of the files; called off the packet path (the reload thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "rule_admin_rules.h"
#include "vigil/correlator/correlation_rule.h"
#include "vigil/correlator/incident_policy.h"
#include "vigil/core/result.h"
#include "vigil/rules/rule_set.h"

namespace vigil::daemon {

struct SignatureLoad {
  std::shared_ptr<const rules::RuleSet> rules;
  size_t skipped_unsupported = 0;  // rules with a keyword this build lacks: skipped, as in Suricata
  std::vector<std::string> errors;    // rules with syntax errors, "file:line: sid N: reason"
  std::vector<std::string> warnings;  // unsupported keywords
  std::shared_ptr<const RuleCatalogue> catalogue;  // every rule as written, for `vigil rules list|show`
};

// A missing or unreadable path is an Error. Rules with syntax errors are listed in `errors`; at start they
// are skipped (the rest run), on reload they refuse the new set so a typo never replaces a working set.
// `overrides` (the rule admin's disabled sids and thresholds, rule_admin.h) are applied to the text.
Result<SignatureLoad> load_signatures(const DaemonConfig& config, const RuleOverrides& overrides = {});

struct CorrelationLoad {
  std::vector<correlator::CorrelationRule> rules;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};
Result<CorrelationLoad> load_correlation(const DaemonConfig& config);

// The assets, layers, drills and reporting keys of the config file itself.
Result<std::shared_ptr<const correlator::IncidentPolicy>> load_policy(const DaemonConfig& config);

}  // namespace vigil::daemon
