// The liaison officer's commands for layer-4 reporting (the national centre):
//   vigil reports due [--within 24h | --all] [--check] [--json]   reports due or overdue, soonest first
//   vigil report ID [--kind initial|full|final] [--format text|json|stix] [--impact T] [--help-requested T]
//   vigil report send ID --kind initial|full|final [--impact T] [--help-requested T] [--wait]
// Everything comes from vigild (reports.due, reports.form, reports.send in daemon/report_api.h), over the
// socket or --connect TLS.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

// `vigil reports due --check` exits with this when a listed report is overdue (0 when none is), so a
// cron job can tell "late reports" from "could not ask" (1) and "bad arguments" (2).
inline constexpr int kExitOverdue = 3;

void add_report_commands(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
