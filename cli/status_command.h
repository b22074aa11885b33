// `vigil status`: asks the running vigild for its state over the control socket.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_status_command(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
