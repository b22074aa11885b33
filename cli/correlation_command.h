// `vigil correlation list`: the correlation rules the running vigild has loaded (correlation.list in
// daemon/correlation_api.h). `vigil correlation test --rules FILE (--pcap CAPTURE... | --events EVE.jsonl)`:
// runs correlation rules offline, with the signature rules over a capture through the replay pipeline
// (replay_pipeline.h) or over EVE lines already written, and prints the incidents they would raise;
// nothing is stored and no daemon is needed. A rules file with a broken rule is refused (exit 2) with
// file, line and reason for each.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_correlation_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
