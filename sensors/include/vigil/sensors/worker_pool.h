// WorkerPool: N worker threads, each owning one PacketProcessor (its flow shard, decoder, Scanner
// with Hyperscan scratch, TCP streams). The capture thread submits frames; each frame goes to the
// worker that owns its flow (symmetric hash of the address pair); the workers' events come back to
// the capture thread merged into one order that does not depend on N: by packet index, and at one
// packet the flows that time out in every shard by (end time, flow id), then the packet's own events.
// Thresholds and the anomaly event limit count across flows, so the pool applies them to the
// merged events, and a flow event's `alerted` says whether one of its alerts got through.
// Used by `vigil replay --workers N`; the daemon's sensors can use it the same way.
// Thread contract: submit(), finish() and stats() on one thread (the capture thread), which is also
// where the EventSink is called. Workers share only immutable batches and the immutable RuleSet;
// the packet path takes no locks (a lock is taken once per batch of frames).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/rules/rule_set.h"
#include "vigil/rules/threshold_filter.h"
#include "vigil/sensors/packet_processor.h"
#include "vigil/sensors/packet_source.h"
#include "vigil/sensors/sensor_identity.h"

namespace vigil::sensors {

struct WorkerPoolOptions {
  size_t workers = 1;
  size_t batch_frames = 512;    // frames handed to the workers at once
  size_t batches_in_flight = 8;  // submitted but not yet merged; then submit() waits (or drops)
  // Live capture: when the workers are behind, drop the batch and count it in queue drops instead
  // of waiting. Replay leaves this off: it never drops.
  bool drop_when_full = false;
};

class WorkerPool {
 public:
  // Starts the worker threads. `processing` applies to every worker; its anomaly event limit is
  // applied over all workers together, so the events do not depend on N.
  WorkerPool(SensorIdentity identity, std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
             ProcessorOptions processing, WorkerPoolOptions options);
  // Joins the workers (after finish(), or abandoning what is in flight).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Copies the frame into the current batch; may deliver events of earlier batches to the sink.
  void submit(int link_type, const RawPacket& raw);
  // Lets time pass without a packet (idle live capture): every worker expires what is due at `now`.
  void advance_time(Timestamp now);
  // Hands the partial batch to the workers and waits until every event so far reached the sink
  // (a live sensor's timer calls it so that events do not wait for a full batch).
  void flush();
  // Delivers the batches the workers have finished, without waiting.
  void poll();
  // End of capture: every flow ends ("shutdown"), every event reaches the sink, workers stop.
  void finish();
  // Reload: every worker swaps in `rules` before the next frame submitted after this call (frames
  // submitted before still see the old set); flows, their flowbits and streams stay, nothing is
  // lost. Threshold counts start afresh with the new set.
  void set_rules(std::shared_ptr<const rules::RuleSet> rules);
  // One `stats` event at `now` with the counters of every worker summed, after the events of
  // every frame submitted so far (a live sensor's wall-time timer; also after finish()). Replay sets
  // ProcessorOptions::stats_interval instead: the pool then emits one on packet time, at the same
  // frames a single PacketProcessor would, with the same counters for any N.
  void emit_stats(Timestamp now);
  // Kernel and interface drops (pcap_stats), for stats events, plus the pool's own queue drops.
  void set_capture_drops(const CaptureDrops& drops) { capture_drops_ = drops; }

  // Each worker's counters (after finish() they are final), and the pool's own. Read them after
  // flush() or finish(): the workers are idle then.
  std::vector<SensorStats> worker_stats() const;
  // The sensor's counters: the workers' summed (add_stats), with the alerts that passed the
  // thresholds and the capture's drops. After flush() or finish().
  SensorStats totals() const;
  uint64_t queue_drops() const { return queue_drops_; }
  uint64_t anomaly_events() const { return anomaly_events_; }
  uint64_t anomaly_events_suppressed() const { return anomaly_events_suppressed_; }
  size_t workers() const;

 private:
  struct Batch;
  struct Worker;
  struct Sync;  // the lock and condition the workers signal finished batches with
  // Appends a frame at time `ts` to the current batch (index, table time, sweep tick filled in).
  void push_frame(Timestamp ts);
  void open_batch();
  void dispatch();
  void complete_oldest();
  void deliver(Event event);
  // A worker's share of a stats event; the last of the N shares goes out as one event.
  void add_stats_share(Event event);

  SensorIdentity identity_;
  EventSink& sink_;
  ProcessorOptions processing_;
  WorkerPoolOptions options_;
  std::unique_ptr<Sync> sync_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Batch> current_;
  std::deque<std::unique_ptr<Batch>> in_flight_;  // oldest first
  std::vector<std::unique_ptr<Batch>> spare_;     // merged batches kept for their capacity
  std::map<std::string, uint64_t, std::less<>> anomaly_counts_;  // per kind, for the shared limit
  std::unique_ptr<rules::ThresholdFilter> thresholds_;  // thresholds over all workers' alerts
  std::unordered_set<uint64_t> alerted_flows_;      // flows with an alert that passed the filter
  uint64_t next_index_ = 0;
  int64_t now_ = 0;
  int64_t last_sweep_ = 0;
  uint64_t queue_drops_ = 0;
  uint64_t anomaly_events_ = 0;
  uint64_t anomaly_events_suppressed_ = 0;
  uint64_t alerts_ = 0;  // alerts delivered (after the thresholds)
  CaptureDrops capture_drops_;
  Timestamp next_stats_ = 0;  // packet time of the next stats event (stats_interval); 0 until the first frame
  std::map<std::string, uint64_t, std::less<>> stats_sum_;  // shares of the stats event being merged
  size_t stats_shares_ = 0;
  bool finished_ = false;
};

}  // namespace vigil::sensors
