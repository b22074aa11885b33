// AlertFeed: what `vigil alerts tail` follows. The pipeline tells it of every batch it stored; it keeps
// the most recent alerts in memory in storage order (the pipeline's event seq, which grows by one per
// event and survives a restart), and answers alerts.tail: the alerts stored after a given seq.
// A caller that asks for seqs this process no longer holds in memory, or never held (stored before
// a restart, or more than kKept alerts behind), is answered from the store: the alerts at or after
// `since` (the daemon's time the caller last heard from it, less a margin) with a seq in the gap,
// in seq order. So a tail that reconnects after a restart neither skips nor repeats an alert, as long
// as the alerts it missed carry times after `since` (a sensor link's spool may deliver older ones).
// Thread contract: stored() from the pipeline thread, tail() from the control thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

#include <nlohmann/json.hpp>

#include "vigil/core/event.h"
#include "vigil/core/time.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::daemon {

class AlertFeed {
 public:
  static constexpr size_t kKept = 4096;  // with payloads: a few MB; a tail further behind reads the store
  static constexpr int64_t kMaxPage = 1000;

  // Reads the pipeline's next event number from the store: every alert stored from now on has a seq
  // at or above it. Built before the pipeline starts.
  AlertFeed(storage::RocksStore& store, const Clock& clock);

  void stored(std::span<const Event> events);
  // alerts.tail: params {after_seq?, since?, limit?} -> {alerts: [{seq, event (EVE)}] in seq order, last_seq, now}.
  // Without after_seq: no alerts, and the last_seq to follow from. Throws Error on a bad param.
  nlohmann::json tail(const nlohmann::json& params);

 private:
  nlohmann::json from_store(uint64_t after, uint64_t before, Timestamp since, size_t limit);

  storage::RocksStore& store_;
  const Clock& clock_;
  std::mutex mutex_;
  std::deque<Event> recent_;  // alerts, seq ascending
  uint64_t covered_from_;     // every alert stored with seq >= this is in recent_
  uint64_t last_seq_;         // the last seq stored (of any event)
};

}  // namespace vigil::daemon
