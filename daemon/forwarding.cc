#include "forwarding.h"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <set>

#include <spdlog/spdlog.h>

#include "vigil/core/eve_json.h"
#include "vigil/correlator/forward_spool.h"
#include "vigil/correlator/forwarder.h"
#include "vigil/correlator/incident_actions.h"

namespace vigil::daemon {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Forwarding::Channel {
  ForwarderConfig config;
  std::unique_ptr<correlator::Forwarder> forwarder;  // forwarding thread only

  mutable std::mutex mutex;  // guards everything below
  std::unique_ptr<correlator::ForwardSpool> spool;
  std::set<std::string> reported;  // stix_outbox: incidents spooled this run
  uint64_t delivered = 0;
  uint64_t failures = 0;
  uint64_t spool_errors = 0;
  std::string last_error;

  Clock::time_point retry_at{};  // forwarding thread only
  std::chrono::microseconds backoff{0};
};

namespace {

// EVE style: event_type names the object that carries the record, as Suricata nests "alert" or
// "flow", so an EVE reader (Filebeat, jq) can route incidents apart from events.
std::string eve_record(const Incident& incident) {
  const Timestamp changed = incident.timeline.empty() ? incident.last_seen : incident.timeline.back().time;
  json record = {{"timestamp", format_timestamp(changed)},
                 {"event_type", "incident"},
                 {"incident", json::parse(to_json(incident))}};
  return record.dump();
}

std::string local_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "vigild";
  return name;
}

}  // namespace

Result<std::unique_ptr<Forwarding>> Forwarding::open(const std::vector<ForwarderConfig>& forwarders,
                                                     const std::filesystem::path& spool_root, Options options,
                                                     std::function<void(const correlator::StixReceipt&)> on_report) {
  auto f = std::unique_ptr<Forwarding>(new Forwarding(options));
  f->hostname_ = local_hostname();
  for (const ForwarderConfig& config : forwarders) {
    auto channel = std::make_unique<Channel>();
    channel->config = config;
    auto spool = correlator::ForwardSpool::open(spool_root / config.name, options.sync);
    if (!spool) return fail(spool.error().with_context("forwarder " + config.name + ": spool"));
    channel->spool = std::move(*spool);
    if (config.type == "syslog") {
      if (config.tls_ca_file.empty()) {
        channel->forwarder = std::make_unique<correlator::SyslogTcpForwarder>(config.address, config.port);
      } else {
        channel->forwarder = std::make_unique<correlator::SyslogTcpForwarder>(
            config.address, config.port,
            correlator::TlsClientOptions{config.tls_ca_file, config.tls_cert_file, config.tls_key_file,
                                         config.tls_server_name});
      }
    } else if (config.type == "eve_file") {
      channel->forwarder = std::make_unique<correlator::EveFileForwarder>(config.path);
    } else if (config.type == "stix_outbox") {
      channel->forwarder = std::make_unique<correlator::StixOutboxForwarder>(config.outbox, config.sender, on_report);
    } else {
      return fail(ErrorCode::invalid_argument, "forwarder " + config.name + ": unknown type '" + config.type + "'");
    }
    f->channels_.push_back(std::move(channel));
  }
  return f;
}

Forwarding::Forwarding(Options options) : options_(options) {}

Forwarding::~Forwarding() { stop(); }

void Forwarding::start() {
  if (thread_.joinable() || channels_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void Forwarding::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Forwarding::incident_changed(const Incident& incident) {
  bool spooled = false;
  for (auto& channel : channels_) {
    std::string record;
    const std::string& type = channel->config.type;
    std::lock_guard lock(channel->mutex);
    if (type == "syslog") {
      record = correlator::format_syslog_cef(incident, hostname_);
    } else if (type == "eve_file") {
      record = eve_record(incident);
    } else {
      // The outbox carries the layer-4 report: once per serious incident, until a receipt is recorded.
      if (!correlator::needs_layer4_report(incident) || incident.report.initial_sent) continue;
      if (!channel->reported.insert(incident.id).second) continue;
      record = correlator::format_stix_bundle(incident, channel->config.organisation);
    }
    if (auto appended = channel->spool->append(record); !appended) {
      // The incident itself is stored; a spool that cannot be written is the operator's to fix.
      if (channel->spool_errors++ == 0 || channel->last_error != appended.error().message) {
        spdlog::error("forwarder {}: cannot spool incident {}: {}", channel->config.name, incident.id,
                      appended.error().message);
      }
      channel->last_error = appended.error().message;
      continue;
    }
    spooled = true;
  }
  if (spooled) {
    {
      std::lock_guard lock(wake_mutex_);
      pending_ = true;
    }
    wake_.notify_one();
  }
}

Result<Forwarding::QueuedReport> Forwarding::queue_report(const std::string& bundle) {
  for (auto& channel : channels_) {
    if (channel->config.type != "stix_outbox") continue;
    {
      std::lock_guard lock(channel->mutex);
      if (auto appended = channel->spool->append(bundle); !appended) {
        ++channel->spool_errors;
        channel->last_error = appended.error().message;
        return fail(appended.error().with_context("layer-4 outbox " + channel->config.name));
      }
    }
    {
      std::lock_guard lock(wake_mutex_);
      pending_ = true;
    }
    wake_.notify_one();
    std::lock_guard lock(channel->mutex);
    return QueuedReport{channel->config.name, channel->spool->pending_count()};
  }
  return fail(ErrorCode::unsupported,
              "no layer-4 outbox is configured: add a forwarder of type stix_outbox to vigild's config");
}

std::optional<std::string> Forwarding::report_organisation() const {
  for (const auto& channel : channels_) {
    if (channel->config.type == "stix_outbox") return channel->config.organisation;
  }
  return std::nullopt;
}

void Forwarding::run() {
  ::pthread_setname_np(::pthread_self(), "vigil-forward");
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, std::chrono::microseconds(options_.interval), [this] { return stopping_ || pending_; });
      if (stopping_) return;
      pending_ = false;
    }
    for (auto& channel : channels_) pump(*channel);
  }
}

void Forwarding::pump(Channel& c) {
  if (Clock::now() < c.retry_at) return;
  for (;;) {
    Result<std::vector<std::string>> batch = std::vector<std::string>{};
    {
      std::lock_guard lock(c.mutex);
      if (c.spool->pending_count() == 0) return;
      batch = c.spool->pending(kBatch);
    }
    if (!batch) {
      std::lock_guard lock(c.mutex);
      ++c.spool_errors;
      c.last_error = batch.error().message;
      return;
    }
    if (batch->empty()) return;
    // Not under the lock: a delivery may block for long, and the pipeline must keep spooling.
    auto sent = c.forwarder->deliver(*batch);
    std::lock_guard lock(c.mutex);
    if (!sent) {
      ++c.failures;
      if (c.last_error != sent.error().message) {
        spdlog::warn("forwarder {}: {} (records stay spooled and are retried)", c.config.name, sent.error().message);
      }
      c.last_error = sent.error().message;
      c.backoff = c.backoff.count() == 0
                      ? std::chrono::microseconds(options_.first_backoff)
                      : std::min(c.backoff * 2, std::chrono::microseconds(options_.max_backoff));
      c.retry_at = Clock::now() + c.backoff;
      return;
    }
    if (auto acked = c.spool->acknowledge(batch->size()); !acked) {
      ++c.spool_errors;
      c.last_error = acked.error().message;
      return;
    }
    if (!c.last_error.empty()) spdlog::info("forwarder {}: delivering again", c.config.name);
    c.delivered += batch->size();
    c.last_error.clear();
    c.backoff = std::chrono::microseconds(0);
  }
}

json Forwarding::status() const {
  json out = json::array();
  for (const auto& channel : channels_) {
    std::lock_guard lock(channel->mutex);
    out.push_back({{"name", channel->config.name},
                   {"type", channel->config.type},
                   {"backlog", channel->spool->pending_count()},
                   {"delivered", channel->delivered},
                   {"failures", channel->failures},
                   {"spool_errors", channel->spool_errors},
                   {"last_error", channel->last_error}});
  }
  return out;
}

void record_report_receipt(storage::RocksStore& store, correlator::Correlator& correlator,
                           const correlator::StixReceipt& receipt, Timestamp now) {
  auto stored = store.get(receipt.incident_id);
  if (!stored || !*stored) {
    spdlog::error("layer-4 report {} accepted, but incident {} cannot be read to record it: {}", receipt.bundle_file,
                  receipt.incident_id, stored ? "no such incident" : stored.error().message);
    return;
  }
  Incident incident = std::move(**stored);
  const std::string& kind = receipt.report_kind;
  if (kind == "final") {
    // Recorded once, on the timeline: the report clock only times the initial notice and the full report.
    for (const auto& entry : incident.timeline) {
      if (entry.what.starts_with(kFinalReportSent)) return;
    }
    incident.report.receipts.push_back(receipt.receipt);
    incident.timeline.push_back({now, "vigild", std::string(kFinalReportSent) + ", receipt " + receipt.receipt});
  } else {
    const bool full = kind == "full";
    // Recorded already (by a liaison, or an earlier delivery of the same report).
    if (full ? incident.report.full_sent.has_value() : incident.report.initial_sent.has_value()) return;
    if (auto done = correlator::record_report_sent(incident, full, receipt.receipt, "vigild", now); !done) {
      spdlog::warn("layer-4 report for {}: {}", incident.id, done.error().message);
      return;
    }
  }
  if (auto put = store.put(incident); !put) {
    spdlog::error("layer-4 report for {} accepted but not recorded: {}", incident.id, put.error().message);
    return;
  }
  correlator.incident_changed(incident);
  storage::AuditEntry entry;
  entry.time = now;
  entry.actor = "vigild";
  entry.action = "incidents.report_sent";
  entry.detail = json{{"role", "forwarder"},
                      {"params", {{"id", incident.id}, {"kind", kind}, {"full", kind == "full"}, {"receipt", receipt.receipt}}},
                      {"bundle", receipt.bundle_file}}
                     .dump();
  if (auto appended = store.append_audit(entry); !appended) {
    spdlog::error("audit chain: could not record the layer-4 report of {}: {}", incident.id, appended.error().message);
  }
}

}  // namespace vigil::daemon
