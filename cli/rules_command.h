// `vigil rules lint` (which rules of a ruleset load, which are skipped and why) and `vigil rules test`
// (alert counts of a ruleset over a capture, compared with expected counts, one sid explained).
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_rules_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
