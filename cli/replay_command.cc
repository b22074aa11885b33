#include "replay_command.h"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

#include "memory_incident_store.h"
#include "paths.h"
#include "replay_pipeline.h"
#include "rule_loading.h"
#include "summary.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_file_source.h"
#include "vigil/sensors/worker_pool.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::cli {

namespace {

struct ReplayOptions {
  std::vector<std::string> rule_paths;
  std::vector<std::string> correlation_paths;
  std::string policy_path;  // empty: <config dir>/policy.yaml
  std::vector<std::string> pcaps;
  std::string data_dir;
  std::string eve_path;
  std::string eve_types = "alert";
  std::vector<std::string> app_events;  // http, dns, tls, ssh records
  std::string sensor = "replay";
  std::string zone = "offline";
  bool no_store = false;
  size_t workers = 1;
  bool midstream = false;       // Suricata's stream.midstream
  bool async_oneside = false;   // Suricata's stream.async-oneside
  double stats_interval = 30;   // seconds of packet time between stats events; 0: none
};


volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

Result<std::set<EventType>> parse_eve_types(const std::string& text) {
  std::set<EventType> types;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    auto type = parse_event_type(text.substr(start, comma - start));
    if (!type) return fail(type.error());
    types.insert(*type);
    start = comma + 1;
  }
  return types;
}

// Shows how far a long replay is, on a terminal only, at most once a second.
class Progress {
 public:
  Progress() : enabled_(isatty(STDERR_FILENO) != 0) {}
  void tick(const std::string& file, uint64_t packets) {
    if (!enabled_ || (packets & 0xffff) != 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    std::cerr << "\r" << file << ": " << packets << " packets" << std::flush;
    shown_ = true;
  }
  void clear() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

int run_replay(const ReplayOptions& options) {
  const bool eve_to_stdout = options.eve_path == "-";
  std::ostream& report = eve_to_stdout ? std::cerr : std::cout;
  const auto started = std::chrono::steady_clock::now();

  auto eve_types = parse_eve_types(options.eve_types);
  if (!eve_types) return usage_error("--eve-types: " + eve_types.error().message);
  auto app_records = sensors::parse_app_records(options.app_events);
  if (!app_records) return usage_error("--app-events: " + app_records.error().message);

  auto loaded = load_detection_rules(options.rule_paths, options.correlation_paths, std::cerr);
  if (!loaded) return usage_error(loaded.error().message);
  const std::string policy_path =
      options.policy_path.empty() ? default_config_dir() + "/policy.yaml" : options.policy_path;
  auto policy = correlator::load_incident_policy(policy_path);
  if (!policy) return usage_error(policy.error().message);

  std::unique_ptr<storage::RocksStore> store;
  MemoryIncidentStore memory_incidents;
  IncidentStore* incidents = &memory_incidents;
  uint64_t first_seq = 1;
  if (!options.no_store) {
    auto opened = storage::RocksStore::open(options.data_dir, storage::StoreOptions{});
    if (!opened) return usage_error(opened.error().message);
    store = std::move(*opened);
    incidents = store.get();
    auto saved = store->get_state(storage::kNextSeqStateKey);
    if (!saved) return runtime_error(saved.error().message);
    if (*saved) first_seq = std::stoull(**saved);
  }

  correlator::CorrelatorOptions correlator_options;
  correlator_options.policy = std::make_shared<const correlator::IncidentPolicy>(std::move(*policy));
  // With a store, windows saved by an earlier replay into the same data dir carry on.
  correlator::Correlator correlator(loaded->correlation, *incidents, correlator_options, store.get());

  std::ofstream eve_file;
  std::ostream* eve = nullptr;
  if (eve_to_stdout) {
    eve = &std::cout;
  } else if (!options.eve_path.empty()) {
    eve_file.open(options.eve_path, std::ios::out | std::ios::trunc);
    if (!eve_file) return usage_error("cannot write EVE output to " + options.eve_path);
    eve = &eve_file;
  }

  ReplayPipeline pipeline(&correlator, store.get(), eve, *eve_types, first_seq);
  ReplayTotals totals;
  int exit_code = 0;
  Progress progress;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);

  for (const std::string& path : options.pcaps) {
    if (g_interrupted) break;
    auto source = sensors::PcapFileSource::open(path);
    if (!source) {
      std::cerr << "vigil replay: " << source.error().message << "\n";
      exit_code = 1;
      continue;
    }
    sensors::WorkerPoolOptions pool_options;
    pool_options.workers = options.workers;
    sensors::ProcessorOptions processing;
    processing.flows.midstream = options.midstream;
    processing.flows.async_oneside = options.async_oneside;
    processing.app_records = *app_records;
    processing.stats_interval = static_cast<Duration>(options.stats_interval * 1e6);
    sensors::WorkerPool pool({options.sensor, options.zone}, loaded->signatures, pipeline, processing, pool_options);
    sensors::RawPacket raw;
    uint64_t packets = 0;
    while (!g_interrupted && !pipeline.failure()) {
      auto more = source->next(raw);
      if (!more) {
        progress.clear();
        std::cerr << "vigil replay: " << more.error().message << "\n";
        exit_code = 1;
        break;
      }
      if (!*more) break;
      pool.submit(source->link_type(), raw);
      progress.tick(path, ++packets);
    }
    progress.clear();
    pool.finish();  // flows end with the capture: their flow events feed correlation
    for (const auto& stats : pool.worker_stats()) totals.add(stats);
    ++totals.files;
  }

  auto flushed = pipeline.flush();
  if (flushed && store) flushed = correlator.save_windows();
  // The policy (escalations, overdue reports) at the newest event time, so a replay stays on event time;
  // then flush again so its decisions reach the store.
  if (auto newest = correlator.watermark(); flushed && newest) {
    if (auto reviewed = correlator.review_incidents(*newest); !reviewed) flushed = fail(reviewed.error());
  }
  if (flushed) flushed = pipeline.flush();
  if (!flushed) {
    std::cerr << "vigil replay: " << flushed.error().message << "\n";
    exit_code = 1;
  }
  totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_replay_summary(report, totals, *loaded, pipeline, store ? options.data_dir : std::string());
  if (g_interrupted) {
    std::cerr << "vigil replay: interrupted; what was read so far is stored\n";
    return 130;
  }
  return exit_code;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  options->data_dir = default_data_dir();
  CLI::App* cmd = app.add_subcommand("replay", "Run captures through the whole pipeline offline: detect, correlate, store");
  cmd->footer(
      "Examples:\n"
      "  vigil replay samples/sample.pcap\n"
      "  vigil replay --rules my.rules --eve - --no-store capture.pcapng | jq .alert.signature\n"
      "  vigil replay --data-dir /var/lib/vigil --zone datacenter day1.pcap day2.pcap\n"
      "  vigil replay --workers 2 --no-store --rules et-open/ -- big.pcap\n"
      "  vigil replay --app-events dns,tls --eve - --eve-types dns,tls --no-store capture.pcap\n\n"
      "Without --rules and --correlation the defaults in " + default_config_dir() + " are used.\n"
      "Exit codes: 0 done, 1 a capture could not be read whole or storing failed, 2 bad usage or rules,\n"
      "130 interrupted (what was read is stored).");
  cmd->add_option("--rules", options->rule_paths, "Signature rule file or directory (repeatable)");
  cmd->add_option("--correlation", options->correlation_paths, "Correlation rule file or directory (repeatable)");
  cmd->add_option("--policy", options->policy_path,
                  "Incident policy (assets, escalation, drills, reporting); default <config dir>/policy.yaml");
  cmd->add_option("--data-dir", options->data_dir, "Where events and incidents are stored ($VIGIL_DATA_DIR)")
      ->capture_default_str();
  cmd->add_option("--eve", options->eve_path, "Write EVE JSON lines to FILE, or - for stdout (the summary then goes to stderr)");
  cmd->add_option("--eve-types", options->eve_types,
                  "Event types written as EVE: alert,flow,anomaly,stats,http,dns,tls,ssh")
      ->capture_default_str();
  cmd->add_option("--app-events", options->app_events,
                  "App-layer protocols whose every transaction becomes an event of its own, stored and "
                  "correlated (http,dns,tls,ssh); alerts carry their transaction's context either way")
      ->delimiter(',');
  cmd->add_option("--sensor", options->sensor, "Sensor name carried by every event")->capture_default_str();
  cmd->add_option("--zone", options->zone, "Network zone carried by every event (wan, datacenter, ...)")
      ->capture_default_str();
  cmd->add_flag("--no-store", options->no_store, "Do not write to the data dir");
  cmd->add_option("--workers", options->workers,
                  "Worker threads; each flow is handled by one of them. The events are the same for any N")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{256}));
  cmd->add_flag("--midstream", options->midstream,
                "Take a TCP connection whose handshake was not captured as established (Suricata's "
                "stream.midstream=true); without it flow:established needs the handshake");
  cmd->add_flag("--async-oneside", options->async_oneside,
                "Only one direction of each connection is captured: a handshake completes without the "
                "other side's packet (Suricata's stream.async-oneside=true)");
  cmd->add_option("--stats-interval", options->stats_interval,
                  "Seconds of packet time between `stats` events (the sensor's counters); 0: none. The "
                  "events are the same for any --workers N except stream.memory_peak, the sum of the workers' peaks")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("pcap", options->pcaps, "Capture files (pcap or pcapng)")->required()->check(CLI::ExistingFile);
  cmd->callback([options, &exit_code] { exit_code = run_replay(*options); });
}

}  // namespace vigil::cli
