#include "alerts_tail.h"

#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "time_text.h"
#include "vigil/core/eve_json.h"

namespace vigil::cli {

namespace {

using nlohmann::json;

volatile std::sig_atomic_t g_stop = 0;

void on_stop(int) { g_stop = 1; }

struct TailOptions {
  std::string socket = default_socket_path();
  bool json = false;
  int interval_ms = 500;
};

// Sleeps up to `ms`, waking early when asked to stop.
void pause(int ms) {
  for (int waited = 0; waited < ms && !g_stop; waited += 50) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

void print_alert(const Event& event, bool as_json) {
  if (as_json) {
    std::cout << to_eve_json(event) << "\n";
  } else {
    const auto endpoint = [&](const std::optional<IpAddress>& ip, uint16_t port) {
      std::string text = ip ? ip->to_string() : "-";
      if (event.proto == kProtoTcp || event.proto == kProtoUdp) text += ":" + std::to_string(port);
      return text;
    };
    std::cout << table_time(event.timestamp) << "  " << event.alert->signature_id << "  sev "
              << event.alert->severity << "  " << endpoint(event.src_ip, event.src_port) << " -> "
              << endpoint(event.dest_ip, event.dest_port) << "  " << (event.sensor.empty() ? "-" : event.sensor)
              << "  " << (event.incident_id.empty() ? "-" : event.incident_id) << "  " << event.alert->signature
              << "\n";
  }
  std::cout.flush();  // a pipe reader (grep, jq) sees each alert at once
}

int tail(const TailOptions& o) {
  struct sigaction action {};
  action.sa_handler = on_stop;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  std::optional<uint64_t> after;  // the last seq printed (or skipped as before the start)
  std::string since;              // vigild's time at its last answer: where a gap search starts
  bool announced_loss = false;
  bool first_connect = true;
  while (!g_stop) {
    auto client = DaemonClient::connect(o.socket);
    if (!client) {
      if (first_connect) return runtime_error(client.error().message);
      if (!announced_loss) std::cerr << "vigil: " << client.error().message << "; " << tr("retrying every second") << "\n";
      announced_loss = true;
      pause(1000);
      continue;
    }
    if (announced_loss) std::cerr << "vigil: " << tr("vigild is back; going on from where the tail was") << "\n";
    announced_loss = false;
    first_connect = false;
    while (!g_stop) {
      json params = json::object();
      if (after) params["after_seq"] = *after;
      if (!since.empty()) params["since"] = since;
      auto reply = client->call("alerts.tail", params);
      if (!reply) {
        if (reply.error().code != ErrorCode::io_error) return runtime_error(reply.error().message);  // refused
        std::cerr << "vigil: " << tr("lost vigild") << " (" << reply.error().message << "); "
                  << tr("reconnecting") << "\n";
        announced_loss = true;
        break;
      }
      if (!after) std::cerr << "vigil: " << tr("following new alerts (Ctrl-C ends)") << "\n";  // on stderr: --json stays EVE
      since = reply->value("now", since);
      const bool full = (*reply)["alerts"].size() >= 500;
      for (const json& item : (*reply)["alerts"]) {
        auto event = event_from_json(item["event"].dump());
        if (!event) return runtime_error("vigild sent an alert that does not decode: " + event.error().message);
        event->seq = item["seq"].get<uint64_t>();
        if (after && event->seq <= *after) continue;  // never twice
        print_alert(*event, o.json);
      }
      after = (*reply)["last_seq"].get<uint64_t>();
      if (!full) pause(o.interval_ms);
    }
    if (!g_stop) pause(1000);
  }
  return kExitOk;
}

}  // namespace

void add_alerts_tail_command(CLI::App& alerts, int& exit_code) {
  auto o = std::make_shared<TailOptions>();
  CLI::App* cmd = alerts.add_subcommand("tail", "Follow new alerts as vigild stores them, until Ctrl-C");
  cmd->add_option("--socket", o->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--json", o->json, "One EVE JSON object per line, for scripts");
  cmd->add_option("--interval", o->interval_ms, "Ask vigild for new alerts every N milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(50, 60'000));
  cmd->footer(
      "Examples:\n"
      "  vigil alerts tail\n"
      "  vigil alerts tail --json | jq -c 'select(.alert.severity == 1)'\n\n"
      "Starts with the next alert stored. If vigild restarts, the tail says so on stderr, reconnects and\n"
      "goes on: every alert stored meanwhile is printed once, none twice.\n\n"
      "Exit codes: 0 ended by Ctrl-C, 1 vigild unreachable at the start or refused, 2 bad option.");
  cmd->callback([o, &exit_code] { exit_code = tail(*o); });
}

}  // namespace vigil::cli
