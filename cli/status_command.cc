#include "status_command.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "terminal.h"

namespace vigil::cli {

namespace {

struct StatusOptions {
  std::string socket;
  bool json = false;
};

// "data dir:   ": a label padded so the values line up, in any language (widths counted as displayed).
std::string label(std::string_view text) {
  static const size_t width = [] {
    size_t widest = 0;
    for (std::string_view l : {tr("data dir"), tr("you"), tr("rules"), tr("events"), tr("incidents"), tr("storage"),
                               tr("link")}) {
      widest = std::max(widest, display_width(l));
    }
    return std::max<size_t>(12, widest + 3);
  }();
  std::string padded = std::string(text) + ":";
  return padded + std::string(width - display_width(padded), ' ');
}

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
  std::cout << "vigild " << s.value("version", "?") << ", pid " << s.value("pid", 0) << ", " << tr("up") << " "
            << s.value("uptime_seconds", 0) << " s\n"
            << label(tr("data dir")) << s.value("data_dir", "") << "\n"
            << label(tr("you")) << s["caller"].value("user", "") << " (" << s["caller"].value("role", "") << ")\n"
            << label(tr("rules")) << r.value("loaded", 0) << " " << tr("loaded") << ", " << r.value("reloads", 0) << " "
            << tr("reloads");
  if (!r.value("last_reload_error", "").empty()) {
    std::cout << "; " << tr("last reload refused") << ": " << r["last_reload_error"].get<std::string>();
  }
  std::cout << "\n"
            << label(tr("events")) << p.value("events_received", 0) << " " << tr("received") << ", "
            << p.value("events_stored", 0) << " " << tr("stored") << ", " << p.value("queue_drops", 0) << " "
            << tr("dropped") << "\n"
            << label(tr("incidents")) << p.value("open_incidents", 0) << " " << tr("open") << ", "
            << p.value("incidents_changed", 0) << " " << tr("raised or updated") << "\n";
  if (p.value("store_errors", 0) > 0) std::cout << label(tr("storage")) << p.value("last_error", "") << "\n";
  for (const auto& sensor : s["sensors"]) {
    std::cout << tr("sensor") << " " << sensor.value("name", "") << " (" << sensor.value("zone", "") << ", "
              << sensor.value("interface", "") << "): " << sensor.value("packets", 0) << " " << tr("packets") << ", "
              << sensor.value("alerts", 0) << " " << tr("alerts") << ", " << sensor.value("kernel_drops", 0) << " "
              << tr("kernel drops");
    if (!sensor.value("running", true)) std::cout << ", " << tr("STOPPED") << ": " << sensor.value("failure", "");
    std::cout << "\n";
  }
  // The sensor link (daemon/link): this daemon as a sensor shipping to a central one, or as the central.
  if (const auto& link = s.value("link", nlohmann::json::object()); link.value("mode", "") == "sensor") {
    std::cout << label(tr("link")) << tr("sensor") << " -> " << link.value("central", "") << ", "
              << (link.value("connected", false) ? "connected" : "NOT connected") << ", "
              << link.value("spool_batches", 0) << " batches (" << link.value("spool_bytes", 0)
              << " bytes) spooled, last ack " << link.value("last_acked_seq", 0) << ", "
              << link.value("events_dropped", 0) << " events dropped";
    if (!link.value("connected", false) && !link.value("last_error", "").empty()) {
      std::cout << "; " << link["last_error"].get<std::string>();
    }
    std::cout << "\n";
  } else if (link.value("mode", "") == "central") {
    std::cout << label(tr("link")) << tr("central on") << " " << link.value("listen", "") << ", " << link.value("refused", 0)
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
  cmd->footer(
      "Prints vigild's version and uptime, its data dir, who you are to it (user and role), the rules\n"
      "loaded and the last refused reload, events received/stored/dropped, open incidents, each sensor's\n"
      "packets, alerts and kernel drops (STOPPED and why, if one failed), and the sensor link.\n\n"
      "Examples:\n"
      "  vigil status\n"
      "  vigil --lang vi status\n"
      "  vigil status --socket /run/vigil/control.sock --json\n\n"
      "Exit codes: 0 the daemon answered, 1 it could not be reached or refused.");
  cmd->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the daemon's answer as JSON");
  cmd->callback([options, &exit_code] { exit_code = run_status(*options); });
}

}  // namespace vigil::cli
