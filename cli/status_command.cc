#include "status_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
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
  double sample = 1.0;  // seconds between the two answers rates are measured over; 0: no rates
};

// "  (35/s)": how much `key` grew per second between two status answers; "" without a second answer.
std::string rate(const nlohmann::json& before, const nlohmann::json& after, const char* key, double seconds) {
  if (before.is_null() || after.is_null() || seconds <= 0) return "";
  const double grown = static_cast<double>(after.value(key, uint64_t{0})) - static_cast<double>(before.value(key, uint64_t{0}));
  char text[48];
  std::snprintf(text, sizeof text, " (%.0f/s)", grown < 0 ? 0.0 : grown / seconds);
  return text;
}

// "data dir:   ": a label padded so the values line up, in any language (widths counted as displayed).
std::string label(std::string_view text) {
  static const size_t width = [] {
    size_t widest = 0;
    for (std::string_view l : {tr("data dir"), tr("you"), tr("rules"), tr("events"), tr("incidents"), tr("storage"),
                               tr("link"), tr("backlog")}) {
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
  // Rates: a second answer a moment later; the counters' growth per second.
  nlohmann::json first;
  if (options.sample > 0) {
    first = s;
    std::this_thread::sleep_for(std::chrono::duration<double>(options.sample));
    auto again = client->call("status");
    if (!again) return runtime_error(again.error().message);
    *status = std::move(*again);
  }
  const auto sensor_before = [&](const nlohmann::json& sensor) {
    if (first.is_null()) return nlohmann::json();
    for (const auto& old : first["sensors"]) {
      if (old.value("name", "") == sensor.value("name", "")) return old;
    }
    return nlohmann::json();
  };
  const auto& p = s["pipeline"];
  const auto& r = s["rules"];
  std::cout << "vigild " << s.value("version", "?") << ", pid " << s.value("pid", 0) << ", " << tr("up") << " "
            << s.value("uptime_seconds", 0) << " s\n"
            << label(tr("data dir")) << s.value("data_dir", "") << "\n"
            << label(tr("you")) << s["caller"].value("user", "") << " (" << s["caller"].value("role", "") << ")\n"
            << label(tr("rules")) << r.value("loaded", 0) << " " << tr("loaded") << ", " << r.value("reloads", 0) << " "
            << tr("reloads");
  if (!r.value("version", "").empty()) std::cout << ", " << tr("version") << " " << r["version"].get<std::string>();
  if (!r.value("last_reload_error", "").empty()) {
    std::cout << "; " << tr("last reload refused") << ": " << r["last_reload_error"].get<std::string>();
  }
  std::cout << "\n"
            << label(tr("events")) << p.value("events_received", 0) << " " << tr("received")
            << rate(first.is_null() ? first : first["pipeline"], p, "events_received", options.sample) << ", "
            << p.value("events_stored", 0) << " " << tr("stored") << ", " << p.value("queue_drops", 0) << " "
            << tr("dropped") << "\n"
            << label(tr("backlog")) << p.value("queue_depth", 0) << " " << tr("events waiting for the pipeline");
  for (const auto& forwarder : s.value("forwarders", nlohmann::json::array())) {
    std::cout << ", " << forwarder.value("backlog", 0) << " " << tr("incidents spooled for") << " "
              << forwarder.value("name", "");
  }
  std::cout << "\n"
            << label(tr("incidents")) << p.value("open_incidents", 0) << " " << tr("open") << ", "
            << p.value("incidents_changed", 0) << " " << tr("raised or updated") << "\n";
  if (p.value("store_errors", 0) > 0) std::cout << label(tr("storage")) << p.value("last_error", "") << "\n";
  for (const auto& sensor : s["sensors"]) {
    std::cout << tr("sensor") << " " << sensor.value("name", "") << " (" << sensor.value("zone", "") << ", "
              << sensor.value("interface", "") << "): " << sensor.value("packets", 0) << " " << tr("packets")
              << rate(sensor_before(sensor), sensor, "packets", options.sample) << ", " << sensor.value("alerts", 0)
              << " " << tr("alerts") << rate(sensor_before(sensor), sensor, "alerts", options.sample) << ", "
              << sensor.value("kernel_drops", 0) << " " << tr("kernel drops");
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
      "loaded, their version and the last refused reload, events received/stored/dropped, the backlog\n"
      "(events waiting for the pipeline, incidents spooled per forwarder), open incidents, each sensor's\n"
      "packets, alerts and kernel drops (STOPPED and why, if one failed), and the sensor link. Rates\n"
      "(per second) are measured between two answers --sample seconds apart.\n\n"
      "Examples:\n"
      "  vigil status\n"
      "  vigil --lang vi status\n"
      "  vigil status --socket /run/vigil/control.sock --json\n\n"
      "Exit codes: 0 the daemon answered, 1 it could not be reached or refused.");
  cmd->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the daemon's answer as JSON");
  cmd->add_option("--sample", options->sample,
                  "Measure rates (events, packets, alerts per second) over this many seconds; 0: no rates")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  cmd->callback([options, &exit_code] { exit_code = run_status(*options); });
}

}  // namespace vigil::cli
