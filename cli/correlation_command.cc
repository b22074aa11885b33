#include "correlation_command.h"

#include <fstream>
#include <iostream>
#include <memory>

#include "daemon_client.h"
#include "exit_codes.h"
#include "i18n.h"
#include "memory_incident_store.h"
#include "paths.h"
#include "replay_pipeline.h"
#include "rule_loading.h"
#include "table.h"
#include "time_arg.h"
#include "time_text.h"
#include "vigil/core/eve_json.h"
#include "vigil/correlator/rule_loader.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"
#include "vigil/sensors/worker_pool.h"

namespace vigil::cli {

using nlohmann::json;

namespace {

struct ListOptions {
  std::string socket = default_socket_path();
  bool json = false;
};

struct TestOptions {
  std::vector<std::string> rules;       // correlation rule files or directories
  std::vector<std::string> signatures;  // signature rules for --pcap; default: the config dir's
  std::string policy;                   // default: <config dir>/policy.yaml, as `vigil replay`
  std::vector<std::string> pcaps;
  std::vector<std::string> app_events;  // with --pcap: http, dns, tls, ssh records, as replay
  std::string events;
  bool json = false;
};

int run_list(const ListOptions& options) {
  auto client = DaemonClient::connect(options.socket);
  if (!client) return runtime_error(client.error().message);
  auto listed = client->call("correlation.list");
  if (!listed) return runtime_error(listed.error().message);
  const json& rules = (*listed)["rules"];
  if (options.json) {
    for (const auto& rule : rules) std::cout << rule.dump() << "\n";
    return kExitOk;
  }
  if (rules.empty()) {
    std::cout << tr("vigild has no correlation rules loaded (correlation.paths in its config).") << "\n";
    return kExitOk;
  }
  Table table({tr("ID"), tr("TYPE"), tr("WINDOW"), tr("CONDITION"), tr("SEVERITY"), tr("ENABLED"), tr("RAISED"),
               tr("STORED"), tr("TITLE")});
  table.set_severity_column(4);
  size_t disabled = 0;
  for (const auto& rule : rules) {
    const bool enabled = rule.value("enabled", true);
    disabled += enabled ? 0 : 1;
    std::string condition = rule.value("condition", json()).is_string() ? rule.value("condition", "") : "-";
    if (rule.contains("rules")) {  // temporal: the member rules that must all fire
      condition.clear();
      for (const auto& member : rule["rules"]) condition += (condition.empty() ? "" : ", ") + member.get<std::string>();
    }
    std::string enabled_text = std::string(enabled ? tr("yes") : tr("no"));
    if (!rule.value("generate", true)) enabled_text += " (" + std::string(tr("feeds others")) + ")";
    table.add_row({rule.value("id", ""), rule.value("type", ""),
                   rule.value("timespan", json()).is_string() ? rule.value("timespan", "") : "-", condition,
                   rule.value("severity", ""), enabled_text, std::to_string(rule.value("incidents_raised", 0)),
                   std::to_string(rule.value("incidents_stored", 0)), rule.value("title", "")});
  }
  table.print(std::cout);
  std::cout << "\n" << rules.size() << " " << tr("rules") << ", " << disabled << " " << tr("disabled")
            << ". " << tr("RAISED: since vigild started; STORED: incidents in the data dir.") << "\n";
  return kExitOk;
}

// Loads the rules under test; every broken rule is printed as file:line and refuses the run.
Result<std::vector<correlator::CorrelationRule>> load_rules_under_test(const std::vector<std::string>& paths) {
  correlator::CorrelationLoadReport report;
  std::vector<std::filesystem::path> files(paths.begin(), paths.end());
  auto rules = correlator::load_correlation_rules(files, report);
  if (!rules) return fail(rules.error());
  for (const auto& warning : report.warnings) std::cerr << "vigil: warning: " << to_string(warning) << "\n";
  if (!report.errors.empty()) {
    for (const auto& error : report.errors) std::cerr << "vigil: " << to_string(error) << "\n";
    return fail(ErrorCode::invalid_argument, std::to_string(report.errors.size()) +
                                                 " problem(s) in the correlation rules; fix them and run again");
  }
  if (rules->empty()) return fail(ErrorCode::invalid_argument, "no correlation rules in the given --rules");
  return rules;
}

// Feeds each capture through the sensors with the signature rules, as `vigil replay --no-store` does.
Result<void> feed_captures(const TestOptions& options, std::shared_ptr<const rules::RuleSet> signatures,
                           const sensors::ProcessorOptions& processing, ReplayPipeline& pipeline) {
  for (const std::string& path : options.pcaps) {
    auto source = sensors::PcapFileSource::open(path);
    if (!source) return fail(source.error());
    sensors::WorkerPool pool({"replay", "offline"}, signatures, pipeline, processing, sensors::WorkerPoolOptions{});
    sensors::RawPacket raw;
    while (!pipeline.failure()) {
      auto more = source->next(raw);
      if (!more) return fail(more.error());
      if (!*more) break;
      pool.submit(source->link_type(), raw);
    }
    pool.finish();
  }
  return ok();
}

// Feeds EVE JSON lines; a line that is not an event is counted and named, not fatal.
Result<void> feed_events(const std::string& path, ReplayPipeline& pipeline) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::io_error, "cannot read " + path);
  std::string line;
  size_t number = 0, bad = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = event_from_json(line);
    if (!event) {
      if (bad++ < 5) std::cerr << "vigil: " << path << ":" << number << ": not an EVE event: " << event.error().message << "\n";
      continue;
    }
    pipeline.consume(std::move(*event));
  }
  if (bad > 0) std::cerr << "vigil: " << bad << " of " << number << " lines of " << path << " skipped\n";
  return ok();
}

json incident_json(const Incident& incident) {
  return {{"rule", incident.rule_id},
          {"title", incident.title},
          {"severity", std::string(to_string(incident.severity))},
          {"category", incident.category},
          {"group_key", incident.group_key},
          {"event_count", incident.event_count},
          {"first_seen", rfc3339(incident.first_seen)},
          {"last_seen", rfc3339(incident.last_seen)},
          {"drill", incident.drill},
          {"report_required", incident.report_required}};
}

int run_test(const TestOptions& options) {
  if (options.pcaps.empty() == options.events.empty()) {
    return usage_error("correlation test: give --pcap CAPTURE... or --events EVE.jsonl (one of them)");
  }
  sensors::ProcessorOptions processing;
  auto app_records = sensors::parse_app_records(options.app_events);
  if (!app_records) return usage_error("--app-events: " + app_records.error().message);
  processing.app_records = *app_records;
  auto rules = load_rules_under_test(options.rules);
  if (!rules) return usage_error(rules.error().message);
  std::shared_ptr<const rules::RuleSet> signatures;
  if (!options.pcaps.empty()) {
    auto loaded = load_detection_rules(options.signatures, {}, std::cerr);
    if (!loaded) return usage_error(loaded.error().message);
    signatures = loaded->signatures;
  }
  const std::string policy_path = options.policy.empty() ? default_config_dir() + "/policy.yaml" : options.policy;
  auto policy = correlator::load_incident_policy(policy_path);
  if (!policy) return usage_error(policy.error().message);

  MemoryIncidentStore incidents;
  correlator::CorrelatorOptions correlator_options;
  correlator_options.policy = std::make_shared<const correlator::IncidentPolicy>(std::move(*policy));
  correlator::Correlator correlator(std::move(*rules), incidents, correlator_options);
  ReplayPipeline pipeline(&correlator, nullptr, nullptr, {}, 1);
  auto fed = options.pcaps.empty() ? feed_events(options.events, pipeline) : feed_captures(options, signatures, processing, pipeline);
  if (!fed) return runtime_error(fed.error().message);
  auto flushed = pipeline.flush();
  if (flushed) {
    if (auto newest = correlator.watermark()) {
      if (auto reviewed = correlator.review_incidents(*newest); !reviewed) flushed = fail(reviewed.error());
    }
  }
  if (flushed) flushed = pipeline.flush();
  if (!flushed) return runtime_error(flushed.error().message);

  std::vector<Incident> raised;
  for (const auto& [id, incident] : pipeline.incidents()) raised.push_back(incident);
  if (options.json) {
    for (const auto& incident : raised) std::cout << incident_json(incident).dump() << "\n";
    return kExitOk;
  }
  if (raised.empty()) {
    std::cout << tr("No incidents: the rules raised nothing on this input.") << "\n";
    return kExitOk;
  }
  Table table({tr("RULE"), tr("SEVERITY"), tr("EVENTS"), tr("FIRST SEEN"), tr("LAST SEEN"), tr("GROUP"), tr("TITLE")});
  table.set_severity_column(1);
  for (const auto& incident : raised) {
    table.add_row({incident.rule_id, std::string(to_string(incident.severity)), std::to_string(incident.event_count),
                   table_time(incident.first_seen), table_time(incident.last_seen), incident.group_key, incident.title});
  }
  table.print(std::cout);
  std::cout << "\n" << raised.size() << " " << tr("incidents would be raised") << ".\n";
  return kExitOk;
}

}  // namespace

void add_correlation_commands(CLI::App& app, int& exit_code) {
  CLI::App* correlation = app.add_subcommand("correlation", "Correlation rules: what vigild runs, and testing new ones");
  correlation->require_subcommand(1);

  auto list_options = std::make_shared<ListOptions>();
  CLI::App* list = correlation->add_subcommand("list", "The correlation rules vigild has loaded (admin, responder or auditor)");
  list->add_flag("--json", list_options->json, "One JSON object per rule, for scripts");
  list->add_option("--socket", list_options->socket, "vigild's control socket ($VIGIL_SOCKET)")->capture_default_str();
  list->fallthrough();
  list->footer(
      "Examples:\n"
      "  vigil correlation list\n"
      "  vigil correlation list --json | jq -r 'select(.enabled == false) | .id'\n\n"
      "Exit codes: 0 listed, 1 daemon unreachable or refused, 2 bad arguments.");
  list->callback([list_options, &exit_code] { exit_code = run_list(*list_options); });

  auto test_options = std::make_shared<TestOptions>();
  CLI::App* test = correlation->add_subcommand("test", "Run correlation rules offline over a capture or EVE events");
  test->add_option("--rules", test_options->rules, "Correlation rule file or directory (repeatable)")->required();
  test->add_option("--pcap", test_options->pcaps, "Capture files, run through the sensors and the signature rules")
      ->check(CLI::ExistingFile);
  test->add_option("--events", test_options->events, "EVE JSON lines (alerts, flows) instead of a capture")
      ->check(CLI::ExistingFile);
  test->add_option("--app-events", test_options->app_events,
                   "With --pcap: app-layer protocols whose transactions become events for the rules "
                   "(http,dns,tls,ssh), as vigil replay --app-events and a sensor's app_events")
      ->delimiter(',');
  test->add_option("--signatures", test_options->signatures,
                   "With --pcap: signature rule file or directory (repeatable); default the config dir's rules");
  test->add_option("--policy", test_options->policy,
                   "Incident policy (assets, drills, reporting); default <config dir>/policy.yaml, as vigil replay");
  test->add_flag("--json", test_options->json, "One JSON object per incident, for scripts");
  test->fallthrough();
  test->footer(
      "Nothing is stored and no daemon is needed: try a rule before it goes into correlation.paths.\n\n"
      "Examples:\n"
      "  vigil correlation test --rules my-rule.yml --pcap samples/sample.pcap\n"
      "  vigil correlation test --rules config/correlation --events eve.json --json\n"
      "  vigil correlation test --rules dns-names.yml --app-events dns --pcap capture.pcap\n\n"
      "Exit codes: 0 ran (whether or not incidents were raised), 1 an unreadable capture,\n"
      "2 bad arguments or a broken rule (each printed as file:line: reason).");
  test->callback([test_options, &exit_code] { exit_code = run_test(*test_options); });
  correlation->footer("Example:\n  vigil correlation list\n\nRun 'vigil correlation list --help' or 'vigil correlation test --help'.");
}

}  // namespace vigil::cli
