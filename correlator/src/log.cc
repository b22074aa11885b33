#include "log.h"

#include <memory>

namespace vigil::correlator {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("correlator")) return existing;
    auto created = spdlog::default_logger()->clone("correlator");
    try {
      spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
      // Another thread registered it first; use that one.
      if (auto existing = spdlog::get("correlator")) return existing;
    }
    return created;
  }();
  return *logger;
}

}  // namespace vigil::correlator
