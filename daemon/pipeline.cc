#include "pipeline.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace vigil::daemon {

Pipeline::Pipeline(storage::RocksStore& store, correlator::Correlator& correlator, const Clock& clock,
                   Duration review_interval)
    : store_(store), correlator_(correlator), clock_(clock), review_interval_(review_interval) {
  listen_to(correlator_);
}

void Pipeline::listen_to(correlator::Correlator& correlator) {
  correlator.set_incident_listener([this](const Incident& incident) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.incidents_changed;
    }
    if (incident_observer_) incident_observer_(incident);
  });
}

void Pipeline::set_incident_observer(std::function<void(const Incident&)> observer) {
  incident_observer_ = std::move(observer);
}

void Pipeline::replace_correlator(std::function<Result<correlator::Correlator>()> make,
                                  std::function<void(Result<void>)> done) {
  post([this, make = std::move(make), done = std::move(done)](correlator::Correlator& running) {
    // Nothing the running correlator holds may be lost: its incidents and windows go to the store
    // first, and the next one reads them back.
    if (auto flushed = running.flush(); !flushed) return done(fail(flushed.error().with_context("flushing incidents")));
    if (auto saved = running.save_windows(); !saved) {
      return done(fail(saved.error().with_context("saving correlation windows")));
    }
    auto next = make();
    if (!next) return done(fail(next.error()));
    running = std::move(*next);
    listen_to(running);
    done(ok());
  });
}

Pipeline::~Pipeline() { stop(); }

Result<void> Pipeline::start() {
  auto saved = store_.get_state(storage::kNextSeqStateKey);
  if (!saved) return fail(saved.error());
  if (*saved) {
    try {
      next_seq_ = std::stoull(**saved);
    } catch (const std::exception&) {
      return fail(ErrorCode::corrupt_data, "stored event counter '" + **saved + "' is not a number");
    }
  }
  // The incidents still open from the last run count from the start, not from the first batch.
  stats_.open_incidents = correlator_.stats().open_incidents;
  thread_ = std::thread([this] { run(); });
  return ok();
}

void Pipeline::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Pipeline::consume(Event event) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    ++stats_.events_received;
    if (events_.size() >= kMaxQueued) {
      ++stats_.queue_drops;
      return;
    }
    was_empty = events_.empty();
    events_.push_back(std::move(event));
  }
  // The pipeline thread takes the whole queue at once, so only the first event after a take
  // needs to wake it; the rest would be wasted futex calls on the capture threads.
  if (was_empty) wake_.notify_one();
}

void Pipeline::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

PipelineStats Pipeline::stats() const {
  std::lock_guard lock(mutex_);
  PipelineStats out = stats_;
  out.queue_depth = events_.size();
  return out;
}

void Pipeline::note_error(const std::string& what, const Error& error) {
  std::string message = what + ": " + error.message;
  std::lock_guard lock(mutex_);
  ++stats_.store_errors;
  // A failing store fails every batch: log when the problem changes, count every time.
  if (message != stats_.last_error) spdlog::error("{}", message);
  stats_.last_error = std::move(message);
}

void Pipeline::process(std::vector<Event>& events) {
  for (size_t start = 0; start < events.size(); start += kBatchSize) {
    const size_t end = std::min(events.size(), start + kBatchSize);
    for (size_t i = start; i < end; ++i) {
      events[i].seq = next_seq_++;
      if (auto done = correlator_.process(events[i]); !done) note_error("correlation", done.error());
    }
    // Incidents first: a stored event naming an incident must find it.
    if (auto done = correlator_.flush(); !done) note_error("storing incidents", done.error());
    std::span<const Event> batch(events.data() + start, end - start);
    // The counter goes in the same write as the events it numbered: after a crash no seq is reused.
    const std::pair<std::string, std::string> counter[] = {{storage::kNextSeqStateKey, std::to_string(next_seq_)}};
    if (auto done = store_.append_with_state(batch, counter, /*sync=*/false); !done) {
      note_error("storing events", done.error());
    } else {
      {
        std::lock_guard lock(mutex_);
        stats_.events_stored += batch.size();
      }
      if (stored_observer_) stored_observer_(batch);
    }
  }
}

void Pipeline::run() {
  auto next_review = std::chrono::steady_clock::now() + std::chrono::microseconds(review_interval_);
  std::vector<Event> events;
  std::deque<Task> tasks;
  std::deque<RemoteBatch> remote;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_review,
                       [&] { return stopping_ || !events_.empty() || !tasks_.empty() || !remote_.empty(); });
      events.swap(events_);
      remote.swap(remote_);
      tasks.swap(tasks_);
      stopping = stopping_;
    }
    if (event_filter_) event_filter_(events);  // remote batches: in process_remote, once known not a duplicate
    process(events);
    for (RemoteBatch& batch : remote) process_remote(batch);
    remote.clear();
    events.clear();
    for (Task& task : tasks) task(correlator_);
    tasks.clear();
    if (std::chrono::steady_clock::now() >= next_review) {
      if (auto reviewed = correlator_.review_incidents(clock_.now()); !reviewed) {
        note_error("applying the incident policy", reviewed.error());
      }
      next_review = std::chrono::steady_clock::now() + std::chrono::microseconds(review_interval_);
    }
    {
      std::lock_guard lock(mutex_);
      stats_.open_incidents = correlator_.stats().open_incidents;
      if (stopping && events_.empty() && tasks_.empty() && remote_.empty()) break;
    }
  }
  if (auto done = correlator_.flush(); !done) note_error("storing incidents", done.error());
  if (auto done = correlator_.save_windows(); !done) note_error("saving correlation windows", done.error());
}

}  // namespace vigil::daemon
