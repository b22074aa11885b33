#include "audit_command.h"

#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "table.h"
#include "time_arg.h"

namespace vigil::cli {

namespace {

constexpr int kPageSize = 1000;

struct AuditOptions {
  std::string socket = default_socket_path();
  std::string since;
  std::string until;
  std::string actor;
  std::string method;
  bool json = false;
  bool verify = false;
};

// "incidents" matches every incidents.* method; "incidents.ack" only itself.
bool method_matches(const std::string& filter, const std::string& action) {
  return filter.empty() || action == filter || (action.starts_with(filter) && action[filter.size()] == '.');
}

// The params of a change, compact: what a person scans for in a table.
std::string detail_text(const nlohmann::json& detail) {
  if (!detail.is_object()) return detail.is_string() ? detail.get<std::string>() : detail.dump();
  std::string text;
  const nlohmann::json params = detail.value("params", nlohmann::json::object());
  for (const auto& [name, value] : params.items()) {
    if (!text.empty()) text += " ";
    text += name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  if (detail.contains("outcome")) text += (text.empty() ? "" : " ") + ("-> " + detail.value("outcome", ""));
  return text;
}

int verify_chain(DaemonClient& client) {
  auto verdict = client.call("audit.verify");
  if (!verdict) return runtime_error(verdict.error().message);
  const auto& v = *verdict;
  if (v.value("intact", false)) {
    std::cout << tr("audit chain intact") << ": " << v.value("entries", 0) << " " << tr("entries");
    // value(), not operator[]: a key the daemon left out must not be undefined behaviour on a const json.
    if (const auto first = v.value("first_seq", nlohmann::json()); !first.is_null()) {
      std::cout << ", " << first << " " << tr("to") << " " << v.value("last_seq", nlohmann::json());
    }
    std::cout << "\n";
    return kExitOk;
  }
  std::cout << tr("audit chain BROKEN at entry") << " " << v.value("first_broken", nlohmann::json()) << ": " << v.value("problem", "") << "\n";
  return kExitFailure;
}

int run_audit_log(const AuditOptions& options) {
  const Timestamp now = SystemClock().now();
  Timestamp since = INT64_MIN;
  Timestamp until = INT64_MAX;
  if (!options.since.empty()) {
    auto t = parse_time_arg(options.since, now);
    if (!t) return usage_error("--since: " + t.error().message);
    since = *t;
  }
  if (!options.until.empty()) {
    auto t = parse_time_arg(options.until, now);
    if (!t) return usage_error("--until: " + t.error().message);
    until = *t;
  }
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  if (options.verify) return verify_chain(*client);

  Table table({tr("SEQ"), tr("TIME (UTC)"), tr("ACTOR"), tr("ROLE"), tr("METHOD"), tr("DETAIL")});
  uint64_t from_seq = 0;
  size_t shown = 0;
  while (true) {
    auto page = client->call("audit.list", {{"from_seq", from_seq}, {"limit", kPageSize}});
    if (!page) return runtime_error(page.error().message);
    const auto& entries = (*page)["entries"];
    for (const auto& entry : entries) {
      from_seq = entry.value("seq", uint64_t{0}) + 1;
      auto time = parse_timestamp(entry.value("time", ""));
      if (!time || *time < since || *time >= until) continue;
      if (!options.actor.empty() && entry.value("actor", "") != options.actor) continue;
      if (!method_matches(options.method, entry.value("action", ""))) continue;
      ++shown;
      if (options.json) {
        std::cout << entry.dump() << "\n";
        continue;
      }
      const auto detail = entry.value("detail", nlohmann::json());
      table.add_row({std::to_string(entry.value("seq", uint64_t{0})), entry.value("time", "").substr(0, 19),
                     entry.value("actor", ""), detail.is_object() ? detail.value("role", "") : "",
                     entry.value("action", ""), detail_text(detail)});
    }
    if (entries.size() < static_cast<size_t>(kPageSize)) break;
  }
  if (options.json) return kExitOk;
  if (shown == 0) {
    std::cout << tr("No audit entries match.") << "\n";
    return kExitOk;
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace

void add_audit_commands(CLI::App& app, int& exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "Read the daemon's audit chain (auditor or admin role)");
  audit->require_subcommand(1);
  auto options = std::make_shared<AuditOptions>();
  CLI::App* log = audit->add_subcommand("log", "Who changed what, when: the audit chain, oldest first");
  log->add_option("--since", options->since, "From this time (RFC 3339, a date, or an age like 24h)");
  log->add_option("--until", options->until, "Before this time");
  log->add_option("--actor", options->actor, "Only this user");
  log->add_option("--method", options->method, "Only this method, or a family such as 'incidents'");
  log->add_flag("--json", options->json, "One JSON object per entry, for scripts");
  log->add_flag("--verify", options->verify, "Have vigild walk the chain's hashes instead (exit 1 when broken)");
  log->add_option("--socket", options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  log->footer(
      "One row per change made through vigild: its sequence number, time (UTC), who (user or certificate\n"
      "name), their role, the method and its parameters with the outcome. Filters combine.\n\n"
      "Examples:\n"
      "  vigil audit log --since 24h\n"
      "  vigil --lang vi audit log --since 2026-03-01 --until 2026-03-02\n"
      "  vigil audit log --actor lan --method incidents --json\n"
      "  vigil audit log --verify\n\n"
      "Exit codes: 0 shown (or chain intact), 1 daemon unreachable, refused, or chain broken, 2 bad arguments.");
  log->callback([options, &exit_code] { exit_code = run_audit_log(*options); });
  // Set after `log`: CLI11 copies a parent's footer into the subcommands made after it.
  audit->footer("Example:\n  vigil audit log --since 24h\n\nRun 'vigil audit log --help' for its options.");
}

}  // namespace vigil::cli
