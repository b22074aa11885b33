#include "vigil/sensors/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "worker_hash.h"

namespace vigil::sensors {
namespace {

// Events of one packet come in three phases: a stats event due at the packet (every shard has a
// share of it, summed by the pool), flows that time out when time reaches the packet (every shard
// may have some), then what the packet itself causes (only its owner has those). A single
// PacketProcessor emits them in the same order.
constexpr uint8_t kPhaseStats = 0;
constexpr uint8_t kPhaseTime = 1;
constexpr uint8_t kPhasePacket = 2;
constexpr uint64_t kFinishIndex = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kNoWorker = std::numeric_limits<uint32_t>::max();

struct TaggedEvent {
  uint64_t index;
  uint8_t phase;
  uint64_t order;  // emission order within the worker (phase kPhasePacket)
  Event event;
};

// The merge order. Time-phase events of different shards at one packet are flow ends; (end time,
// flow id) is the order a single table ends them in (FlowTable::end_in_order).
bool before(const TaggedEvent& a, const TaggedEvent& b) {
  if (a.index != b.index) return a.index < b.index;
  if (a.phase != b.phase) return a.phase < b.phase;
  if (a.phase == kPhaseTime) {
    if (a.event.timestamp != b.event.timestamp) return a.event.timestamp < b.event.timestamp;
    return a.event.flow_id < b.event.flow_id;
  }
  return a.order < b.order;
}

}  // namespace

struct WorkerPool::Batch {
  struct Frame {
    uint64_t index;
    Timestamp ts;
    Timestamp now;  // table time when this frame arrives: the latest packet time so far
    size_t offset;
    uint32_t caplen;
    uint32_t wire_len;
    int link_type;
    uint32_t worker;  // kNoWorker: a time-only frame (advance_time, emit_stats)
    bool tick;  // every worker lets time pass here (first frame, or a flow sweep is due)
    bool stats;  // every worker emits its share of a stats event at `stats_time` first
    Timestamp stats_time;
  };
  std::vector<uint8_t> bytes;
  std::vector<Frame> frames;
  bool finish = false;
  std::shared_ptr<const rules::RuleSet> rules;  // set_rules(): swapped in before the first frame
  bool keep = false;  // carries a stats frame or a rule swap: never dropped when the queue is full
  std::vector<std::vector<TaggedEvent>> outputs;  // one per worker, each already in merge order
  std::atomic<size_t> remaining{0};

  void clear() {
    bytes.clear();
    frames.clear();
    finish = false;
    rules.reset();
    keep = false;
    for (auto& out : outputs) out.clear();
  }
};

struct WorkerPool::Sync {
  std::mutex mutex;
  std::condition_variable done;
};

struct WorkerPool::Worker final : public EventSink {
  Worker(uint32_t id_, Sync& sync_, const SensorIdentity& identity, std::shared_ptr<const rules::RuleSet> rules,
         const ProcessorOptions& options)
      : id(id_), sync(sync_), processor(identity, std::move(rules), *this, options) {}

  void consume(Event event) override { out->push_back({index, phase, order++, std::move(event)}); }

  void run() {
    for (;;) {
      Batch* batch = nullptr;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stop || !queue.empty(); });
        if (queue.empty()) return;
        batch = queue.front();
        queue.pop_front();
      }
      work(*batch);
      if (batch->remaining.fetch_sub(1) == 1) {
        std::lock_guard lock(sync.mutex);
        sync.done.notify_all();
      }
    }
  }

  void work(Batch& batch) {
    out = &batch.outputs[id];
    if (batch.rules) processor.set_rules(batch.rules);
    for (const Batch::Frame& f : batch.frames) {
      if (f.stats) {
        index = f.index;
        phase = kPhaseStats;
        processor.emit_stats(f.stats_time);
      }
      const bool own = f.worker == id;
      if (!own && !f.tick) continue;
      index = f.index;
      phase = kPhaseTime;
      processor.advance_time(f.now);
      if (!own) continue;  // also time-only frames (kNoWorker)
      phase = kPhasePacket;
      RawPacket raw;
      raw.ts = f.ts;
      raw.data = batch.bytes.data() + f.offset;
      raw.caplen = f.caplen;
      raw.wire_len = f.wire_len;
      processor.process(f.link_type, raw);
    }
    if (batch.finish) {
      index = kFinishIndex;
      phase = kPhaseTime;
      processor.finish();
    }
    out = nullptr;
  }

  void post(Batch* batch) {
    {
      std::lock_guard lock(mutex);
      queue.push_back(batch);
    }
    wake.notify_one();
  }

  void shut_down() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_one();
    if (thread.joinable()) thread.join();
  }

  const uint32_t id;
  Sync& sync;
  PacketProcessor processor;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Batch*> queue;
  bool stop = false;
  // Tags for the events the processor emits now (worker thread only).
  std::vector<TaggedEvent>* out = nullptr;
  uint64_t index = 0;
  uint8_t phase = kPhaseTime;
  uint64_t order = 0;
};

WorkerPool::WorkerPool(SensorIdentity identity, std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                       ProcessorOptions processing, WorkerPoolOptions options)
    : identity_(identity),
      sink_(sink),
      processing_(processing),
      options_(options),
      sync_(std::make_unique<Sync>()),
      thresholds_(std::make_unique<rules::ThresholdFilter>(rules)) {
  if (options_.workers == 0) options_.workers = 1;
  if (options_.batch_frames == 0) options_.batch_frames = 1;
  if (options_.batches_in_flight == 0) options_.batches_in_flight = 1;
  ProcessorOptions per_worker = processing;
  // The anomaly event limit is the pool's (deliver()); per-shard limits would depend on N. Packet
  // time stats events are the pool's: every shard emits its share at the same frame (submit()).
  per_worker.anomaly_events_per_kind = std::numeric_limits<uint64_t>::max();
  per_worker.stats_interval = 0;
  per_worker.defer_thresholds = true;
  for (size_t i = 0; i < options_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(static_cast<uint32_t>(i), *sync_, identity, rules, per_worker));
  }
  for (auto& w : workers_) w->thread = std::thread([worker = w.get()] { worker->run(); });
}

WorkerPool::~WorkerPool() {
  for (auto& w : workers_) w->shut_down();
}

size_t WorkerPool::workers() const { return workers_.size(); }

void WorkerPool::open_batch() {
  if (current_) return;
  if (spare_.empty()) {
    current_ = std::make_unique<Batch>();
    current_->frames.reserve(options_.batch_frames);
  } else {
    current_ = std::move(spare_.back());
    spare_.pop_back();
  }
}

void WorkerPool::push_frame(Timestamp ts) {
  open_batch();
  Batch::Frame f{};
  f.index = next_index_++;
  f.ts = ts;
  // The same clock a single flow table would keep (FlowTable::advance_time): every shard sweeps
  // at the same frames, so flows time out at the same point whatever N is.
  if (f.index == 0) {
    now_ = ts;
    last_sweep_ = ts;
    f.tick = true;
  } else {
    if (ts > now_) now_ = ts;
    f.tick = now_ - last_sweep_ >= processing_.flows.sweep_interval;
    if (f.tick) last_sweep_ = now_;
  }
  f.now = now_;
  current_->frames.push_back(f);
}

void WorkerPool::advance_time(Timestamp now) {
  if (finished_) return;
  push_frame(now);
  Batch::Frame& f = current_->frames.back();
  f.worker = kNoWorker;
  f.tick = true;  // idle expiry (the flow tables and the defragmenter decide what is due)
  if (current_->frames.size() >= options_.batch_frames) dispatch();
}

void WorkerPool::emit_stats(Timestamp now) {
  flush();  // every frame so far is done and the workers are idle: their counters can be read here
  for (const auto& w : workers_) {
    Event share;
    share.type = EventType::stats;
    share.timestamp = now;
    share.sensor = identity_.name;
    share.zone = identity_.zone;
    share.stats = StatsInfo{w->processor.counters()};
    add_stats_share(std::move(share));
  }
}

void WorkerPool::set_rules(std::shared_ptr<const rules::RuleSet> rules) {
  if (finished_) return;
  dispatch();  // the frames so far were seen with the old set
  open_batch();
  current_->rules = std::move(rules);
  current_->keep = true;
}

void WorkerPool::flush() {
  if (finished_) return;
  dispatch();
  while (!in_flight_.empty()) complete_oldest();
}

void WorkerPool::poll() {
  while (!in_flight_.empty() && in_flight_.front()->remaining.load() == 0) complete_oldest();
}

void WorkerPool::submit(int link_type, const RawPacket& raw) {
  if (finished_) return;
  push_frame(raw.ts);
  Batch::Frame& f = current_->frames.back();
  // As PacketProcessor::maybe_emit_stats: the first packet starts the clock, one event per due
  // packet however long the quiet gap before it.
  if (processing_.stats_interval > 0) {
    if (next_stats_ == 0) {
      next_stats_ = raw.ts + processing_.stats_interval;
    } else if (raw.ts >= next_stats_) {
      f.stats = true;
      f.stats_time = raw.ts;
      current_->keep = true;
      next_stats_ = raw.ts + processing_.stats_interval;
    }
  }
  f.offset = current_->bytes.size();
  f.caplen = raw.caplen;
  f.wire_len = raw.wire_len;
  f.link_type = link_type;
  f.worker = static_cast<uint32_t>(worker_for(link_type, raw, workers_.size()));
  current_->bytes.insert(current_->bytes.end(), raw.data, raw.data + raw.caplen);
  if (current_->frames.size() >= options_.batch_frames) {
    dispatch();
    poll();
  }
}

void WorkerPool::dispatch() {
  if (!current_) return;
  if (current_->frames.empty() && !current_->finish) return;
  while (in_flight_.size() >= options_.batches_in_flight) {
    if (options_.drop_when_full && !current_->finish && !current_->keep) {
      queue_drops_ += current_->frames.size();
      current_->clear();
      return;
    }
    complete_oldest();
  }
  current_->outputs.resize(workers_.size());
  current_->remaining.store(workers_.size());
  Batch* batch = current_.get();
  in_flight_.push_back(std::move(current_));
  for (auto& w : workers_) w->post(batch);
}

void WorkerPool::complete_oldest() {
  Batch& batch = *in_flight_.front();
  {
    std::unique_lock lock(sync_->mutex);
    sync_->done.wait(lock, [&batch] { return batch.remaining.load() == 0; });
  }
  if (batch.rules) thresholds_ = std::make_unique<rules::ThresholdFilter>(batch.rules);
  // k-way merge of the workers' outputs (each in merge order already).
  std::vector<size_t> at(batch.outputs.size(), 0);
  for (;;) {
    size_t best = batch.outputs.size();
    for (size_t w = 0; w < batch.outputs.size(); ++w) {
      if (at[w] == batch.outputs[w].size()) continue;
      if (best == batch.outputs.size() || before(batch.outputs[w][at[w]], batch.outputs[best][at[best]])) best = w;
    }
    if (best == batch.outputs.size()) break;
    deliver(std::move(batch.outputs[best][at[best]++].event));
  }
  auto done = std::move(in_flight_.front());
  in_flight_.pop_front();
  done->clear();
  spare_.push_back(std::move(done));
}

void WorkerPool::deliver(Event event) {
  if (event.type == EventType::stats) {
    add_stats_share(std::move(event));
    return;
  }
  if (event.type == EventType::alert && event.alert) {
    if (!thresholds_->allow(event.alert->gid, event.alert->signature_id, event.src_ip.value_or(IpAddress{}),
                           event.dest_ip.value_or(IpAddress{}), event.timestamp)) {
      return;
    }
    alerted_flows_.insert(event.flow_id);
    ++alerts_;
  }
  if (event.type == EventType::flow && event.flow) event.flow->alerted = alerted_flows_.erase(event.flow_id) > 0;
  if (event.type == EventType::anomaly && event.anomaly) {
    auto it = anomaly_counts_.find(event.anomaly->event);
    if (it == anomaly_counts_.end()) it = anomaly_counts_.emplace(event.anomaly->event, 0).first;
    if (it->second >= processing_.anomaly_events_per_kind) {
      ++anomaly_events_suppressed_;
      return;
    }
    ++it->second;
    ++anomaly_events_;
  }
  sink_.consume(std::move(event));
}

void WorkerPool::add_stats_share(Event event) {
  if (!event.stats) return;
  for (const auto& [name, value] : event.stats->counters) stats_sum_[name] += value;
  if (++stats_shares_ < workers_.size()) return;
  // What the pool decides over all workers replaces the workers' own figures: alerts that passed
  // the thresholds, anomaly events within the shared limit, the capture's drops.
  stats_sum_["detect.alert"] = alerts_;
  stats_sum_["anomaly.events"] = anomaly_events_;
  stats_sum_["anomaly.events_suppressed"] = anomaly_events_suppressed_;
  stats_sum_["capture.kernel_drops"] = capture_drops_.kernel;
  stats_sum_["capture.interface_drops"] = capture_drops_.interface;
  stats_sum_["capture.queue_drops"] = capture_drops_.queue + queue_drops_;
  event.stats->counters.assign(stats_sum_.begin(), stats_sum_.end());
  stats_sum_.clear();
  stats_shares_ = 0;
  sink_.consume(std::move(event));
}

void WorkerPool::finish() {
  if (finished_) return;
  if (!current_) current_ = std::make_unique<Batch>();
  current_->finish = true;
  dispatch();
  while (!in_flight_.empty()) complete_oldest();
  for (auto& w : workers_) w->shut_down();
  finished_ = true;
}

std::vector<SensorStats> WorkerPool::worker_stats() const {
  std::vector<SensorStats> out;
  for (const auto& w : workers_) {
    SensorStats s = w->processor.stats();
    s.drops.queue = 0;
    out.push_back(s);
  }
  if (!out.empty()) {
    out[0].drops.queue = queue_drops_;
    // The shared anomaly limit's figures, once.
    for (auto& s : out) {
      s.anomaly_events = 0;
      s.anomaly_events_suppressed = 0;
    }
    out[0].anomaly_events = anomaly_events_;
    out[0].anomaly_events_suppressed = anomaly_events_suppressed_;
  }
  return out;
}

SensorStats WorkerPool::totals() const {
  SensorStats total;
  for (const SensorStats& s : worker_stats()) add_stats(total, s);
  total.alerts = alerts_;
  total.drops.kernel = capture_drops_.kernel;
  total.drops.interface = capture_drops_.interface;
  total.drops.queue = capture_drops_.queue + queue_drops_;
  return total;
}

}  // namespace vigil::sensors
