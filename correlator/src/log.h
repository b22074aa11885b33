// The correlator's named spdlog logger ("correlator"). Private to the module. spdlog loggers are
// thread-safe; the correlator logs rare conditions only (store failures, time jumps), never per event.
#pragma once

#include <spdlog/spdlog.h>

namespace vigil::correlator {

spdlog::logger& log();

}  // namespace vigil::correlator
