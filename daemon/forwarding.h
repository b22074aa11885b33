// Forwarding: the configured incident forwarders (config `forwarders:`) running inside vigild. Each has
// a durable ForwardSpool under <data_dir>/forward-spool/<name>. The pipeline thread hands every incident
// the correlator raised or changed to incident_changed(), which appends one record per forwarder that
// takes it (syslog/CEF and EVE file: every change; the layer-4 STIX outbox: a serious incident whose
// initial report is not sent yet, once per run). A forwarding thread of its own delivers the spools,
// acknowledging only what was delivered and backing off while a far end is down, so records wait on
// disk through outages and restarts. It is a thread and not a timer on the control io_context because
// deliveries block (a TCP connect to a silent host, a TLS handshake, the STIX sender command) and the
// control API must keep answering meanwhile.
// Thread contract: incident_changed() on the pipeline thread; status() from any thread; start()/stop()
// by the owner. A spool is touched under its channel's mutex, never while a delivery runs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "vigil/core/incident.h"
#include "vigil/core/result.h"
#include "vigil/correlator/correlator.h"
#include "vigil/correlator/stix_outbox.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

class Forwarding {
 public:
  static constexpr size_t kBatch = 100;

  struct Options {
    Duration interval = seconds(1);       // pump period when nothing wakes the thread
    Duration first_backoff = seconds(1);  // after a failed delivery; doubles up to max_backoff
    Duration max_backoff = seconds(60);
    bool sync = true;                     // fsync each spool append and acknowledgement
  };

  // Opens (creating) every forwarder's spool in spool_root/<name>; what an earlier run left there is
  // delivered first. `on_report` gets each STIX bundle the sender accepted (on the forwarding thread).
  static Result<std::unique_ptr<Forwarding>> open(const std::vector<ForwarderConfig>& forwarders,
                                                  const std::filesystem::path& spool_root, Options options,
                                                  std::function<void(const correlator::StixReceipt&)> on_report);
  ~Forwarding();
  Forwarding(const Forwarding&) = delete;
  Forwarding& operator=(const Forwarding&) = delete;

  void start();
  // Ends the thread after the delivery it is in; what is spooled stays for the next run.
  void stop();

  void incident_changed(const Incident& incident);

  // `vigil report send`: a report bundle a person asked for, spooled on the layer-4 outbox (the first
  // stix_outbox forwarder) and delivered like the automatic initial notices. Fails when none is configured.
  struct QueuedReport {
    std::string forwarder;
    size_t backlog = 0;  // records waiting on that spool, this one included
  };
  Result<QueuedReport> queue_report(const std::string& bundle);
  // The organisation the layer-4 outbox reports as (its `organisation`); nullopt without an outbox.
  std::optional<std::string> report_organisation() const;

  // Per forwarder: name, type, backlog (records spooled, not delivered), delivered, failures,
  // spool_errors, last_error (empty once a delivery worked again).
  nlohmann::json status() const;

  struct Channel;

 private:
  explicit Forwarding(Options options);
  void run();
  void pump(Channel& channel);

  Options options_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::string hostname_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under wake_mutex_
  bool pending_ = false;   // under wake_mutex_: something was spooled since the last pass
  std::thread thread_;
};

// The timeline entry that records a delivered final report (the report clock has no field for it).
inline constexpr std::string_view kFinalReportSent = "layer-4 final report sent";

// A layer-4 bundle the sender accepted: records the report of the bundle's kind (initial notice, full or
// final report) as sent on the incident (actor "vigild", the sender's output as receipt), tells the
// correlator and appends it to the audit chain.
// Runs on the pipeline thread (post it there), like every other incident change.
void record_report_receipt(storage::RocksStore& store, correlator::Correlator& correlator,
                           const correlator::StixReceipt& receipt, Timestamp now);

}  // namespace vigil::daemon
