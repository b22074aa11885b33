// `vigild --check-config FILE`: reads the config, the policy keys in it, the signature and correlation
// rules it names, and prints every problem with file, line and field. Nothing is opened for writing.
// Thread contract: main thread.
#pragma once

#include <filesystem>
#include <ostream>

namespace vigil::daemon {

// Exit code: 0 when the daemon would start with this file, 2 when not (every reason printed to `out`).
int check_config(const std::filesystem::path& file, std::ostream& out);

}  // namespace vigil::daemon
