// `vigil rules test`: runs a ruleset over a capture through the replay pipeline's sensors and
// scanner (reassembly, thresholds; no correlation, no storage), prints alert counts per sid,
// compares them with an --expect file and explains one sid (rules_explain.h).
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_rules_test_command(CLI::App& rules_cmd, int& exit_code);

}  // namespace vigil::cli
