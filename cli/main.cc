// vigil: the command-line tool of the vigil SOC monitor.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "exit_codes.h"
#include "list_commands.h"
#include "replay_command.h"

int main(int argc, char** argv) {
  CLI::App app{"vigil - security monitoring for the provincial WAN and data center"};
  app.set_version_flag("--version", std::string("vigil ") + VIGIL_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'vigil COMMAND --help' for a command's options and examples.");
  int exit_code = vigil::cli::kExitOk;
  vigil::cli::add_replay_command(app, exit_code);
  vigil::cli::add_alerts_commands(app, exit_code);
  vigil::cli::add_incidents_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : vigil::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "vigil: internal error: " << e.what() << "\n";
    return vigil::cli::kExitFailure;
  }
  return exit_code;
}
