#include "rules_admin.h"

#include <iostream>
#include <memory>

#include "rules_admin_common.h"
#include "table.h"
#include "terminal.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

struct ListOptions {
  std::string socket = default_socket_path();
  uint32_t sid = 0;
  std::string text;
  std::string file;
  bool disabled = false;
  bool overridden = false;
  bool json = false;
};

std::string overrides_cell(const json& row) {
  std::string out;
  const json& o = row["overrides"];
  if (!o["disabled"].is_null()) out += std::string(tr("disabled"));
  if (!o["threshold"].is_null()) {
    if (!out.empty()) out += ", ";
    out += std::string(tr("threshold")) + " " + threshold_text(o["threshold"]);
  }
  if (row.value("suppressions_active", 0) > 0) {
    if (!out.empty()) out += ", ";
    out += std::string(tr("suppressions")) + " " + std::to_string(row.value("suppressions_active", 0));
  }
  return out.empty() ? "-" : out;
}

int run_list(const ListOptions& options) {
  json params = json::object();
  if (options.sid != 0) params["sid"] = options.sid;
  if (!options.text.empty()) params["text"] = options.text;
  if (!options.file.empty()) params["file"] = options.file;
  if (options.disabled) params["disabled"] = true;
  if (options.overridden) params["overridden"] = true;
  auto reply = call_daemon(options.socket, "list", "rules.list", params);
  if (!reply) return kExitFailure;
  if (options.json) {
    std::cout << reply->dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  const json& rows = (*reply)["rules"];
  if (rows.empty()) {
    std::cout << tr("No rules match.") << "\n";
    return kExitOk;
  }
  Table table({std::string(tr("SID")), std::string(tr("REV")), std::string(tr("ACTION")), std::string(tr("STATE")),
               std::string(tr("HITS")), std::string(tr("OVERRIDES")), std::string(tr("SOURCE")),
               std::string(tr("MESSAGE"))});
  for (const json& row : rows) {
    const std::string file = row.value("file", "");
    table.add_row({std::to_string(row.value("sid", 0)), std::to_string(row.value("rev", 0)), row.value("action", ""),
                   state_text(row.value("state", "")), std::to_string(row.value("hits", 0)), overrides_cell(row),
                   file.empty() ? "-" : file + ":" + std::to_string(row.value("line", 0)), row.value("msg", "")});
  }
  table.print(std::cout);
  return kExitOk;
}

struct ShowOptions {
  std::string socket = default_socket_path();
  uint32_t sid = 0;
  bool json = false;
};

void print_note(const json& note, Timestamp now) {
  std::cout << tr("by") << " " << note.value("actor", "") << ", " << when_from(note["time"], now) << ": "
            << note.value("reason", "") << "\n";
}

int run_show(const ShowOptions& options) {
  auto reply = call_daemon(options.socket, "show", "rules.show", {{"sid", options.sid}});
  if (!reply) return kExitFailure;
  if (options.json) {
    std::cout << reply->dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  const json& r = *reply;
  const Timestamp now = SystemClock().now();
  // By display width, not bytes: the Vietnamese labels are multi-byte.
  auto label = [](std::string_view text) { return pad_right(text, 13) + " "; };
  std::cout << "sid " << r.value("sid", 0) << " rev " << r.value("rev", 0) << " (gid " << r.value("gid", 1) << ")  "
            << state_text(r.value("state", "")) << "\n";
  std::cout << label(tr("message:")) << r.value("msg", "") << "\n";
  std::cout << label(tr("action:")) << r.value("action", "") << "\n";
  const std::string file = r.value("file", "");
  std::cout << label(tr("source:")) << (file.empty() ? "-" : file + ":" + std::to_string(r.value("line", 0))) << "\n";
  std::string classtype = r.value("classtype", "");
  if (!r.value("category", "").empty()) classtype += " (" + r.value("category", "") + ")";
  if (r["priority"].is_number()) classtype += ", " + std::string(tr("priority")) + " " + r["priority"].dump();
  std::cout << label(tr("classtype:")) << (classtype.empty() ? "-" : classtype) << "\n";
  std::cout << label(tr("variables:"));
  if (r["variables"].empty()) std::cout << "-\n";
  bool first = true;
  for (const json& v : r["variables"]) {
    std::cout << (first ? "" : label("")) << v.value("name", "") << " = " << v.value("value", "") << "\n";
    first = false;
  }
  std::cout << label(tr("hits:")) << r.value("hits", 0) << ", " << tr("last") << " " << when_from(r["last_hit"], now)
            << "\n";
  std::cout << label(tr("suppressed:")) << r.value("suppressed", 0) << "\n";
  if (!r.value("threshold_in_rule", "").empty()) {
    std::cout << label(tr("rule threshold:")) << r.value("threshold_in_rule", "") << "\n";
  }
  std::cout << label(tr("rule:")) << r.value("text", "") << "\n";
  const json& o = r["overrides"];
  std::cout << tr("Overrides:") << "\n";
  if (o["disabled"].is_null() && o["threshold"].is_null()) std::cout << "  -\n";
  if (!o["disabled"].is_null()) {
    std::cout << "  " << tr("disabled") << " ";
    print_note(o["disabled"], now);
  }
  if (!o["threshold"].is_null()) {
    std::cout << "  " << tr("threshold") << " " << threshold_text(o["threshold"]) << " ";
    print_note(o["threshold"], now);
  }
  std::cout << tr("Suppressions:") << "\n";
  if (r["suppressions"].empty()) std::cout << "  -\n";
  for (const json& s : r["suppressions"]) {
    std::cout << "  #" << s.value("id", 0) << " " << s.value("track", "") << " " << s.value("network", "") << "  "
              << (s.value("state", "") == "expired" ? tr("expired") : tr("active")) << ", " << tr("expires") << " "
              << when_from(s["expires"], now) << ", " << tr("owner") << " " << s.value("owner", "") << ", "
              << tr("suppressed") << " " << s.value("suppressed", 0) << ": " << s.value("reason", "") << "\n";
  }
  return kExitOk;
}

// disable, enable and threshold: one change, then a line saying what vigild did.
struct ChangeOptions {
  std::string socket = default_socket_path();
  std::vector<uint32_t> sids;
  std::string reason;
  std::string type;
  std::string track;
  uint32_t count = 0;
  uint32_t seconds = 0;
  bool clear = false;
  bool json = false;
};

int run_change(const std::string& socket, const std::string& command, const std::string& method, const json& params,
               bool as_json) {
  auto reply = call_daemon(socket, command, method, params);
  if (!reply) return kExitFailure;
  if (as_json) {
    std::cout << reply->dump(2) << "\n";
  } else if (reply->value("changed", false)) {
    std::cout << tr("vigild recompiled its rules:") << " " << reply->value("summary", "") << "\n";
  } else {
    std::cout << tr("Nothing to change: the rules are already so.") << "\n";
  }
  return kExitOk;
}

int run_threshold(const ChangeOptions& o) {
  json params = {{"sid", o.sids.front()}, {"reason", o.reason}};
  if (o.clear) {
    if (!o.type.empty() || !o.track.empty() || o.count != 0 || o.seconds != 0) {
      return usage_error("rules threshold: --clear takes no --type, --track, --count or --seconds");
    }
    params["clear"] = true;
  } else {
    if (o.type.empty() || o.track.empty() || o.count == 0 || o.seconds == 0) {
      return usage_error("rules threshold: give --type, --track, --count and --seconds (or --clear)");
    }
    params["type"] = o.type;
    params["track"] = o.track;
    params["count"] = o.count;
    params["seconds"] = o.seconds;
  }
  auto reply = call_daemon(o.socket, "threshold", "rules.threshold", params);
  if (!reply) return kExitFailure;
  if (o.json) {
    std::cout << reply->dump(2) << "\n";
  } else if (reply->value("changed", false)) {
    std::cout << tr("vigild recompiled its rules:") << " " << reply->value("summary", "") << "\n";
  } else {
    std::cout << tr("Nothing to change: the rules are already so.") << "\n";
  }
  return kExitOk;
}

void add_socket(CLI::App* cmd, std::string& socket) {
  cmd->add_option("--socket", socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
}

}  // namespace

void add_rules_admin_commands(CLI::App& rules_cmd, int& exit_code) {
  {
    auto o = std::make_shared<ListOptions>();
    CLI::App* cmd = rules_cmd.add_subcommand("list", "The rules vigild runs: state, overrides, hits, where each came from");
    cmd->add_option("--sid", o->sid, "Only this sid");
    cmd->add_option("--text", o->text, "Only rules whose message or text holds this (any case)");
    cmd->add_option("--file", o->file, "Only rules from files whose path holds this");
    cmd->add_flag("--disabled", o->disabled, "Only disabled rules");
    cmd->add_flag("--overridden", o->overridden, "Only rules with an override or an active suppression");
    cmd->add_flag("--json", o->json, "The daemon's reply: {rules: [{sid, rev, msg, action, state, file, line, "
                                    "overrides, hits, suppressed, last_hit, suppressions_active}], loaded}");
    add_socket(cmd, o->socket);
    cmd->footer(
        "STATE is enabled, disabled (vigil rules disable), not loaded (the rule has an error or an unsupported\n"
        "keyword: vigil rules lint) or no such rule (an override stored for a sid the files no longer hold).\n\n"
        "Examples:\n"
        "  vigil rules list --overridden\n"
        "  vigil rules list --text scan --json | jq '.rules[] | {sid, hits}'\n\n"
        "Exit codes: 0 listed, 1 vigild unreachable or refused, 2 bad usage.");
    cmd->callback([o, &exit_code] { exit_code = run_list(*o); });
  }
  {
    auto o = std::make_shared<ShowOptions>();
    CLI::App* cmd = rules_cmd.add_subcommand("show", "One rule as vigild loaded it, with its overrides, suppressions and hits");
    cmd->add_option("sid", o->sid, "The rule's sid")->required();
    cmd->add_flag("--json", o->json, "The daemon's reply as JSON");
    add_socket(cmd, o->socket);
    cmd->footer(
        "Examples:\n"
        "  vigil rules show 2010935\n"
        "  vigil rules show 2010935 --json | jq .suppressions\n\n"
        "Exit codes: 0 shown, 1 no such rule or vigild unreachable, 2 bad usage.");
    cmd->callback([o, &exit_code] { exit_code = run_show(*o); });
  }
  for (const std::string verb : {"disable", "enable"}) {
    auto o = std::make_shared<ChangeOptions>();
    const bool disable = verb == "disable";
    CLI::App* cmd = rules_cmd.add_subcommand(
        verb, disable ? "Stop alerting on rules: vigild recompiles without them (admin, audited, kept across restarts)"
                      : "Alert on disabled rules again (admin, audited)");
    cmd->add_option("sid", o->sids, "One or more sids")->required();
    auto* reason = cmd->add_option("--reason", o->reason, disable ? "Why (kept with the rule and in the audit chain)"
                                                                  : "Why (in the audit chain)");
    if (disable) reason->required();
    cmd->add_flag("--json", o->json, "The daemon's reply: {changed, summary}");
    add_socket(cmd, o->socket);
    cmd->footer(disable ? "vigild compiles the new set off the packet path and swaps it in between two packets; if it does\n"
                          "not compile, the running set stays and nothing is stored.\n\n"
                          "Examples:\n"
                          "  vigil rules disable 2013028 --reason \"NTP monlist from our own scanner\"\n"
                          "  vigil rules disable 2013028 2013029 --reason \"noisy, ticket SOC-112\"\n\n"
                          "Exit codes: 0 done, 1 refused (unknown sid, role, reload failed), 2 bad usage."
                        : "Examples:\n"
                          "  vigil rules enable 2013028\n"
                          "  vigil rules enable 2013028 --reason \"scanner retired\"\n\n"
                          "Exit codes: 0 done, 1 refused (unknown sid, role, reload failed), 2 bad usage.");
    cmd->callback([o, verb, &exit_code] {
      json params = {{"sids", o->sids}};
      if (!o->reason.empty()) params["reason"] = o->reason;
      exit_code = run_change(o->socket, verb, "rules." + verb, params, o->json);
    });
  }
  {
    auto o = std::make_shared<ChangeOptions>();
    CLI::App* cmd = rules_cmd.add_subcommand(
        "threshold", "Override a rule's threshold, like Suricata's threshold.config (admin, audited, kept)");
    cmd->add_option("sid", o->sids, "The rule's sid")->required()->expected(1);
    cmd->add_option("--type", o->type, "limit: at most COUNT alerts per SECONDS; threshold: every COUNTth; both")
        ->check(CLI::IsMember({"limit", "threshold", "both"}));
    cmd->add_option("--track", o->track, "Count per source, destination, rule, or source and destination pair")
        ->check(CLI::IsMember({"by_src", "by_dst", "by_rule", "by_both"}));
    cmd->add_option("--count", o->count, "COUNT")->check(CLI::Range(1, 1'000'000));
    cmd->add_option("--seconds", o->seconds, "SECONDS")->check(CLI::Range(1, 7 * 86'400));
    cmd->add_flag("--clear", o->clear, "Remove the override: the rule's own threshold (if any) applies again");
    cmd->add_option("--reason", o->reason, "Why (kept with the override and in the audit chain)")->required();
    cmd->add_flag("--json", o->json, "The daemon's reply: {changed, summary}");
    add_socket(cmd, o->socket);
    cmd->footer(
        "The override replaces the rule's own `threshold` option (as threshold.config's `threshold` /\n"
        "`event_filter` do); a `detection_filter` in the rule stays.\n\n"
        "Examples:\n"
        "  vigil rules threshold 2013028 --type limit --track by_src --count 1 --seconds 3600 --reason \"one per host an hour\"\n"
        "  vigil rules threshold 2013028 --clear --reason \"back to the rule's own\"\n\n"
        "Exit codes: 0 done, 1 refused (unknown sid, role, reload failed), 2 bad usage.");
    cmd->callback([o, &exit_code] { exit_code = run_threshold(*o); });
  }
  add_rules_suppress_command(rules_cmd, exit_code);
  add_rules_stats_command(rules_cmd, exit_code);
}

}  // namespace vigil::cli
