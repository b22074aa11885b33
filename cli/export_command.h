// `vigil export`: fetches incidents, alerts or audit entries of a time range from the running vigild
// (export.page, auditor or admin role), writes them as a hash-chained file signed with Ed25519
// (export_format.h) and reports the finished file to vigild (export.done, audited).
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_export_command(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
