// `vigil audit log`: the daemon's audit chain (audit.list) as a table or JSON lines, filtered by time,
// actor and method; `--verify` has vigild walk the chain (audit.verify). Auditor or admin role.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_audit_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
