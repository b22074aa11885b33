#include "status_command.h"

#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"

namespace vigil::cli {

namespace {

struct StatusOptions {
  std::string socket;
  bool json = false;
};

int run_status(const StatusOptions& options) {
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  auto status = client->call("status");
  if (!status) return runtime_error(status.error().message);
  const nlohmann::json& s = *status;
  if (options.json) {
    std::cout << s.dump(2) << "\n";
    return kExitOk;
  }
  const auto& p = s["pipeline"];
  const auto& r = s["rules"];
  std::cout << "vigild " << s.value("version", "?") << ", pid " << s.value("pid", 0) << ", up "
            << s.value("uptime_seconds", 0) << " s\n"
            << "data dir:   " << s.value("data_dir", "") << "\n"
            << "you:        " << s["caller"].value("user", "") << " (" << s["caller"].value("role", "") << ")\n"
            << "rules:      " << r.value("loaded", 0) << " loaded, " << r.value("reloads", 0) << " reloads";
  if (!r.value("last_reload_error", "").empty()) std::cout << "; last reload refused: " << r["last_reload_error"].get<std::string>();
  std::cout << "\n"
            << "events:     " << p.value("events_received", 0) << " received, " << p.value("events_stored", 0)
            << " stored, " << p.value("queue_drops", 0) << " dropped\n"
            << "incidents:  " << p.value("open_incidents", 0) << " open, " << p.value("incidents_changed", 0)
            << " raised or updated\n";
  if (p.value("store_errors", 0) > 0) std::cout << "storage:    " << p.value("last_error", "") << "\n";
  for (const auto& sensor : s["sensors"]) {
    std::cout << "sensor " << sensor.value("name", "") << " (" << sensor.value("zone", "") << ", "
              << sensor.value("interface", "") << "): " << sensor.value("packets", 0) << " packets, "
              << sensor.value("alerts", 0) << " alerts, " << sensor.value("kernel_drops", 0) << " kernel drops";
    if (!sensor.value("running", true)) std::cout << ", STOPPED: " << sensor.value("failure", "");
    std::cout << "\n";
  }
  // The sensor link (daemon/link): this daemon as a sensor shipping to a central one, or as the central.
  if (const auto& link = s.value("link", nlohmann::json::object()); link.value("mode", "") == "sensor") {
    std::cout << "link:       sensor -> " << link.value("central", "") << ", "
              << (link.value("connected", false) ? "connected" : "NOT connected") << ", "
              << link.value("spool_batches", 0) << " batches (" << link.value("spool_bytes", 0)
              << " bytes) spooled, last ack " << link.value("last_acked_seq", 0) << ", "
              << link.value("events_dropped", 0) << " events dropped";
    if (!link.value("connected", false) && !link.value("last_error", "").empty()) {
      std::cout << "; " << link["last_error"].get<std::string>();
    }
    std::cout << "\n";
  } else if (link.value("mode", "") == "central") {
    std::cout << "link:       central on " << link.value("listen", "") << ", " << link.value("refused", 0)
              << " refused, " << link.value("malformed_frames", 0) << " malformed frames\n";
    for (const auto& sensor : link.value("sensors", nlohmann::json::array())) {
      std::cout << "  sensor " << sensor.value("name", "") << " from " << sensor.value("address", "") << ": "
                << (sensor.value("connected", false) ? "connected" : "disconnected") << ", last batch "
                << sensor.value("last_batch_seq", 0) << ", " << sensor.value("batches", 0) << " batches, "
                << sensor.value("duplicate_batches", 0) << " duplicates\n";
    }
  }
  return kExitOk;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StatusOptions>();
  options->socket = default_socket_path();
  CLI::App* cmd = app.add_subcommand("status", "Show what the running daemon is doing (rules, events, sensors)");
  cmd->footer("Examples:\n  vigil status\n  vigil status --socket /run/vigil/control.sock --json\n\n"
              "Exit codes: 0 the daemon answered, 1 it could not be reached or refused.");
  cmd->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the daemon's answer as JSON");
  cmd->callback([options, &exit_code] { exit_code = run_status(*options); });
}

}  // namespace vigil::cli
