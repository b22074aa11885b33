#include "service.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "control_api.h"
#include "control_server.h"
#include "control_tls.h"
#include "correlation_reload.h"
#include "detection.h"
#include "forwarding.h"
#include "metrics.h"
#include "link/link_sender.h"
#include "link/link_server.h"
#include "pipeline.h"
#include "rule_admin.h"
#include "rule_admin_api.h"
#include "alert_feed.h"
#include "rule_set_version.h"
#include "signals.h"
#include "vigil/correlator/correlator.h"
#include "vigil/sensors/live_sensor.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// One configured sensor on its own capture thread: a LiveSensor (PcapLiveSource -> WorkerPool with
// the sensor's `workers`) on an io_context only that thread runs. Start, stop, reload and status
// are posted to it, so the sensor is only ever touched on its thread.
class SensorThread {
 public:
  static Result<std::unique_ptr<SensorThread>> open(const SensorConfig& config,
                                                    std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                                                    const Clock& clock) {
    auto t = std::unique_ptr<SensorThread>(new SensorThread(config));
    sensors::SensorOptions options;
    options.identity = {config.name, config.zone};
    options.capture.interface = config.interface;
    options.capture.snaplen = config.snaplen;
    options.capture.promiscuous = config.promiscuous;
    options.capture.buffer_bytes = config.buffer_mb << 20;
    options.capture.bpf_filter = config.bpf;
    options.processing.flows.midstream = config.midstream;
    options.processing.flows.async_oneside = config.async_oneside;
    if (auto records = sensors::parse_app_records(config.app_events)) {  // checked when the config was read
      options.processing.app_records = *records;
    }
    options.workers = config.workers;
    auto sensor = sensors::LiveSensor::open(t->io_, options, std::move(rules), sink, clock);
    if (!sensor) return fail(sensor.error().with_context("sensor " + config.name));
    t->sensor_ = std::move(*sensor);
    return t;
  }
  ~SensorThread() { stop(); }

  void start() {
    if (thread_.joinable()) return;
    asio::post(io_, [this] { sensor_->start(); });
    thread_ = std::thread([this] { io_.run(); });
  }
  // Ends every flow, emits the last stats event, joins the thread.
  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      sensor_->stop();
      work_.reset();
    });
    thread_.join();
  }
  void set_rules(std::shared_ptr<const rules::RuleSet> rules) {
    asio::post(io_, [this, rules = std::move(rules)]() mutable { sensor_->set_rules(std::move(rules)); });
  }
  json status() {
    sensors::SensorStats stats;
    std::optional<Error> failure;
    auto read = [&] {
      stats = sensor_->stats();
      failure = sensor_->failure();
    };
    if (thread_.joinable()) {
      std::packaged_task<void()> task(read);
      auto done = task.get_future();
      asio::post(io_, [&task] { task(); });
      done.wait();
    } else {
      read();
    }
    const std::string failed = failure ? failure->message : "";
    return {{"name", config_.name},
            {"zone", config_.zone},
            {"interface", config_.interface},
            {"workers", config_.workers},
            {"packets", stats.packets},
            {"bytes", stats.bytes},
            {"alerts", stats.alerts},
            {"kernel_drops", stats.drops.kernel},
            {"interface_drops", stats.drops.interface},
            {"queue_drops", stats.drops.queue},
            {"running", failed.empty()},
            {"failure", failed}};
  }

 private:
  explicit SensorThread(SensorConfig config) : config_(std::move(config)), work_(asio::make_work_guard(io_)) {}

  SensorConfig config_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<sensors::LiveSensor> sensor_;
  std::thread thread_;
};

}  // namespace

struct Service::Impl {
  // Declared in the order they are built; destroyed in reverse, so nothing outlives what it uses.
  DaemonConfig config;
  SystemClock clock;
  asio::io_context io;
  std::unique_ptr<storage::RocksStore> store;
  std::unique_ptr<RuleAdmin> rule_admin;  // outlives the pipeline, which filters alerts through it
  std::unique_ptr<correlator::Correlator> correlator;
  std::unique_ptr<Forwarding> forwarding;  // outlives the pipeline, which spools into it
  std::unique_ptr<AlertFeed> alert_feed;  // outlives the pipeline, which tells it what it stored
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<CorrelationReload> correlation_reload;
  std::unique_ptr<LinkServer> link_server;  // central: remote sensors into the pipeline
  std::unique_ptr<LinkSender> link_sender;  // sensor only: the sensors' events go here, not to the pipeline
  std::vector<std::unique_ptr<SensorThread>> sensors;
  std::unique_ptr<ControlApi> api;
  std::unique_ptr<ControlServer> server;
  std::unique_ptr<ControlTlsServer> tls_server;  // control.tls, when configured
  std::unique_ptr<Signals> signals;
  std::unique_ptr<MetricsServer> metrics;
  std::unique_ptr<asio::steady_timer> retention_timer;

  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::mutex rules_mutex;
  size_t rule_count = 0;       // under rules_mutex
  std::string rule_version;    // under rules_mutex (rule_set_version.h)
  uint64_t rule_reloads = 0;   // under rules_mutex
  std::string reload_error;    // under rules_mutex
  std::atomic<bool> reloading{false};
  std::thread reload_thread;

  ~Impl() {
    if (reload_thread.joinable()) reload_thread.join();
  }

  json status();
  void reload_rules(RuleOverrides overrides, std::function<void(Result<std::string>)> done);
  void shutdown(int signal);
  void apply_retention();
  Result<void> open_link();
};

// Once at start and then daily. DeleteRange per class is quick, so it runs on the control thread.
void Service::Impl::apply_retention() {
  auto report = store->apply_retention(config.retention, clock.now());
  if (!report) {
    spdlog::error("retention: {}", report.error().message);
  } else if (report->incidents_deleted > 0 || report->audit_entries_deleted > 0) {
    spdlog::info("retention: {} incidents and {} audit entries past their retention deleted",
                 report->incidents_deleted, report->audit_entries_deleted);
  }
  retention_timer->expires_after(std::chrono::hours(24));
  retention_timer->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) apply_retention();
  });
}

json Service::Impl::status() {
  json out;
  out["version"] = VIGIL_VERSION;
  out["pid"] = ::getpid();
  out["uptime_seconds"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  out["data_dir"] = config.data_dir;
  out["control"] = {{"socket", config.control.socket}, {"tls", tls_server ? tls_server->local_address() : ""}};
  {
    std::lock_guard lock(rules_mutex);
    out["rules"] = {{"loaded", rule_count}, {"reloads", rule_reloads}, {"last_reload_error", reload_error},
                    {"version", rule_version}};
  }
  const PipelineStats p = pipeline->stats();
  out["pipeline"] = {{"events_received", p.events_received}, {"events_stored", p.events_stored},
                     {"queue_drops", p.queue_drops},         {"incidents_changed", p.incidents_changed},
                     {"open_incidents", p.open_incidents},   {"store_errors", p.store_errors},
                     {"last_error", p.last_error}};
  out["pipeline"]["queue_depth"] = p.queue_depth;
  json sensors_json = json::array();
  for (const auto& sensor : sensors) sensors_json.push_back(sensor->status());
  out["sensors"] = std::move(sensors_json);
  out["correlation"] = correlation_reload->status();
  out["tuning"] = rule_admin->status();
  out["forwarders"] = forwarding->status();
  if (auto counts = store->count_incidents_by_state(); counts) {
    json by_state = json::object();
    for (const auto& [state, n] : *counts) by_state[std::string(to_string(state))] = n;
    out["incidents"] = {{"by_state", std::move(by_state)}};
  } else {
    out["incidents"] = {{"error", counts.error().message}};  // said, not dropped: a damaged index shows here
  }
  if (metrics) out["metrics"] = {{"listen", metrics->endpoint()}};
  if (link_sender) out["link"] = link_sender->status();
  if (link_server) out["link"] = link_server->status();
  return out;
}

void Service::Impl::reload_rules(RuleOverrides overrides, std::function<void(Result<std::string>)> done) {
  if (reloading.exchange(true)) {
    return done(fail(ErrorCode::unsupported, "a rule reload is already running; try again when it ends"));
  }
  if (reload_thread.joinable()) reload_thread.join();
  // Compiling a large rule set takes seconds: never on the control thread or a capture thread.
  reload_thread = std::thread([this, overrides = std::move(overrides), done = std::move(done)] {
    Result<std::string> outcome = [&]() -> Result<std::string> {
      auto loaded = load_signatures(config, overrides);
      if (!loaded) return fail(loaded.error().with_context("rule reload failed, the running rules stay"));
      if (!loaded->errors.empty()) {
        std::string message = "rule reload refused, the running rules stay: " +
                              std::to_string(loaded->errors.size()) + " rules have errors; first: " +
                              loaded->errors.front();
        return fail(ErrorCode::invalid_argument, message);
      }
      for (const auto& sensor : sensors) sensor->set_rules(loaded->rules);
      // Stored once the set built with them runs, before another reload may start (rule_admin_api.h).
      rule_admin->rules_loaded(loaded->catalogue, loaded->rules);
      if (auto saved = rule_admin->save_overrides(overrides); !saved) {
        spdlog::error("rule overrides run but could not be stored: {}", saved.error().message);
      }
      std::lock_guard lock(rules_mutex);
      rule_count = loaded->rules->size();
      rule_version = rule_set_version(*loaded->rules);
      ++rule_reloads;
      return std::to_string(rule_count) + " rules loaded, " + std::to_string(loaded->skipped_unsupported) +
             " skipped (unsupported keywords)";
    }();
    {
      std::lock_guard lock(rules_mutex);
      reload_error = outcome ? "" : outcome.error().message;
    }
    if (outcome) {
      spdlog::info("rules reloaded: {}", *outcome);
    } else {
      spdlog::warn("{}", outcome.error().message);
    }
    reloading = false;
    done(std::move(outcome));
  });
}

void Service::Impl::shutdown(int signal) {
  spdlog::info("signal {}: stopping", signal);
  server->close();
  if (metrics) metrics->close();
  if (tls_server) tls_server->close();
  signals->cancel();
  retention_timer->cancel();
  io.stop();
}

// The sensor link's end of this daemon, if `link:` configures one (link/).
Result<void> Service::Impl::open_link() {
  if (config.link.mode == "sensor") {
    auto sender = LinkSender::open(config.link);
    if (!sender) return fail(sender.error());
    link_sender = std::move(*sender);
  } else if (config.link.mode == "central") {
    auto central = LinkServer::open(config.link, *pipeline);
    if (!central) return fail(central.error());
    link_server = std::move(*central);
    if (auto listening = link_server->listen(); !listening) return fail(listening.error());
  }
  return ok();
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

Result<std::unique_ptr<Service>> Service::start(DaemonConfig config) {
  auto d = std::make_unique<Impl>();
  d->config = std::move(config);
  const DaemonConfig& c = d->config;

  auto policy = load_policy(c);
  if (!policy) return fail(policy.error());
  auto correlation = load_correlation(c);
  if (!correlation) return fail(correlation.error().with_context("correlation.paths"));
  for (const auto& e : correlation->errors) spdlog::warn("correlation rule not loaded: {}", e);

  storage::StoreOptions store_options;
  store_options.sync_writes = c.sync_writes;
  auto store = storage::RocksStore::open(c.data_dir, store_options);
  if (!store) return fail(store.error().with_context("data_dir"));
  d->store = std::move(*store);
  // The rule admin's overrides live in the store, so the rules load after it opens.
  d->rule_admin = std::make_unique<RuleAdmin>(*d->store, d->clock);
  if (auto opened = d->rule_admin->open(); !opened) return fail(opened.error().with_context("rule overrides"));
  auto signatures = load_signatures(c, d->rule_admin->overrides());
  if (!signatures) return fail(signatures.error().with_context("rules.paths"));
  for (const auto& e : signatures->errors) spdlog::warn("rule not loaded: {}", e);
  for (const auto& w : signatures->warnings) spdlog::info("rule skipped: {}", w);
  d->rule_count = signatures->rules->size();
  d->rule_version = rule_set_version(*signatures->rules);
  d->rule_admin->rules_loaded(signatures->catalogue, signatures->rules);

  const size_t correlation_rules = correlation->rules.size();
  d->correlator = std::make_unique<correlator::Correlator>(std::move(correlation->rules), *d->store,
                                                           correlator_options(c, *policy), d->store.get());
  d->pipeline = std::make_unique<Pipeline>(*d->store, *d->correlator, d->clock, c.review_interval);
  d->pipeline->set_event_filter([admin = d->rule_admin.get()](std::vector<Event>& events) { admin->filter(events); });
  d->correlation_reload = std::make_unique<CorrelationReload>(c, *d->pipeline, *d->store, correlation_rules);

  Forwarding::Options forward_options;
  forward_options.interval = c.forward_interval;
  Impl* owner = d.get();
  auto forwarding = Forwarding::open(
      c.forwarders, std::filesystem::path(c.data_dir) / "forward-spool", forward_options,
      [owner](const correlator::StixReceipt& receipt) {
        owner->pipeline->post([owner, receipt](correlator::Correlator& correlator) {
          record_report_receipt(*owner->store, correlator, receipt, owner->clock.now());
        });
      });
  if (!forwarding) return fail(forwarding.error());
  d->forwarding = std::move(*forwarding);
  d->pipeline->set_incident_observer([owner](const Incident& incident) { owner->forwarding->incident_changed(incident); });
  d->alert_feed = std::make_unique<AlertFeed>(*d->store, d->clock);
  d->pipeline->set_stored_observer([owner](std::span<const Event> events) { owner->alert_feed->stored(events); });

  if (auto linked = d->open_link(); !linked) return fail(linked.error());
  for (const SensorConfig& sensor : c.sensors) {
    EventSink& sink = d->link_sender ? static_cast<EventSink&>(*d->link_sender) : *d->pipeline;
    auto capture = SensorThread::open(sensor, signatures->rules, sink, d->clock);
    if (!capture) return fail(capture.error());
    d->sensors.push_back(std::move(*capture));
  }

  Impl* self = d.get();
  ControlHooks hooks;
  hooks.status = [self] { return self->status(); };
  hooks.reload_rules = [self](std::function<void(Result<std::string>)> done) {
    self->reload_rules(self->rule_admin->overrides(), std::move(done));
  };
  hooks.rule_admin = self->rule_admin.get();
  hooks.reload_rules_with = [self](RuleOverrides overrides, std::function<void(Result<std::string>)> done) {
    self->reload_rules(std::move(overrides), std::move(done));
  };
  hooks.alerts_tail = [self](const nlohmann::json& params) { return self->alert_feed->tail(params); };
  hooks.reload_correlation = [self](std::function<void(Result<std::string>)> done) {
    self->correlation_reload->reload(std::move(done));
  };
  hooks.forwarding = d->forwarding.get();
  hooks.policy = *policy;
  d->api = std::make_unique<ControlApi>(*d->store, *d->pipeline, d->clock, std::move(hooks));
  d->server = std::make_unique<ControlServer>(d->io, c.control, *d->api);
  if (auto listening = d->server->listen(); !listening) return fail(listening.error());
  if (!c.metrics.listen.empty()) {
    d->metrics = std::make_unique<MetricsServer>(
        d->io, c.metrics, [self] { return format_exposition(metrics_from_status(self->status())); });
    if (auto listening = d->metrics->listen(); !listening) return fail(listening.error());
  }
  if (!c.control.tls.listen.empty()) {
    d->tls_server = std::make_unique<ControlTlsServer>(d->io, c.control, *d->api);
    if (auto listening = d->tls_server->listen(); !listening) return fail(listening.error());
    spdlog::info("control API over TLS on {}", d->tls_server->local_address());
  }

  if (auto started = d->pipeline->start(); !started) return fail(started.error().with_context("pipeline"));
  if (d->link_server) d->link_server->start();
  if (d->link_sender) d->link_sender->start();
  for (auto& sensor : d->sensors) sensor->start();
  d->forwarding->start();
  d->signals = std::make_unique<Signals>(
      d->io, [self](int signal) { self->shutdown(signal); },
      [self] {
        // The outcomes are logged either way.
        self->reload_rules(self->rule_admin->overrides(), [](Result<std::string>) {});
        self->correlation_reload->reload([](Result<std::string>) {});
      });
  d->retention_timer = std::make_unique<asio::steady_timer>(d->io);
  d->apply_retention();
  spdlog::info("serving: {} sensors, {} rules, data dir {}, control socket {}", d->sensors.size(), d->rule_count,
               c.data_dir, c.control.socket);
  return std::unique_ptr<Service>(new Service(std::move(d)));
}

int Service::run() {
  Impl& d = *impl_;
  d.io.run();
  // Sensors first: their last flow and stats events must still reach the pipeline, which then drains
  // into storage before the store closes.
  for (auto& sensor : d.sensors) sensor->stop();
  if (d.link_sender) d.link_sender->stop();  // what is not acknowledged stays spooled for the next run
  if (d.link_server) d.link_server->stop();  // before the pipeline: no batch arrives after it drained
  if (d.reload_thread.joinable()) d.reload_thread.join();
  d.pipeline->stop();
  d.forwarding->stop();  // what is still spooled is delivered by the next run
  const PipelineStats stats = d.pipeline->stats();
  if (auto flushed = d.rule_admin->flush_counters(); !flushed) {
    spdlog::error("rule hit counters: {}", flushed.error().message);
  }
  spdlog::info("stopped: {} events stored, {} dropped", stats.events_stored, stats.queue_drops);
  return stats.store_errors == 0 ? 0 : 1;
}

}  // namespace vigil::daemon
