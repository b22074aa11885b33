// Exit codes scripts can rely on, and the one place that prints a failure before returning one.
// Thread contract: main thread.
#pragma once

#include <iostream>
#include <string>

namespace vigil::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work ran but something failed (unreadable capture, storage)
inline constexpr int kExitUsage = 2;    // bad command line, config, rules or data dir: nothing was done

inline int usage_error(const std::string& message) {
  std::cerr << "vigil: " << message << "\n";
  return kExitUsage;
}

inline int runtime_error(const std::string& message) {
  std::cerr << "vigil: " << message << "\n";
  return kExitFailure;
}

}  // namespace vigil::cli
