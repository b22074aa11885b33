// Pipeline: the daemon's one pipeline thread. Sensors hand events in from their capture threads
// (consume); the thread numbers them, runs the Correlator over them, flushes incidents, then appends
// the batch to storage, and applies the incident policy on a wall-clock timer. Work that must see the
// Correlator's incidents consistently (a responder's change to an incident) is posted to this thread,
// so every incident write happens in one place and none overwrites another.
// Thread contract: consume(), post() and stats() from any thread; start()/stop() from the owner.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/core/time.h"
#include "vigil/correlator/correlator.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

struct PipelineStats {
  uint64_t events_received = 0;
  uint64_t events_stored = 0;
  uint64_t queue_drops = 0;  // events dropped because the pipeline was this far behind
  uint64_t incidents_changed = 0;  // raised or updated, as the correlator's listener saw them
  uint64_t store_errors = 0;
  size_t open_incidents = 0;
  size_t queue_depth = 0;  // events waiting for the pipeline thread now
  std::string last_error;
};

class Pipeline final : public EventSink {
 public:
  // More events than this waiting means the pipeline cannot keep up; live capture must not wait, so
  // later ones are dropped and counted.
  static constexpr size_t kMaxQueued = 1u << 20;
  static constexpr size_t kBatchSize = 4096;
  using Task = std::function<void(correlator::Correlator&)>;

  // Reads the next event number from the store (shared with `vigil replay`, so neither overwrites the
  // other's events).
  Pipeline(storage::RocksStore& store, correlator::Correlator& correlator, const Clock& clock,
           Duration review_interval);
  ~Pipeline() override;

  Result<void> start();
  // Drains every queued event and task, flushes incidents and windows, saves the event counter.
  void stop();

  void consume(Event event) override;
  void post(Task task);

  // A sensor link batch (link/pipeline_remote.cc): numbered, correlated and stored like local events,
  // in ONE fsynced write with the new per-sensor cursor and the event counter. A batch whose seq is at
  // or below the stored cursor is a duplicate and is not stored again. `done` runs on the pipeline
  // thread: true stored, false duplicate, an error when the store failed (the sender resends).
  struct RemoteBatch {
    std::string link;  // the sending sensor daemon, as its certificate names it (CN)
    uint64_t seq = 0;
    std::vector<Event> events;
    std::function<void(Result<bool>)> done;
  };
  void consume_remote(RemoteBatch batch);
  // The state key of a link's cursor (the last batch seq stored from it).
  static std::string link_cursor_key(const std::string& link);
  // The last batch seq stored from `link` (0: none), as the store has it; any thread.
  Result<uint64_t> stored_link_cursor(const std::string& link);
  PipelineStats stats() const;

  // Also told (on the pipeline thread) of every incident the correlator writes: the forwarders'
  // spools. Set before start().
  void set_incident_observer(std::function<void(const Incident&)> observer);
  // Also told (on the pipeline thread) of every batch of events once it is stored, in seq order
  // (alert_feed.h, for alerts.tail). Set before start().
  void set_stored_observer(std::function<void(std::span<const Event>)> observer) { stored_observer_ = std::move(observer); }
  std::function<void(std::span<const Event>)> stored_observer_;
  // Sees (on the pipeline thread) every event before it is numbered, correlated or stored, local and
  // from the sensor link, and may remove some: the rule admin's suppressions (rule_admin.h). Set before start().
  void set_event_filter(std::function<void(std::vector<Event>&)> filter) { event_filter_ = std::move(filter); }
  // Between two batches on the pipeline thread: flushes the running correlator's incidents and
  // saves its windows, then builds the next one with `make` (which reads the open incidents and
  // the saved windows back) and runs it from the next event on. A failing flush, save or `make`
  // keeps the running correlator. `done` is called on the pipeline thread.
  void replace_correlator(std::function<Result<correlator::Correlator>()> make,
                          std::function<void(Result<void>)> done);

 private:
  void run();
  void process(std::vector<Event>& events);
  void process_remote(RemoteBatch& batch);
  void note_error(const std::string& what, const Error& error);
  void listen_to(correlator::Correlator& correlator);
  std::function<void(const Incident&)> incident_observer_;
  std::function<void(std::vector<Event>&)> event_filter_;

  storage::RocksStore& store_;
  correlator::Correlator& correlator_;
  const Clock& clock_;
  Duration review_interval_;
  uint64_t next_seq_ = 1;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Event> events_;
  std::deque<Task> tasks_;
  std::deque<RemoteBatch> remote_;
  std::map<std::string, uint64_t> link_cursors_;  // pipeline thread only: read from the store once per link
  bool stopping_ = false;
  PipelineStats stats_;  // under mutex_
  std::thread thread_;
};

}  // namespace vigil::daemon
