// `vigil admin backup|check|stats`: operations on a data dir. check and stats open it read-only;
// backup opens it read-write, and when a running vigild holds it, asks vigild over its control
// socket (admin.backup) to write the checkpoint instead.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_admin_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
