// `vigil admin backup|check|stats`: operations on a data dir. For now they open the data dir
// themselves (backup read-write, so no daemon may hold it; check and stats read-only); once the
// daemon exists, backup goes through its control API so it can run while the daemon writes.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_admin_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
