// vigild: the vigil monitoring daemon. Reads its YAML config, captures on the configured interfaces,
// correlates and stores, and serves the control API on a Unix socket (service.h). `--check-config`
// validates a config without starting anything.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "config.h"
#include "config_check.h"
#include "service.h"

namespace {

constexpr const char* kDefaultConfig = "/etc/vigil/vigil.yaml";

// systemd's journal adds its own time stamp; the level and a plain sentence are enough.
void set_up_logging() {
  auto logger = spdlog::stderr_color_mt("vigild");
  logger->set_pattern("vigild: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
}

int serve(const std::string& path) {
  std::vector<vigil::daemon::ConfigIssue> issues;
  auto config = vigil::daemon::load_config(path, issues);
  if (!config) {
    std::cerr << "vigild: " << config.error().message << "\n";
    return 2;
  }
  if (!issues.empty()) {
    for (const auto& issue : issues) std::cerr << "vigild: " << to_string(issue) << "\n";
    std::cerr << "vigild: not starting; 'vigild --check-config " << path << "' lists every problem\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  auto service = vigil::daemon::Service::start(std::move(*config));
  if (!service) {
    std::cerr << "vigild: " << service.error().message << "\n";
    return 2;
  }
  return (*service)->run();
}

}  // namespace

int main(int argc, char** argv) {
  set_up_logging();
  CLI::App app{"vigild - the vigil monitoring daemon: live capture, detection, correlation, storage and the\n"
               "control API that the 'vigil' CLI talks to"};
  app.set_version_flag("--version", std::string("vigild ") + VIGIL_VERSION);
  std::string config = kDefaultConfig;
  std::string check;
  app.add_option("--config", config, "Configuration file (YAML); see config/vigil.yaml")->capture_default_str();
  app.add_option("--check-config", check, "Validate FILE, list every problem with file, line and field, and exit "
                                          "(0 valid, 2 not)");
  app.footer(
      "Signals: SIGTERM/SIGINT drain the pipeline, flush storage and exit 0; SIGHUP reloads the signature\n"
      "rules (a rule set with errors leaves the running one in place).\n"
      "Exit codes: 0 stopped cleanly, 1 storage failed while running, 2 bad config or could not start.\n"
      "Examples:\n"
      "  vigild --check-config /etc/vigil/vigil.yaml\n"
      "  vigild --config /etc/vigil/vigil.yaml");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    if (!check.empty()) return vigil::daemon::check_config(check, std::cout);
    return serve(config);
  } catch (const std::exception& e) {
    std::cerr << "vigild: internal error: " << e.what() << "\n";
    return 1;
  }
}
