// `vigil rules reload`: asks the running vigild to recompile its signature rules (and, with
// --correlation, its correlation rules and incident policy) and swap them in; a set that fails keeps
// the running one, and the command says why. Needs the admin role.
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_rules_reload_command(CLI::App& rules_cmd, int& exit_code);

}  // namespace vigil::cli
