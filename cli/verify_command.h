// `vigil verify FILE --key PUB`: checks a signed export's hash chain and signature without a daemon and
// names the first record that was changed, removed, reordered or added (export_format.h).
// Thread contract: main thread.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_verify_command(CLI::App& app, int& exit_code);

}  // namespace vigil::cli
