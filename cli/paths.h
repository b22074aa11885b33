// Where the CLI finds its defaults: the config dir (default rules and correlation rules) and the
// data dir. Each can be named on the command line or by an environment variable.
// Thread contract: pure functions.
#pragma once

#include <string>

namespace vigil::cli {

// $VIGIL_CONFIG_DIR, else the source tree's config/ (a build run in place), else /etc/vigil.
std::string default_config_dir();
// $VIGIL_DATA_DIR, else ./vigil-data.
std::string default_data_dir();

}  // namespace vigil::cli
