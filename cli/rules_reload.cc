#include "rules_reload.h"

#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"

namespace vigil::cli {

namespace {

struct ReloadOptions {
  std::string socket;
  bool correlation = false;
  bool json = false;
};

int run_reload(const ReloadOptions& options) {
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  // Signature rules first: they are what the packet path runs; correlation after, on request.
  std::vector<std::string> methods = {"rules.reload"};
  if (options.correlation) methods.push_back("correlation.reload");
  nlohmann::json results = nlohmann::json::object();
  int exit_code = kExitOk;
  for (const auto& method : methods) {
    const std::string_view what = method == "rules.reload" ? tr("signature rules") : tr("correlation rules and policy");
    auto reply = client->call(method);
    if (!reply) {
      results[method] = {{"reloaded", false}, {"error", reply.error().message}};
      if (!options.json) std::cerr << "vigil rules reload: " << what << ": " << reply.error().message << "\n";
      exit_code = kExitFailure;
      continue;
    }
    results[method] = *reply;
    if (!options.json) std::cout << what << " " << tr("reloaded") << ": " << reply->value("summary", "") << "\n";
  }
  if (options.json) std::cout << results.dump(2) << "\n";
  return exit_code;
}

}  // namespace

void add_rules_reload_command(CLI::App& rules_cmd, int& exit_code) {
  auto options = std::make_shared<ReloadOptions>();
  options->socket = default_socket_path();
  CLI::App* cmd = rules_cmd.add_subcommand("reload", "Make the running vigild load its rules again (admin)");
  cmd->footer(
      "vigild compiles the rules off the packet path and swaps them in between two packets, so no packet\n"
      "is lost. A rule set that fails to load (a missing file, a syntax error) leaves the running set in\n"
      "place; the reason is printed here and kept in `vigil status`. SIGHUP does the same for both sets.\n\n"
      "Examples:\n"
      "  vigil rules reload\n"
      "  vigil rules reload --correlation\n"
      "  vigil --connect soc.example:7443 --cert me.pem --key me.key --ca ca.pem rules reload --json\n\n"
      "Exit codes: 0 reloaded, 1 refused (the running rules stay) or vigild unreachable, 2 bad usage.");
  cmd->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--correlation", options->correlation, "Also reload the correlation rules and the incident policy");
  cmd->add_flag("--json", options->json, "The daemon's replies as one JSON object, keyed by method");
  cmd->callback([options, &exit_code] { exit_code = run_reload(*options); });
}

}  // namespace vigil::cli
