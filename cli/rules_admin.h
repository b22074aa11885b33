// `vigil rules list|show|disable|enable|threshold|suppress|stats`: tuning the running vigild's rule set
// (the rule admin's methods, daemon/rule_admin_api.h) over DaemonClient, with tables for people and
// --json for scripts. `rules stats --cost --pcap` profiles rules on a capture without a daemon.
// Thread contract: main thread, like every command.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_rules_admin_commands(CLI::App& rules_cmd, int& exit_code);

// rules_admin_suppress.cc, rules_admin_stats.cc
void add_rules_suppress_command(CLI::App& rules_cmd, int& exit_code);
void add_rules_stats_command(CLI::App& rules_cmd, int& exit_code);

}  // namespace vigil::cli
