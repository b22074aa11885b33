// The rule admin's methods of the control API, for `vigil rules list|show|disable|enable|threshold|
// suppress|stats`: reads (rules.list, rules.show, rules.suppressions, rules.stats) and changes
// (rules.disable, rules.enable, rules.threshold, rules.suppress, rules.unsuppress; admin only, roles.cc).
// A disable, enable or threshold recompiles the rules through the reload path with the new overrides
// and stores them only when the new set runs; a failed or refused reload leaves both as they were.
// Every change is audited with its actor, reason and outcome.
// Thread contract: called on the control thread; `reply` and `audit` may run on the reload thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rule_admin.h"

namespace vigil::daemon {

// Builds and swaps in a rule set with these overrides off the control thread; `done` gets a summary or
// why the running set stays.
using RuleReloader = std::function<void(RuleOverrides, std::function<void(Result<std::string>)> done)>;
using RuleAdminAudit = std::function<void(const nlohmann::json& params, const std::string& outcome)>;

bool is_rule_admin_method(std::string_view method);

void handle_rule_admin(RuleAdmin& admin, const RuleReloader& reload, const std::string& actor,
                       const std::string& method, const nlohmann::json& params, const nlohmann::json& id,
                       RuleAdminAudit audit, std::function<void(std::string line)> reply);

}  // namespace vigil::daemon
