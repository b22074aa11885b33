// LiveSensor: one named sensor on one interface: PcapLiveSource -> WorkerPool (N PacketProcessors)
// -> EventSink, driven by an Asio io_context. A wall-time timer expires idle flows and fragments,
// delivers what the workers finished, refreshes the kernel drop counters and emits periodic
// `stats` events. Every event carries the sensor's name and zone. Built by the daemon (one per
// configured sensor) and by the live-capture tests.
// Thread contract: everything runs on the io_context's thread, the sink is called from there;
// the workers are the pool's own threads.
#pragma once

#include <memory>
#include <optional>

#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/rules/rule_set.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/pcap_live_source.h"
#include "vigil/sensors/sensor_identity.h"
#include "vigil/sensors/worker_pool.h"

namespace vigil::sensors {

struct SensorOptions {
  SensorIdentity identity;  // `sensor` and `zone` of every event
  LiveCaptureOptions capture;
  ProcessorOptions processing;  // its packet-time stats_interval is not used live
  size_t workers = 1;           // worker threads; each flow is handled by one of them
  // Frames handed to the workers at once; at most `batches_in_flight` wait, then frames are
  // dropped and counted (capture.queue_drops). The timer delivers partial batches.
  size_t batch_frames = 256;
  size_t batches_in_flight = 64;
  Duration stats_interval = seconds(30);     // wall time between `stats` events; 0: none
  Duration housekeeping_interval = seconds(1);  // idle expiry and drop counters
};

class LiveSensor {
 public:
  // Opens the capture (errors as PcapLiveSource::open). `clock` gives time while no packet comes.
  static Result<std::unique_ptr<LiveSensor>> open(boost::asio::io_context& io, SensorOptions options,
                                                  std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                                                  const Clock& clock);
  ~LiveSensor();
  LiveSensor(const LiveSensor&) = delete;
  LiveSensor& operator=(const LiveSensor&) = delete;

  // Starts reading and the timer on the io_context.
  void start();
  // Stops reading, ends every flow (reason "shutdown") and emits a last `stats` event.
  void stop();
  // Reload: every worker uses `rules` from the next captured frame on; flows and streams stay.
  void set_rules(std::shared_ptr<const rules::RuleSet> rules) { pool_.set_rules(std::move(rules)); }

  // The counters as of the last timer tick (or stop), summed over the workers.
  const SensorStats& stats() const { return stats_; }
  const SensorIdentity& identity() const { return options_.identity; }
  // The capture error that stopped the sensor, if any.
  const std::optional<Error>& failure() const { return failure_; }

 private:
  struct Timer;  // the Asio steady_timer
  LiveSensor(boost::asio::io_context& io, SensorOptions options, std::unique_ptr<PcapLiveSource> source,
             std::shared_ptr<const rules::RuleSet> rules, EventSink& sink, const Clock& clock);
  void schedule();
  void housekeeping();
  void refresh_drops();

  SensorOptions options_;
  std::unique_ptr<PcapLiveSource> source_;
  WorkerPool pool_;
  SensorStats stats_;
  const Clock& clock_;
  std::unique_ptr<Timer> timer_;
  Timestamp next_stats_ = 0;
  bool running_ = false;
  std::optional<Error> failure_;
};

}  // namespace vigil::sensors
