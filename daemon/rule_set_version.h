// A short fingerprint of the loaded signature rules for `vigil status`: two sensors (or a sensor before
// and after a reload) run the same rules when their versions match. It covers each rule's gid, sid, rev
// and action in load order, so a rule added, removed, disabled or given a new rev changes it.
// Thread contract: pure function.
#pragma once

#include <string>

#include "vigil/rules/rule_set.h"

namespace vigil::daemon {

// The first 12 hex digits of SHA-256 over "gid:sid:rev:action\n" per rule.
std::string rule_set_version(const rules::RuleSet& rules);

}  // namespace vigil::daemon
