// `vigil alerts list` and `vigil incidents list`: read what is stored in a data dir. For now they
// open the data dir read-only themselves; once the daemon exists they go through its control API.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_alerts_commands(CLI::App& app, int& exit_code);
void add_incidents_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
