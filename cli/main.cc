// vigil: the command-line tool of the vigil SOC monitor.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "admin_command.h"
#include "daemon_client.h"
#include "audit_command.h"
#include "completion.h"
#include "correlation_command.h"
#include "exit_codes.h"
#include "i18n.h"
#include "terminal.h"
#include "export_command.h"
#include "list_commands.h"
#include "replay_command.h"
#include "report_command.h"
#include "rules_command.h"
#include "status_command.h"
#include "verify_command.h"

namespace {

// Stdout belongs to results (tables, JSON, EVE lines); every module logs to stderr, and only
// warnings unless asked. Modules clone the default logger on first use, so set it first.
void set_up_logging() {
  auto logger = spdlog::stderr_color_mt("vigil");
  logger->set_pattern("vigil: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::warn);
}

}  // namespace

int main(int argc, char** argv) {
  set_up_logging();
  CLI::App app{"vigil - security monitoring for the provincial WAN and data center"};
  app.set_version_flag("--version", std::string("vigil ") + VIGIL_VERSION);
  app.require_subcommand(1);
  app.add_flag_callback("-v,--verbose", [] { spdlog::set_level(spdlog::level::info); },
                        "Log what the modules do (to stderr)");
  app.footer("Run 'vigil COMMAND --help' for a command's options and examples.\n"
             "Over TLS: vigil --connect 10.0.0.5:7443 --cert me.pem --key me.key --ca ca.pem status\n"
             "(or $VIGIL_CONNECT, $VIGIL_CERT, $VIGIL_KEY, $VIGIL_CA); without --connect, vigild's Unix socket.\n"
             "In Vietnamese: vigil --lang vi incidents list (or $VIGIL_LANG=vi). Tab completion: vigil completion --help.\n"
             "Exit codes: 0 done, 1 ran and failed or was refused, 2 bad usage (nothing was done).");
  // Every command that talks to vigild reads these through DaemonClient.
  vigil::cli::RemoteDaemon& remote = vigil::cli::remote_daemon_setting();
  app.add_option("--connect", remote.address, "Reach vigild's TLS control listener at HOST:PORT ($VIGIL_CONNECT)")
      ->envname("VIGIL_CONNECT");
  app.add_option("--cert", remote.cert, "With --connect: our client certificate, PEM ($VIGIL_CERT)")->envname("VIGIL_CERT");
  app.add_option("--key", remote.key, "With --connect: its private key, PEM ($VIGIL_KEY)")->envname("VIGIL_KEY");
  app.add_option("--ca", remote.ca, "With --connect: the CA vigild's certificate must chain to ($VIGIL_CA)")
      ->envname("VIGIL_CA");
  app.add_option_function<std::string>(
         "--lang", [](const std::string& code) { vigil::cli::set_lang(*vigil::cli::parse_lang(code)); },
         "Language of tables and labels for people: en or vi ($VIGIL_LANG); --json stays English")
      ->check(CLI::IsMember({"en", "vi"}))
      ->envname("VIGIL_LANG");
  app.add_option_function<std::string>(
         "--color", [](const std::string& mode) { vigil::cli::set_color_mode(*vigil::cli::parse_color_mode(mode)); },
         "Colour in tables: auto (on a terminal, unless $NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  int exit_code = vigil::cli::kExitOk;
  vigil::cli::add_replay_command(app, exit_code);
  vigil::cli::add_rules_commands(app, exit_code);
  vigil::cli::add_alerts_commands(app, exit_code);
  vigil::cli::add_incidents_commands(app, exit_code);
  vigil::cli::add_admin_commands(app, exit_code);
  vigil::cli::add_status_command(app, exit_code);
  vigil::cli::add_export_command(app, exit_code);
  vigil::cli::add_verify_command(app, exit_code);
  vigil::cli::add_audit_commands(app, exit_code);
  vigil::cli::add_report_commands(app, exit_code);
  vigil::cli::add_correlation_commands(app, exit_code);
  vigil::cli::add_completion_command(app, exit_code);  // walks the whole tree when it runs
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
