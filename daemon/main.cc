// vigild: the vigil daemon. The service (config, control API, live sensors, sensor link) is built
// by the daemon issue; until then this binary only answers --help and --version and says so,
// rather than pretending to run. Offline analysis works today through `vigil replay`.
#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"vigild - the vigil monitoring daemon"};
  app.set_version_flag("--version", "vigild 0.1.0");
  std::string config;
  app.add_option("--config", config, "Daemon configuration file (YAML)");
  app.footer("The daemon service is not built yet; use 'vigil replay' for offline analysis.");
  CLI11_PARSE(app, argc, argv);
  std::cerr << "vigild: the daemon service is not available in this build yet; "
               "use 'vigil replay CAPTURE' for offline analysis\n";
  return 2;
}
