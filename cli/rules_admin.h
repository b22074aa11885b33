// `vigil rules list|show|disable|enable|threshold|suppress|stats`: tuning the running vigild's rule set
// (the rule admin's methods, daemon/rule_admin_api.h) over DaemonClient, with tables for people and
// --json for scripts. `rules stats --cost --pcap` profiles rules on a capture without a daemon.
// Thread contract: main thread, like every command.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace vigil::cli {

void add_rules_admin_commands(CLI::App& rules_cmd, int& exit_code);

// rules_admin_suppress.cc, rules_admin_stats.cc
void add_rules_suppress_command(CLI::App& rules_cmd, int& exit_code);
void add_rules_stats_command(CLI::App& rules_cmd, int& exit_code);
// rules_admin_cost.cc: the per-rule match cost of `rule_paths` (empty: vigild's rule files, its disabled
// rules left out) on the capture `pcap`, costliest first.
int run_rule_cost(const std::string& socket, std::vector<std::string> rule_paths, const std::string& pcap, size_t top,
                  bool as_json);

}  // namespace vigil::cli
