// `vigil replay`: the whole pipeline offline in one process — read captures, decode, detect,
// correlate, store, summarise. Registered on the CLI11 app by main().
// Thread contract: runs on the main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_replay_command(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
