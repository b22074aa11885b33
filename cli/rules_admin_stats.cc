// vigil rules stats: hits per rule over a window, the noisiest rules, rules never fired, suppressions
// (rules.stats).
#include <iostream>
#include <memory>

#include "rules_admin.h"
#include "rules_admin_common.h"
#include "table.h"
#include "time_arg.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

struct StatsOptions {
  std::string socket = default_socket_path();
  std::string since;
  size_t top = 10;
  bool json = false;
  bool cost = false;
  std::string pcap;
  std::vector<std::string> rules;
};

int run_stats(const StatsOptions& o) {
  if (o.cost) return run_rule_cost(o.socket, o.rules, o.pcap, o.top, o.json);
  json params = {{"top", o.top}};
  const Timestamp now = SystemClock().now();
  if (!o.since.empty()) {
    auto since = parse_time_arg(o.since, now);
    if (!since) return usage_error("rules stats: --since: " + since.error().message);
    params["since"] = rfc3339(*since);
  }
  auto reply = call_daemon(o.socket, "stats", "rules.stats", params);
  if (!reply) return kExitFailure;
  const json& r = *reply;
  if (o.json) {
    std::cout << r.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  std::cout << tr("Window:") << " " << (r.value("since", "").empty() ? std::string(tr("since counting began"))
                                                                      : when_from(r["since"], now) + " - " + std::string(tr("now")))
            << "\n";
  std::cout << tr("Rules loaded:") << " " << r.value("rules_loaded", 0) << ", " << tr("fired:") << " "
            << r.value("rules_fired", 0) << ", " << tr("alerts:") << " " << r.value("total_hits", 0) << "\n\n";
  std::cout << tr("Noisiest rules") << "\n";
  if (r["noisiest"].empty()) {
    std::cout << "  -\n";
  } else {
    Table table({std::string(tr("SID")), std::string(tr("HITS")), std::string(tr("SUPPRESSED")),
                 std::string(tr("LAST")), std::string(tr("MESSAGE"))});
    for (const json& row : r["noisiest"]) {
      table.add_row({std::to_string(row.value("sid", 0)), std::to_string(row.value("hits", 0)),
                     std::to_string(row.value("suppressed", 0)), when_from(row["last_hit"], now),
                     row.value("msg", "") + (row.value("state", "") == "disabled" ? " (" + std::string(tr("disabled")) + ")" : "")});
    }
    table.print(std::cout);
  }
  const json& never = r["never_fired"];
  std::cout << "\n" << tr("Never fired") << " (" << never.size() << ")\n";
  if (never.empty()) std::cout << "  -\n";
  size_t shown = 0;
  for (const json& row : never) {
    if (shown++ == o.top) {
      std::cout << "  ... " << never.size() - o.top << " " << tr("more (--json lists all)") << "\n";
      break;
    }
    std::cout << "  " << row.value("sid", 0) << "  " << row.value("file", "") << ":" << row.value("line", 0) << "  "
              << row.value("msg", "") << "\n";
  }
  std::cout << "\n" << tr("Suppressions") << "\n";
  if (r["suppressions"].empty()) {
    std::cout << "  -\n";
  } else {
    Table table({std::string(tr("ID")), std::string(tr("SID")), std::string(tr("STATE")), std::string(tr("SUPPRESSED")),
                 std::string(tr("OWNER"))});
    for (const json& s : r["suppressions"]) {
      table.add_row({std::to_string(s.value("id", 0)), std::to_string(s.value("sid", 0)),
                     s.value("state", "") == "expired" ? std::string(tr("expired")) : std::string(tr("active")),
                     std::to_string(s.value("suppressed", 0)), s.value("owner", "")});
    }
    table.print(std::cout);
  }
  return kExitOk;
}

}  // namespace

void add_rules_stats_command(CLI::App& rules_cmd, int& exit_code) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* cmd = rules_cmd.add_subcommand(
      "stats", "How the rules fire: hits per rule, the noisiest, the ones never fired, what suppressions dropped");
  cmd->add_option("--since", o->since, "Count from this time (RFC 3339, a date, or an age like 24h; whole hours)");
  cmd->add_option("--top", o->top, "How many of the noisiest rules to show")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_flag("--json", o->json, "The daemon's reply: {since, until, total_hits, rules_loaded, rules_fired, "
                                  "noisiest, never_fired, suppressions}");
  auto* cost = cmd->add_flag("--cost", o->cost, "Match cost per rule instead, measured on --pcap (offline)");
  auto* pcap = cmd->add_option("--pcap", o->pcap, "With --cost: the capture to profile on")->check(CLI::ExistingFile);
  auto* rules = cmd->add_option("--rules", o->rules, "With --cost: these rule files (default: vigild's)");
  cost->needs(pcap);
  pcap->needs(cost);
  rules->needs(cost);
  cmd->add_option("--socket", o->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->footer(
      "Hits are every alert the sensors raised for a rule, suppressed ones included; vigild counts them by\n"
      "the hour, so --since starts at the top of its hour. Without --since: since the data dir was created.\n"
      "--cost runs vigild's rules (or --rules) over a capture here, with the Scanner's per-rule profile:\n"
      "checks (the rule was fully evaluated), matches and time, costliest first; packet matching only\n"
      "(no stream reassembly), and vigild itself is not slowed.\n\n"
      "Examples:\n"
      "  vigil rules stats --since 24h --top 5\n"
      "  vigil rules stats --json | jq '.never_fired | length'\n"
      "  vigil rules stats --cost --pcap /srv/pcap/monday.pcap --top 20\n\n"
      "Exit codes: 0 shown, 1 vigild unreachable or refused, 2 bad usage.");
  cmd->callback([o, &exit_code] { exit_code = run_stats(*o); });
}

}  // namespace vigil::cli
