// Pipeline's intake of sensor link batches (declared in pipeline.h): the dedup against the stored
// per-link cursor and the one durable write of events + cursor + event counter that the central
// daemon's acknowledgement waits for.
#include <charconv>

#include "pipeline.h"

namespace vigil::daemon {

std::string Pipeline::link_cursor_key(const std::string& link) { return "link.cursor." + link; }

void Pipeline::consume_remote(RemoteBatch batch) {
  {
    std::lock_guard lock(mutex_);
    stats_.events_received += batch.events.size();
    remote_.push_back(std::move(batch));
  }
  wake_.notify_one();
}

Result<uint64_t> Pipeline::stored_link_cursor(const std::string& link) {
  auto saved = store_.get_state(link_cursor_key(link));
  if (!saved) return fail(saved.error().with_context("reading the sensor link cursor of " + link));
  uint64_t value = 0;
  if (*saved) {
    const std::string& text = **saved;
    auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
    if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size()) {
      return fail(ErrorCode::corrupt_data, "stored sensor link cursor of " + link + " '" + text + "' is not a number");
    }
  }
  return value;
}

void Pipeline::process_remote(RemoteBatch& batch) {
  auto cursor = link_cursors_.find(batch.link);
  if (cursor == link_cursors_.end()) {
    auto stored = stored_link_cursor(batch.link);
    if (!stored) {
      note_error("sensor link", stored.error());
      return batch.done(fail(stored.error()));
    }
    cursor = link_cursors_.emplace(batch.link, *stored).first;
  }
  if (batch.seq <= cursor->second) return batch.done(false);  // stored before; the ack was lost
  if (event_filter_) event_filter_(batch.events);  // after the dedup: a resent batch is not counted twice

  for (Event& event : batch.events) {
    event.seq = next_seq_++;
    if (auto done = correlator_.process(event); !done) note_error("correlation", done.error());
  }
  if (auto done = correlator_.flush(); !done) note_error("storing incidents", done.error());
  // Fsynced whatever the store's sync policy: the sensor deletes its only other copy on our ack.
  const std::pair<std::string, std::string> state[] = {{storage::kNextSeqStateKey, std::to_string(next_seq_)},
                                                       {link_cursor_key(batch.link), std::to_string(batch.seq)}};
  if (auto done = store_.append_with_state(batch.events, state, /*sync=*/true); !done) {
    note_error("storing sensor link events", done.error());
    return batch.done(fail(done.error()));
  }
  cursor->second = batch.seq;
  {
    std::lock_guard lock(mutex_);
    stats_.events_stored += batch.events.size();
  }
  if (stored_observer_) stored_observer_(batch.events);
  batch.done(true);
}

}  // namespace vigil::daemon
