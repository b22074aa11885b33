#include "incident_commands.h"

#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "table.h"
#include "terminal.h"
#include "time_text.h"
#include "vigil/core/eve_json.h"

namespace vigil::cli {

namespace {

using nlohmann::json;

struct IncidentOptions {
  std::string socket = default_socket_path();
  std::string id;
  bool json = false;
  // show
  size_t events = 20;
  size_t width = 100;
  // assign, note, transition, resolve, escalate
  std::string user;
  std::string to;
  std::string text;
  std::string state;
  std::string resolution;
  std::string note;
  int layer = 0;
};

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// "2026-03-02 17:15:30 (3h ago)"
std::string at(Timestamp t, Timestamp now) {
  const std::string absolute = table_time(t);
  const std::string relative = when_text(t, now);
  return absolute.starts_with(relative) ? absolute : absolute + " (" + relative + ")";  // beyond a week: the date
}

// One report deadline: due when, and whether it was met, is still open or is overdue.
std::string deadline(Timestamp due, const std::optional<Timestamp>& sent, bool marked_overdue, Timestamp now) {
  std::string out = std::string(tr("due")) + " " + at(due, now);
  if (sent) {
    out += ", " + std::string(tr("sent")) + " " + at(*sent, now);
    if (*sent > due) out += " " + std::string(tr("LATE"));
  } else if (marked_overdue || now > due) {
    out += ", " + std::string(tr("NOT SENT, OVERDUE"));
  } else {
    out += ", " + std::string(tr("not sent yet"));
  }
  return out;
}

void print_incident(const Incident& inc, const json& events, Timestamp now, size_t width) {
  std::cout << inc.id << "  " << inc.title << "\n\n";
  const auto line = [](std::string_view label, const std::string& value) {
    std::cout << "  " << pad_right(label, 18) << value << "\n";  // by display width: Vietnamese labels line up
  };
  line(tr("severity"), std::string(to_string(inc.severity)));
  std::string state(to_string(inc.state));
  if (inc.resolution != Resolution::none) state += " (" + std::string(to_string(inc.resolution)) + ")";
  line(tr("state"), state);
  line(tr("layer"), std::to_string(inc.layer));
  line(tr("assignee"), or_dash(inc.assignee));
  line(tr("category"), inc.category);
  line(tr("agencies"), inc.agencies.empty() ? "-" : join(inc.agencies));
  line(tr("protection level"), inc.protection_level == 0 ? std::string(tr("unknown")) : std::to_string(inc.protection_level));
  line(tr("drill"), inc.drill ? std::string(tr("yes: never reported to layer 4")) : std::string(tr("no")));
  line(tr("rule"), or_dash(inc.rule_id));
  line("TLP", inc.tlp);
  line(tr("first seen"), at(inc.first_seen, now));
  line(tr("last seen"), at(inc.last_seen, now));
  line(tr("events"), std::to_string(inc.event_count));

  std::cout << "\n" << tr("Report clock (layer 4)") << "\n";
  if (!inc.report_required) {
    std::cout << "  " << tr("no report required") << "\n";
  } else {
    line(tr("detected"), at(inc.report.detected_at, now));
    line(tr("initial notice"), deadline(inc.report.initial_due, inc.report.initial_sent, inc.report.initial_overdue, now));
    line(tr("full report"), deadline(inc.report.full_due, inc.report.full_sent, inc.report.full_overdue, now));
    if (!inc.report.receipts.empty()) line(tr("receipts"), join(inc.report.receipts));
  }

  std::cout << "\n" << tr("Timeline") << "\n";
  Table timeline({std::string(tr("TIME")), std::string(tr("ACTOR")), std::string(tr("WHAT"))});
  for (const TimelineEntry& entry : inc.timeline) timeline.add_row({table_time(entry.time), entry.actor, entry.what});
  timeline.print(std::cout);

  std::cout << "\n" << tr("Observables") << "\n";
  if (inc.observables.empty()) std::cout << "  -\n";
  for (const Observable& o : inc.observables) {
    std::string type = o.type;
    type.resize(std::max<size_t>(type.size(), 8), ' ');
    std::cout << "  " << type << o.value << "\n";
  }

  std::cout << "\n" << tr("Events") << " (" << events["events"].size() << " " << tr("of") << " "
            << inc.event_count << ")\n";
  for (const json& item : events["events"]) {
    auto event = event_from_json(item.dump());
    if (!event) continue;
    std::string head = table_time(event->timestamp) + "  ";
    if (event->alert) head += "sid " + std::to_string(event->alert->signature_id) + "  ";
    head += (event->src_ip ? event->src_ip->to_string() + ":" + std::to_string(event->src_port) : "-") + " -> " +
            (event->dest_ip ? event->dest_ip->to_string() + ":" + std::to_string(event->dest_port) : "-");
    if (!event->sensor.empty()) head += "  " + event->sensor + (event->zone.empty() ? "" : "/" + event->zone);
    if (event->alert) head += "  " + event->alert->signature;
    std::cout << "  " << head << "\n";
    if (!event->payload.empty()) std::cout << "      " << payload_excerpt(event->payload, width) << "\n";
  }
  if (events.value("missing", 0) > 0) {
    std::cout << "  (" << events["missing"].get<size_t>() << " " << tr("events already removed by retention") << ")\n";
  }
}

int show_incident(const IncidentOptions& o) {
  auto client = DaemonClient::connect(o.socket);
  if (!client) return runtime_error(client.error().message);
  auto got = client->call("incidents.get", {{"id", o.id}});
  if (!got) return runtime_error(got.error().message);
  auto events = client->call("incidents.events", {{"id", o.id}, {"limit", std::max<size_t>(1, std::min<size_t>(o.events, 1000))}});
  if (!events) return runtime_error(events.error().message);
  if (o.events == 0) (*events)["events"] = json::array();
  if (o.json) {
    std::cout << json{{"incident", *got}, {"events", (*events)["events"]}, {"events_missing", (*events)["missing"]}}.dump()
              << "\n";
    return kExitOk;
  }
  auto incident = incident_from_json(got->dump());
  if (!incident) return runtime_error("vigild sent an incident that does not decode: " + incident.error().message);
  print_incident(*incident, *events, SystemClock().now(), o.width);
  return kExitOk;
}

// Runs one change method and prints what it changed: the timeline entries it added.
int change(const IncidentOptions& o, const std::string& method, json params) {
  auto client = DaemonClient::connect(o.socket);
  if (!client) return runtime_error(client.error().message);
  auto before = client->call("incidents.get", {{"id", o.id}});
  if (!before) return runtime_error(before.error().message);
  params["id"] = o.id;
  if (params.contains("assignee") && params["assignee"] == "me") {
    auto status = client->call("status");
    if (!status) return runtime_error(status.error().message);
    params["assignee"] = (*status)["caller"].value("user", "");
  }
  auto after = client->call(method, params);
  if (!after) return runtime_error(after.error().message);
  const size_t old_entries = (*before)["timeline"].size();
  const json& timeline = (*after)["timeline"];
  if (o.json) {
    json added = json::array();
    for (size_t i = old_entries; i < timeline.size(); ++i) added.push_back(timeline[i]);
    std::cout << json{{"id", o.id}, {"method", method}, {"changes", added}, {"incident", *after}}.dump() << "\n";
    return kExitOk;
  }
  for (size_t i = old_entries; i < timeline.size(); ++i) {
    std::cout << o.id << ": " << timeline[i].value("what", "") << "\n";
  }
  if (old_entries == timeline.size()) std::cout << o.id << ": " << tr("nothing changed") << "\n";
  return kExitOk;
}

CLI::App* command(CLI::App& parent, const char* name, const char* what, IncidentOptions& o) {
  CLI::App* cmd = parent.add_subcommand(name, what);
  cmd->add_option("ID", o.id, "The incident (INC-000014)")->required();
  cmd->add_option("--socket", o.socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_flag("--json", o.json, "Print the result as JSON");
  return cmd;
}

constexpr const char* kChangeExit =
    "Exit codes: 0 done, 1 refused (illegal transition, wrong role, unknown id) or vigild unreachable, "
    "2 bad option.";

}  // namespace

std::string payload_excerpt(std::string_view payload, size_t width) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (char c : payload) {
    const auto u = static_cast<unsigned char>(c);
    std::string piece;
    if (c == '\n') piece = "\\n";
    else if (c == '\r') piece = "\\r";
    else if (c == '\t') piece = "\\t";
    else if (c == '\\') piece = "\\\\";
    else if (u >= 0x20 && u < 0x7f) piece = std::string(1, c);
    else piece = std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
    if (out.size() + piece.size() > width) return out + "...";
    out += piece;
  }
  return out;
}

void add_incident_commands(CLI::App& incidents, int& exit_code) {
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "show", "One incident: summary, report clock, timeline, observables, events", *o);
    cmd->add_option("--events", o->events, "Show at most N of its events, oldest first (0: none)")->capture_default_str();
    cmd->add_option("--width", o->width, "Cut payload excerpts to N characters")->capture_default_str();
    cmd->footer("Examples:\n  vigil incidents show INC-000014\n  vigil incidents show INC-000014 --json | jq .incident.timeline\n\n"
                "Exit codes: 0 shown, 1 no such incident or vigild unreachable, 2 bad option.");
    cmd->callback([o, &exit_code] { exit_code = show_incident(*o); });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "ack", "Acknowledge: you have seen it (new -> acknowledged)", *o);
    cmd->footer(std::string("Example:\n  vigil incidents ack INC-000014\n\n") + kChangeExit);
    cmd->callback([o, &exit_code] { exit_code = change(*o, "incidents.ack", json::object()); });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "assign", "Give it to a user ('me' for you, 'none' to unassign)", *o);
    cmd->add_option("USER", o->user, "Who takes it");
    cmd->add_option("--to", o->to, "Who takes it (the same as USER)");
    cmd->footer(std::string("Examples:\n  vigil incidents assign INC-000014 minh\n  vigil incidents assign INC-000014 --to me\n\n") +
                kChangeExit);
    cmd->callback([o, &exit_code] {
      const std::string user = o->to.empty() ? o->user : o->to;
      if (user.empty()) {
        exit_code = usage_error("incidents assign: name the user (USER or --to USER; 'none' unassigns)");
        return;
      }
      exit_code = change(*o, "incidents.assign", {{"assignee", user == "none" || user == "-" ? "" : user}});
    });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "note", "Add a note to its timeline", *o);
    cmd->add_option("TEXT", o->text, "The note")->required();
    cmd->footer(std::string("Example:\n  vigil incidents note INC-000014 \"blocked 203.0.113.77 at the edge firewall\"\n\n") +
                kChangeExit);
    cmd->callback([o, &exit_code] { exit_code = change(*o, "incidents.note", {{"text", o->text}}); });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "transition", "Move it to another state (the lifecycle decides which)", *o);
    cmd->add_option("STATE", o->state, "acknowledged, investigating, contained, resolved, closed")->required();
    cmd->add_option("--resolution", o->resolution, "With resolved: true_positive, false_positive or benign");
    cmd->footer(std::string("Examples:\n  vigil incidents transition INC-000014 investigating\n"
                            "  vigil incidents transition INC-000014 contained\n\n"
                            "Lifecycle: new -> acknowledged -> investigating -> contained -> resolved -> closed;\n"
                            "resolved -> investigating reopens. Anything else is refused, naming the allowed states.\n\n") +
                kChangeExit);
    cmd->callback([o, &exit_code] {
      json params = {{"state", o->state}};
      if (!o->resolution.empty()) params["resolution"] = o->resolution;
      exit_code = change(*o, "incidents.transition", params);
    });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "resolve", "Resolve it with a resolution and a note saying why", *o);
    cmd->add_option("--resolution", o->resolution, "true_positive, false_positive or benign")
        ->required()
        ->check(CLI::IsMember({"true_positive", "false_positive", "benign"}));
    cmd->add_option("--note", o->note, "Why: stored on the incident with the change");
    cmd->footer(std::string("Example:\n  vigil incidents resolve INC-000014 --resolution false_positive "
                            "--note \"vulnerability scan by our own assessor\"\n\n") +
                kChangeExit);
    cmd->callback([o, &exit_code] {
      exit_code = change(*o, "incidents.resolve", {{"resolution", o->resolution}, {"note", o->note}});
    });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "escalate", "Hand it to a higher layer (2 monitoring, 3 assessor, 4 national centre)", *o);
    cmd->add_option("--layer", o->layer, "The layer to hand it to (default: the next one up)")->check(CLI::Range(2, 4));
    cmd->add_option("--note", o->note, "Why: stored on the incident with the change");
    cmd->footer(std::string("Example:\n  vigil incidents escalate INC-000014 --layer 2 --note \"lateral movement, needs the SOC\"\n\n") +
                kChangeExit);
    cmd->callback([o, &exit_code] {
      json params = {{"note", o->note}};
      if (o->layer != 0) params["layer"] = o->layer;
      exit_code = change(*o, "incidents.escalate", params);
    });
  }
  {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = command(incidents, "close", "Close a resolved incident (final: only notes after this)", *o);
    cmd->footer(std::string("Example:\n  vigil incidents close INC-000014\n\n") + kChangeExit);
    cmd->callback([o, &exit_code] { exit_code = change(*o, "incidents.transition", {{"state", "closed"}}); });
  }
}

}  // namespace vigil::cli
