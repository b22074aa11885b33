#include "list_commands.h"

#include <iostream>
#include <memory>

#include "alerts_tail.h"
#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "incident_commands.h"
#include "table.h"
#include "time_arg.h"
#include "time_text.h"
#include "vigil/core/eve_json.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::cli {

namespace {

using nlohmann::json;

constexpr size_t kDaemonPage = 1000;  // vigild's largest page

struct ListOptions {
  std::string socket = default_socket_path();
  std::string data_dir;  // set: read it directly, no daemon
  size_t limit = 50;
  bool all = false;
  bool json = false;
  std::string cursor;
  std::string since;
  std::string until;
  std::string text;
  // incidents
  std::vector<std::string> states;
  bool open_only = false;
  std::string severity;
  int layer = 0;
  std::string agency;
  std::string zone;
  std::string rule;
  std::string assignee;
  std::string sort;
  // alerts
  uint32_t sid = 0;
  std::string src;
  std::string dst;
  std::string sensor;
  std::string incident;
};

// What a list printed, and where the next page starts (empty: nothing more).
template <typename T>
struct Listed {
  std::vector<T> items;
  std::string next_cursor;
};

Result<std::unique_ptr<storage::RocksStore>> open_for_reading(const std::string& dir) {
  storage::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return storage::RocksStore::open(dir, options);
}

Unexpected bad_usage(std::string message) { return fail(ErrorCode::invalid_argument, std::move(message)); }

// --since/--until as RFC 3339 for the daemon (cli/time_arg.h formats).
Result<void> add_times(const ListOptions& o, json& params) {
  const Timestamp now = SystemClock().now();
  if (!o.since.empty()) {
    auto since = parse_time_arg(o.since, now);
    if (!since) return bad_usage("--since: " + since.error().message);
    params["since"] = rfc3339(*since);
  }
  if (!o.until.empty()) {
    auto until = parse_time_arg(o.until, now);
    if (!until) return bad_usage("--until: " + until.error().message);
    params["until"] = rfc3339(*until);
  }
  return ok();
}

// The daemon's params of `incidents list`; `me` as an assignee is resolved by asking vigild who we are.
Result<json> incident_params(const ListOptions& o, DaemonClient* client) {
  json params = json::object();
  json states = json::array();
  for (const std::string& state : o.states) {
    if (state != "open" && !parse_incident_state(state)) {
      return bad_usage("--state: '" + state + "' is not open, new, acknowledged, investigating, contained, resolved or closed");
    }
    states.push_back(state);
  }
  if (o.open_only) states.push_back("open");
  if (!states.empty()) params["state"] = states;
  if (!o.severity.empty()) {
    if (!parse_severity(o.severity)) return bad_usage("--severity: '" + o.severity + "' is not low, medium, high or critical");
    params["min_severity"] = o.severity;
  }
  if (o.layer != 0) params["layer"] = o.layer;
  if (!o.agency.empty()) params["agency"] = o.agency;
  if (!o.zone.empty()) params["zone"] = o.zone;
  if (!o.rule.empty()) params["rule"] = o.rule;
  if (!o.text.empty()) params["text"] = o.text;
  if (!o.assignee.empty()) {
    if (o.assignee == "none" || o.assignee == "-") {
      params["assignee"] = "";
    } else if (o.assignee == "me") {
      if (client == nullptr) return bad_usage("--assignee me needs vigild (it knows who you are); with --data-dir name the user");
      auto status = client->call("status");
      if (!status) return fail(status.error());
      params["assignee"] = (*status)["caller"].value("user", "");
    } else {
      params["assignee"] = o.assignee;
    }
  }
  if (!o.sort.empty()) {
    const bool descending = o.sort.starts_with('-');
    const std::string name = descending ? o.sort.substr(1) : o.sort;
    if (name != "first_seen" && name != "last_seen" && name != "severity" && name != "layer") {
      return bad_usage("--sort: '" + o.sort + "' is not first_seen, last_seen, severity or layer (a leading - for descending)");
    }
    params["sort"] = name;
    params["ascending"] = !descending;
  }
  if (auto timed = add_times(o, params); !timed) return fail(timed.error());
  return params;
}

Result<json> alert_params(const ListOptions& o) {
  json params = json::object();
  for (const auto& [option, text] : {std::pair{"--src", &o.src}, std::pair{"--dst", &o.dst}}) {
    if (text->empty()) continue;
    if (auto cidr = Cidr::parse(*text); !cidr) return bad_usage(std::string(option) + ": " + cidr.error().message);
  }
  if (o.sid != 0) params["sid"] = o.sid;
  if (!o.src.empty()) params["src"] = o.src;
  if (!o.dst.empty()) params["dst"] = o.dst;
  if (!o.sensor.empty()) params["sensor"] = o.sensor;
  if (!o.zone.empty()) params["zone"] = o.zone;
  if (!o.incident.empty()) params["incident_id"] = o.incident;
  if (!o.text.empty()) params["text"] = o.text;
  if (auto timed = add_times(o, params); !timed) return fail(timed.error());
  return params;
}

// Pages through `method` until `limit` items (or all of them with --all); `decode` makes a value of each.
template <typename T, typename Decode>
Result<Listed<T>> read_pages(DaemonClient& client, const std::string& method, json params, const char* key,
                             const ListOptions& o, Decode decode) {
  Listed<T> out;
  if (!o.cursor.empty()) params["cursor"] = o.cursor;
  for (;;) {
    const size_t want = o.all ? kDaemonPage : std::min(kDaemonPage, o.limit - out.items.size());
    params["limit"] = want;
    auto page = client.call(method, params);
    if (!page) return fail(page.error());
    for (const auto& item : (*page)[key]) {
      auto value = decode(item.dump());
      if (!value) return fail(value.error().with_context("vigild sent a " + std::string(key) + " entry that does not decode"));
      out.items.push_back(std::move(*value));
    }
    out.next_cursor = page->value("next_cursor", "");
    if (out.next_cursor.empty() || (!o.all && out.items.size() >= o.limit)) break;
    params["cursor"] = out.next_cursor;
  }
  return out;
}

// The same filters on a data dir read directly (no daemon, no roles).
Result<Listed<Incident>> incidents_from_dir(const ListOptions& o, const json& params) {
  IncidentQuery q;
  for (const auto& s : params.value("state", json::array())) {
    const std::string name = s.get<std::string>();
    if (name == "open") {
      using enum IncidentState;
      q.states.insert(q.states.end(), {new_, acknowledged, investigating, contained});
    } else {
      q.states.push_back(*parse_incident_state(name));
    }
  }
  if (params.contains("min_severity")) q.min_severity = *parse_severity(params["min_severity"].get<std::string>());
  if (params.contains("layer")) q.layer = params["layer"].get<int>();
  if (params.contains("agency")) q.agency = params["agency"].get<std::string>();
  if (params.contains("zone")) q.zone = params["zone"].get<std::string>();
  if (params.contains("rule")) q.rule_id = params["rule"].get<std::string>();
  if (params.contains("assignee")) q.assignee = params["assignee"].get<std::string>();
  q.text = params.value("text", "");
  if (params.contains("since")) q.from = *parse_timestamp(params["since"].get<std::string>());
  if (params.contains("until")) q.until = *parse_timestamp(params["until"].get<std::string>());
  if (params.contains("sort")) {
    const std::string s = params["sort"];
    q.sort = s == "last_seen" ? IncidentSort::last_seen
             : s == "severity" ? IncidentSort::severity
             : s == "layer"    ? IncidentSort::layer
                               : IncidentSort::first_seen;
    q.ascending = params["ascending"].get<bool>();
  }
  q.cursor = o.cursor;
  q.limit = o.all ? SIZE_MAX : o.limit;
  auto store = open_for_reading(o.data_dir);
  if (!store) return bad_usage(store.error().message);
  auto page = (*store)->list_page(q);
  if (!page) return fail(page.error());
  return Listed<Incident>{std::move(page->incidents), std::move(page->next_cursor)};
}

Result<Listed<Event>> alerts_from_dir(const ListOptions& o, const json& params) {
  EventQuery q;
  q.type = EventType::alert;
  if (o.sid != 0) q.signature_id = o.sid;
  if (!o.src.empty()) {
    auto src = Cidr::parse(o.src);
    if (!src) return bad_usage("--src: " + src.error().message);
    q.src = *src;
  }
  if (!o.dst.empty()) {
    auto dst = Cidr::parse(o.dst);
    if (!dst) return bad_usage("--dst: " + dst.error().message);
    q.dst = *dst;
  }
  if (!o.sensor.empty()) q.sensor = o.sensor;
  if (!o.zone.empty()) q.zone = o.zone;
  if (!o.incident.empty()) q.incident_id = o.incident;
  q.text = o.text;
  if (params.contains("since")) q.from = *parse_timestamp(params["since"].get<std::string>());
  if (params.contains("until")) q.until = *parse_timestamp(params["until"].get<std::string>());
  q.cursor = o.cursor;
  q.limit = o.all ? SIZE_MAX : o.limit;
  auto store = open_for_reading(o.data_dir);
  if (!store) return bad_usage(store.error().message);
  auto page = (*store)->query_page(q);
  if (!page) return fail(page.error());
  return Listed<Event>{std::move(page->events), std::move(page->next_cursor)};
}

// Reading a data dir directly: a bad dir or option is bad usage (2), anything else a failure (1).
int exit_for(const Error& error) {
  return error.code == ErrorCode::invalid_argument ? usage_error(error.message) : runtime_error(error.message);
}

// Tells people (on stderr, so --json output stays one record per line) how to get the next page.
void say_more(const std::string& what, const std::string& next_cursor) {
  if (next_cursor.empty()) return;
  std::cerr << "vigil: " << tr("more") << " " << what << ": --cursor " << next_cursor << " (" << tr("or --all") << ")\n";
}

std::string endpoint(const Event& event, const std::optional<IpAddress>& ip, uint16_t port) {
  std::string text = ip ? ip->to_string() : "-";
  if (event.proto == kProtoTcp || event.proto == kProtoUdp) text += ":" + std::to_string(port);
  return text;
}

int list_alerts(const ListOptions& o) {
  auto checked = alert_params(o);
  if (!checked) return usage_error(checked.error().message);
  const json& params = *checked;
  Result<Listed<Event>> listed = Listed<Event>{};
  if (!o.data_dir.empty()) {
    listed = alerts_from_dir(o, params);
    if (!listed) return exit_for(listed.error());
  } else {
    auto client = DaemonClient::connect(o.socket);
    if (!client) return runtime_error(client.error().message);
    listed = read_pages<Event>(*client, "alerts.list", params, "alerts", o,
                               [](const std::string& text) { return event_from_json(text); });
    if (!listed) return runtime_error(listed.error().message);
  }
  if (o.json) {
    for (const Event& event : listed->items) std::cout << to_eve_json(event) << "\n";
    say_more("alerts", listed->next_cursor);
    return kExitOk;
  }
  if (listed->items.empty()) {
    std::cout << tr("No alerts match.") << "\n";
    return kExitOk;
  }
  Table table({std::string(tr("TIME")), "SID", std::string(tr("SEV")), std::string(tr("SOURCE")),
               std::string(tr("DESTINATION")), std::string(tr("SENSOR")), std::string(tr("INCIDENT")),
               std::string(tr("SIGNATURE"))});
  const Timestamp now = SystemClock().now();
  for (const Event& event : listed->items) {
    const AlertInfo& alert = *event.alert;
    table.add_row({when_text(event.timestamp, now), std::to_string(alert.signature_id), std::to_string(alert.severity),
                   endpoint(event, event.src_ip, event.src_port), endpoint(event, event.dest_ip, event.dest_port),
                   event.sensor.empty() ? "-" : event.sensor, event.incident_id.empty() ? "-" : event.incident_id,
                   alert.signature});
  }
  table.print(std::cout);
  say_more("alerts", listed->next_cursor);
  return kExitOk;
}

int list_incidents(const ListOptions& o) {
  Result<Listed<Incident>> listed = Listed<Incident>{};
  if (!o.data_dir.empty()) {
    auto params = incident_params(o, nullptr);
    if (!params) return usage_error(params.error().message);
    listed = incidents_from_dir(o, *params);
    if (!listed) return exit_for(listed.error());
  } else {
    auto client = DaemonClient::connect(o.socket);
    if (!client) return runtime_error(client.error().message);
    auto params = incident_params(o, &*client);
    if (!params) return params.error().code == ErrorCode::invalid_argument && params.error().message.starts_with("--")
                            ? usage_error(params.error().message)
                            : runtime_error(params.error().message);
    listed = read_pages<Incident>(*client, "incidents.list", *params, "incidents", o,
                                  [](const std::string& text) { return incident_from_json(text); });
    if (!listed) return runtime_error(listed.error().message);
  }
  if (o.json) {
    for (const Incident& incident : listed->items) std::cout << to_json(incident) << "\n";
    say_more("incidents", listed->next_cursor);
    return kExitOk;
  }
  if (listed->items.empty()) {
    std::cout << tr("No incidents match.") << "\n";
    return kExitOk;
  }
  Table table({"ID", std::string(tr("SEVERITY")), std::string(tr("STATE")), std::string(tr("LAYER")),
               std::string(tr("ASSIGNEE")), std::string(tr("EVENTS")), std::string(tr("FIRST SEEN")),
               std::string(tr("LAST SEEN")), std::string(tr("TITLE"))});
  table.set_severity_column(1);
  const Timestamp now = SystemClock().now();
  for (const Incident& inc : listed->items) {
    table.add_row({inc.id, std::string(to_string(inc.severity)), std::string(to_string(inc.state)),
                   std::to_string(inc.layer), inc.assignee.empty() ? "-" : inc.assignee,
                   std::to_string(inc.event_count), when_text(inc.first_seen, now), when_text(inc.last_seen, now),
                   inc.title});
  }
  table.print(std::cout);
  say_more("incidents", listed->next_cursor);
  return kExitOk;
}

void add_common_options(CLI::App* cmd, ListOptions& o) {
  cmd->add_option("--socket", o.socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  cmd->add_option("--data-dir", o.data_dir, "Read this data dir directly instead of asking vigild (offline)");
  cmd->add_option("--since", o.since, "Only from this time on: RFC 3339, a date, @unix, now, or an age (24h, 7d)");
  cmd->add_option("--until", o.until, "Only before this time (same forms as --since)");
  cmd->add_option("--limit", o.limit, "Show at most N")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  cmd->add_flag("--all", o.all, "Every match, page after page (ignores --limit)");
  cmd->add_option("--cursor", o.cursor, "Go on after the last page (the cursor vigil printed on stderr)");
  cmd->add_flag("--json", o.json, "One JSON object per line, for scripts");
}

}  // namespace

void add_alerts_commands(CLI::App& app, int& exit_code) {
  CLI::App* alerts = app.add_subcommand("alerts", "Look at stored alerts, or follow new ones");
  alerts->require_subcommand(1);
  auto o = std::make_shared<ListOptions>();
  CLI::App* list = alerts->add_subcommand("list", "List alerts, newest first; every filter given must match");
  add_common_options(list, *o);
  list->add_option("--sid", o->sid, "Only alerts of this signature id");
  list->add_option("--src", o->src, "Only from this source address or CIDR block");
  list->add_option("--dst", o->dst, "Only to this destination address or CIDR block");
  list->add_option("--sensor", o->sensor, "Only alerts of this sensor");
  list->add_option("--zone", o->zone, "Only alerts of sensors in this zone");
  list->add_option("--incident", o->incident, "Only alerts of this incident (INC-000014)");
  list->add_option("--text", o->text, "Only alerts whose signature message contains this (any case)");
  list->footer(
      "Examples:\n"
      "  vigil alerts list --since 1h --zone dmz\n"
      "  vigil alerts list --src 203.0.113.0/24 --text scan --limit 20\n"
      "  vigil alerts list --incident INC-000014 --json | jq .alert.signature\n\n"
      "Exit codes: 0 listed (maybe nothing), 1 vigild unreachable or refused, 2 bad option.");
  list->callback([o, &exit_code] { exit_code = list_alerts(*o); });
  add_alerts_tail_command(*alerts, exit_code);
  // Set after the subcommands: CLI11 copies a parent's footer into subcommands added later.
  alerts->footer(
      "Examples:\n"
      "  vigil alerts list --since 1h --zone dmz\n"
      "  vigil alerts tail --json\n\n"
      "Run 'vigil alerts list --help' or 'vigil alerts tail --help' for their filters.");
}

void add_incidents_commands(CLI::App& app, int& exit_code) {
  CLI::App* incidents = app.add_subcommand("incidents", "Triage incidents: list, show, ack, assign, note, resolve ...");
  incidents->require_subcommand(1);
  auto o = std::make_shared<ListOptions>();
  CLI::App* list = incidents->add_subcommand("list", "List incidents, newest first; every filter given must match");
  add_common_options(list, *o);
  list->add_option("--state", o->states,
                   "Only in these states: open (all not resolved or closed), new, acknowledged, investigating, "
                   "contained, resolved, closed; repeat or use commas")
      ->delimiter(',');
  list->add_flag("--open", o->open_only, "The same as --state open");
  list->add_option("--severity", o->severity, "At least this severity: --severity high lists high and critical");
  list->add_option("--layer", o->layer, "Only held at this layer (1 on-site .. 4 national centre)")->check(CLI::Range(1, 4));
  list->add_option("--agency", o->agency, "Only touching an asset of this agency");
  list->add_option("--zone", o->zone, "Only with an event seen by a sensor in this zone");
  list->add_option("--rule", o->rule, "Only raised by this correlation rule id");
  list->add_option("--assignee", o->assignee, "Only assigned to this user; 'me' for you, 'none' or '-' for unassigned");
  list->add_option("--text", o->text, "Only whose title, an observable or a note contains this (any case)");
  list->add_option("--sort", o->sort,
                   "Order by first_seen (default, newest first), last_seen, severity or layer; a leading - "
                   "for descending (-severity: critical first)");
  list->footer(
      "Examples:\n"
      "  vigil incidents list --open --severity high\n"
      "  vigil incidents list --state new,acknowledged --assignee none --sort -severity\n"
      "  vigil incidents list --assignee me --since 24h --json | jq -r .id\n"
      "  vigil incidents list --zone dmz --text 203.0.113.77\n\n"
      "Exit codes: 0 listed (maybe nothing), 1 vigild unreachable or refused, 2 bad option.");
  list->callback([o, &exit_code] { exit_code = list_incidents(*o); });
  add_incident_commands(*incidents, exit_code);
  // Set after the subcommands: CLI11 copies a parent's footer into subcommands added later.
  incidents->footer(
      "Examples:\n"
      "  vigil incidents list --open --severity high\n"
      "  vigil incidents show INC-000014\n"
      "  vigil incidents ack INC-000014\n"
      "  vigil incidents resolve INC-000014 --resolution true_positive --note \"host reimaged\"\n\n"
      "Run 'vigil incidents COMMAND --help' for each command's options.");
}

}  // namespace vigil::cli
