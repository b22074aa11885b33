// `vigil alerts tail`: follows new alerts as vigild stores them. Polls alerts.tail with the seq of the
// last alert it printed (vigild numbers every stored event, and the number survives a restart), so no
// alert is skipped or printed twice; when vigild goes away it says so on stderr, retries every second
// and goes on from the same seq once it is back. Ctrl-C (or SIGTERM) ends it with exit 0.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_alerts_tail_command(CLI::App& alerts, int& exit_code);

}  // namespace vigil::cli
