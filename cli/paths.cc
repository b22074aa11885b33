#include "paths.h"

#include <cstdlib>
#include <filesystem>

namespace vigil::cli {

std::string default_config_dir() {
  if (const char* env = std::getenv("VIGIL_CONFIG_DIR"); env && *env) return env;
#ifdef VIGIL_SOURCE_CONFIG_DIR
  if (std::filesystem::is_directory(VIGIL_SOURCE_CONFIG_DIR)) return VIGIL_SOURCE_CONFIG_DIR;
#endif
  return "/etc/vigil";
}

std::string default_data_dir() {
  if (const char* env = std::getenv("VIGIL_DATA_DIR"); env && *env) return env;
  return "vigil-data";
}

}  // namespace vigil::cli
