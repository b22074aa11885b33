// `vigil alerts list|tail` and `vigil incidents list|show|ack|...`: what responders triage with. They ask
// the running vigild (its socket, or --connect over TLS), so roles apply and `--assignee me` means the
// caller as vigild knows it; `--data-dir` reads a data dir directly instead (offline, no daemon).
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_alerts_commands(CLI::App& app, int& exit_code);
void add_incidents_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
