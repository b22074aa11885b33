// vigil rules suppress: add, list and remove suppressions (rules.suppress, rules.suppressions,
// rules.unsuppress).
#include <iostream>
#include <memory>

#include "rules_admin.h"
#include "rules_admin_common.h"
#include "table.h"
#include "time_arg.h"
#include "vigil/core/ip.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

struct SuppressOptions {
  std::string socket = default_socket_path();
  uint32_t sid = 0;
  std::string src;
  std::string dst;
  std::string reason;
  std::string owner;
  std::string expires;
  bool list = false;
  uint64_t remove = 0;
  bool json = false;
};

// An expiry: a time in the formats of time_arg.h, where an age ("7d", "12h") counts forward from now.
Result<Timestamp> expiry_time(const std::string& text, Timestamp now) {
  const bool age = !text.empty() && text.find_first_of("-:T@") == std::string::npos && text.back() >= 'a' &&
                   text.back() <= 'z' && text != "now";
  if (age) {
    auto length = parse_duration(text);
    if (!length) return fail(ErrorCode::invalid_argument, "not a time: '" + text + "' (expected 7d, 12h, or RFC 3339)");
    return now + *length;
  }
  return parse_time_arg(text, now);
}

int list_suppressions(const SuppressOptions& o) {
  auto reply = call_daemon(o.socket, "suppress", "rules.suppressions", json::object());
  if (!reply) return kExitFailure;
  if (o.json) {
    std::cout << reply->dump(2) << "\n";
    return kExitOk;
  }
  const json& items = (*reply)["suppressions"];
  if (items.empty()) {
    std::cout << tr("No suppressions.") << "\n";
    return kExitOk;
  }
  const Timestamp now = SystemClock().now();
  Table table({std::string(tr("ID")), std::string(tr("SID")), std::string(tr("MATCH")), std::string(tr("STATE")),
               std::string(tr("EXPIRES")), std::string(tr("OWNER")), std::string(tr("SUPPRESSED")),
               std::string(tr("REASON"))});
  for (const json& s : items) {
    const std::string track = s.value("track", "all");
    const std::string match = track == "all" ? std::string(tr("every alert")) : track + " " + s.value("network", "");
    table.add_row({std::to_string(s.value("id", 0)), std::to_string(s.value("sid", 0)), match,
                   s.value("state", "") == "expired" ? std::string(tr("expired")) : std::string(tr("active")),
                   when_from(s["expires"], now), s.value("owner", ""), std::to_string(s.value("suppressed", 0)),
                   s.value("reason", "")});
  }
  table.print(std::cout);
  return kExitOk;
}

int run_suppress(const SuppressOptions& o) {
  if (o.list) return list_suppressions(o);
  if (o.remove != 0) {
    auto reply = call_daemon(o.socket, "suppress", "rules.unsuppress", {{"id", o.remove}});
    if (!reply) return kExitFailure;
    if (o.json) {
      std::cout << reply->dump(2) << "\n";
    } else {
      std::cout << tr("Suppression removed:") << " " << o.remove << "\n";
    }
    return kExitOk;
  }
  if (o.sid == 0) return usage_error("rules suppress: give a SID (or --list, or --remove ID)");
  if (o.reason.empty() || o.owner.empty() || o.expires.empty()) {
    return usage_error("rules suppress: --reason, --owner and --expires are all required (e.g. --expires 7d)");
  }
  json params = {{"sid", o.sid}, {"reason", o.reason}, {"owner", o.owner}};
  if (!o.src.empty() || !o.dst.empty()) {
    const std::string& network = o.src.empty() ? o.dst : o.src;
    if (auto parsed = Cidr::parse(network); !parsed) {
      return usage_error(std::string("rules suppress: ") + (o.src.empty() ? "--dst" : "--src") + ": " +
                         parsed.error().message);
    }
    params["track"] = o.src.empty() ? "by_dst" : "by_src";
    params["network"] = network;
  }
  const Timestamp now = SystemClock().now();
  auto expires = expiry_time(o.expires, now);
  if (!expires) return usage_error("rules suppress: --expires: " + expires.error().message);
  if (*expires <= now) return usage_error("rules suppress: --expires " + o.expires + " is in the past; give a future time such as 7d");
  params["expires"] = rfc3339(*expires);
  auto reply = call_daemon(o.socket, "suppress", "rules.suppress", params);
  if (!reply) return kExitFailure;
  if (o.json) {
    std::cout << reply->dump(2) << "\n";
  } else {
    std::cout << tr("Suppression added:") << " " << reply->value("id", 0) << " (sid " << o.sid << ", "
              << tr("expires") << " " << when_from((*reply)["expires"], now) << ")\n";
  }
  return kExitOk;
}

}  // namespace

void add_rules_suppress_command(CLI::App& rules_cmd, int& exit_code) {
  auto o = std::make_shared<SuppressOptions>();
  CLI::App* cmd = rules_cmd.add_subcommand(
      "suppress", "Drop a rule's alerts (all, or from/to a network) until an expiry: counted, not stored (admin)");
  cmd->add_option("sid", o->sid, "The rule's sid");
  auto* src = cmd->add_option("--src", o->src, "Only alerts whose source is in this CIDR (or address)");
  auto* dst = cmd->add_option("--dst", o->dst, "Only alerts whose destination is in this CIDR (or address)");
  src->excludes(dst);
  cmd->add_option("--reason", o->reason, "Why these alerts may be dropped (required)");
  cmd->add_option("--owner", o->owner, "Who answers for the suppression (required)");
  cmd->add_option("--expires", o->expires, "When it stops applying: 7d, 12h (from now) or RFC 3339 (required)");
  auto* list = cmd->add_flag("--list", o->list, "List the suppressions, active and expired, with what each dropped");
  auto* remove = cmd->add_option("--remove", o->remove, "Remove suppression ID");
  list->excludes(remove);
  cmd->add_flag("--json", o->json, "The daemon's reply as JSON");
  cmd->add_option("--socket", o->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->footer(
      "Like Suricata's `suppress gen_id 1, sig_id N, track by_src, ip X`: a matching alert is neither stored\n"
      "nor correlated, but counted on the suppression (--list, vigil rules show, vigil status). An expired\n"
      "suppression stops applying at its expiry, without a reload, and is listed as expired.\n\n"
      "Examples:\n"
      "  vigil rules suppress 2013028 --src 10.20.0.5 --reason \"vuln scanner\" --owner lan --expires 7d\n"
      "  vigil rules suppress --list\n"
      "  vigil rules suppress --remove 3\n\n"
      "Exit codes: 0 done, 1 refused (unknown sid or id, role), 2 bad usage (a missing field, a bad CIDR, an\n"
      "expiry in the past).");
  cmd->callback([o, &exit_code] { exit_code = run_suppress(*o); });
}

}  // namespace vigil::cli
