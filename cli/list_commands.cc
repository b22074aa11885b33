#include "list_commands.h"

#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "daemon_reads.h"
#include "exit_codes.h"
#include "paths.h"
#include "table.h"
#include "vigil/core/eve_json.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::cli {

namespace {

struct ListOptions {
  std::string data_dir = default_data_dir();
  size_t limit = 50;
  bool json = false;
  std::string since;
  std::string until;
  uint32_t sid = 0;
  std::string state;
  bool open_only = false;
};

Result<std::unique_ptr<storage::RocksStore>> open_for_reading(const std::string& dir) {
  storage::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return storage::RocksStore::open(dir, options);
}

void add_common_options(CLI::App* cmd, ListOptions& options) {
  cmd->add_option("--data-dir", options.data_dir, "Data dir to read ($VIGIL_DATA_DIR)")->capture_default_str();
  cmd->add_option("--limit", options.limit, "Show at most N, newest first")->capture_default_str();
  cmd->add_flag("--json", options.json, "One JSON object per line, for scripts");
}

std::string short_time(Timestamp ts) {
  return format_timestamp(ts).substr(0, 19);  // seconds are enough in a table
}

int list_alerts(const ListOptions& options) {
  EventQuery query;
  query.type = EventType::alert;
  query.limit = options.limit;
  if (!options.since.empty()) {
    auto since = parse_timestamp(options.since);
    if (!since) return usage_error("--since: " + since.error().message);
    query.from = *since;
  }
  if (!options.until.empty()) {
    auto until = parse_timestamp(options.until);
    if (!until) return usage_error("--until: " + until.error().message);
    query.until = *until;
  }
  if (options.sid != 0) query.signature_id = options.sid;

  Result<std::vector<Event>> events = std::vector<Event>{};
  if (remote_daemon_set()) {
    events = alerts_from_daemon(query);  // --connect: the daemon reads its own data dir
  } else {
    auto store = open_for_reading(options.data_dir);
    if (!store) return usage_error(store.error().message);
    events = (*store)->query(query);
  }
  if (!events) return runtime_error(events.error().message);

  if (options.json) {
    for (const Event& event : *events) std::cout << to_eve_json(event) << "\n";
    return kExitOk;
  }
  if (events->empty()) {
    std::cout << "No alerts in " << options.data_dir << " for this query.\n";
    return kExitOk;
  }
  Table table({"TIME (UTC)", "SID", "SEV", "SOURCE", "DESTINATION", "INCIDENT", "SIGNATURE"});
  for (const Event& event : *events) {
    const AlertInfo& alert = *event.alert;
    auto endpoint = [&](const std::optional<IpAddress>& ip, uint16_t port) {
      std::string text = ip ? ip->to_string() : "-";
      if (event.proto == kProtoTcp || event.proto == kProtoUdp) text += ":" + std::to_string(port);
      return text;
    };
    table.add_row({short_time(event.timestamp), std::to_string(alert.signature_id), std::to_string(alert.severity),
                   endpoint(event.src_ip, event.src_port), endpoint(event.dest_ip, event.dest_port),
                   event.incident_id.empty() ? "-" : event.incident_id, alert.signature});
  }
  table.print(std::cout);
  return kExitOk;
}

int list_incidents(const ListOptions& options) {
  IncidentQuery query;
  query.limit = options.limit;
  query.open_only = options.open_only;
  if (!options.state.empty()) {
    auto state = parse_incident_state(options.state);
    if (!state) return usage_error("--state: " + state.error().message);
    query.state = *state;
  }
  Result<std::vector<Incident>> incidents = std::vector<Incident>{};
  if (remote_daemon_set()) {
    incidents = incidents_from_daemon(query);  // --connect: the daemon reads its own data dir
  } else {
    auto store = open_for_reading(options.data_dir);
    if (!store) return usage_error(store.error().message);
    incidents = (*store)->list(query);
  }
  if (!incidents) return runtime_error(incidents.error().message);

  if (options.json) {
    for (const Incident& incident : *incidents) std::cout << to_json(incident) << "\n";
    return kExitOk;
  }
  if (incidents->empty()) {
    std::cout << "No incidents in " << options.data_dir << " for this query.\n";
    return kExitOk;
  }
  Table table({"ID", "SEVERITY", "STATE", "LAYER", "EVENTS", "FIRST SEEN (UTC)", "LAST SEEN (UTC)", "TITLE"});
  for (const Incident& inc : *incidents) {
    table.add_row({inc.id, std::string(to_string(inc.severity)), std::string(to_string(inc.state)),
                   std::to_string(inc.layer), std::to_string(inc.event_count), short_time(inc.first_seen),
                   short_time(inc.last_seen), inc.title});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace

void add_alerts_commands(CLI::App& app, int& exit_code) {
  CLI::App* alerts = app.add_subcommand("alerts", "Look at stored alerts");
  alerts->require_subcommand(1);
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = alerts->add_subcommand("list", "List alerts, newest first");
  add_common_options(list, *options);
  list->add_option("--since", options->since, "Only alerts at or after this time (2026-03-02T10:00:00Z, 2026-03-02, @unix)");
  list->add_option("--until", options->until, "Only alerts before this time");
  list->add_option("--sid", options->sid, "Only alerts of this signature id");
  list->footer("Examples:\n  vigil alerts list --limit 20\n  vigil alerts list --sid 9000001 --json | jq .src_ip");
  list->callback([options, &exit_code] { exit_code = list_alerts(*options); });
}

void add_incidents_commands(CLI::App& app, int& exit_code) {
  CLI::App* incidents = app.add_subcommand("incidents", "Look at incidents");
  incidents->require_subcommand(1);
  auto options = std::make_shared<ListOptions>();
  CLI::App* list = incidents->add_subcommand("list", "List incidents, newest first");
  add_common_options(list, *options);
  list->add_option("--state", options->state, "Only incidents in this state (new, acknowledged, investigating, contained, resolved, closed)");
  list->add_flag("--open", options->open_only, "Only incidents not yet resolved or closed");
  list->footer("Examples:\n  vigil incidents list --open\n  vigil incidents list --state new --json");
  list->callback([options, &exit_code] { exit_code = list_incidents(*options); });
}

}  // namespace vigil::cli
