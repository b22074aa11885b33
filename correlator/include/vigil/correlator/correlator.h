// Correlator: runs correlation rules over the event stream on event time, raises incidents and adds
// later matches to the open incident of the same rule and group. The pipeline (daemon, `vigil replay`)
// calls process() per event and flush() after each batch. Thread contract: one thread (the pipeline
// thread) owns it; nothing inside is shared or locked.
#pragma once

#include <functional>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"
#include "vigil/correlator/correlation_rule.h"
#include "vigil/correlator/incident_policy.h"

namespace vigil::correlator {

struct CorrelatorOptions {
  // An event older than its group window's newest event by more than this is late: counted, ignored.
  Duration late_allowance = seconds(60);
  // An event older than the newest event seen by more than this starts a new timeline (a stitched
  // capture, a sensor clock reset): all windows restart. Never less than late_allowance.
  Duration max_backward_jump = hours(1);
  // Per rule; past it the least recently used group window is evicted (counted).
  size_t max_groups_per_rule = 100'000;
  // Observables kept per incident (the first ones seen).
  size_t max_observables = 100;
  // Open incidents read from the store at construction to keep deduplicating after a restart.
  size_t max_open_incidents = 1'000'000;
  // Assets, escalation, drills and the report clock (incident_policy.h). nullptr: the defaults (no
  // assets, no drills, critical incidents reported).
  std::shared_ptr<const IncidentPolicy> policy;
  // With a StateStore, flush() saves the changed windows once the watermark moved this far (event time)
  // since the last save; save_windows() saves at once. 0 saves at every flush.
  Duration state_save_interval = seconds(10);
};

struct RuleStats {
  std::string rule_id;
  uint64_t matched = 0;           // events the rule's match accepted (with all group_by fields present)
  uint64_t late_events = 0;
  uint64_t incidents_raised = 0;
  uint64_t incident_updates = 0;  // events added to an incident that was already open
  size_t active_groups = 0;       // group windows held now
};

struct CorrelatorStats {
  uint64_t events_seen = 0;
  uint64_t events_matched = 0;     // events accepted by at least one rule
  uint64_t incidents_raised = 0;
  uint64_t incident_updates = 0;
  uint64_t incidents_written = 0;  // successful IncidentStore::put calls
  uint64_t late_events = 0;        // (event, rule) pairs ignored as late
  uint64_t groups_expired = 0;     // idle group windows dropped
  uint64_t groups_evicted = 0;     // group windows dropped at max_groups_per_rule
  uint64_t time_jumps = 0;         // backward jumps past max_backward_jump
  uint64_t groups_restored = 0;    // group windows read back from the StateStore at start
  uint64_t window_shards_written = 0;  // StateStore writes (put or erase) of window shards
  uint64_t store_errors = 0;
  size_t active_groups = 0;
  size_t open_incidents = 0;       // open incidents tracked for deduplication
  size_t pending_writes = 0;       // incidents changed since the last successful flush()
  std::vector<RuleStats> rules;    // in rule order
};

class Correlator {
 public:
  // Reads the open incidents from `store` (IncidentStore::list, open_only) so matches keep adding to
  // them after a restart, and with `state` the windows saved by an earlier run (a half-counted brute
  // force still fires). If a read fails, process() retries it and fails until it succeeds. `store` and
  // `state` must outlive the Correlator. Disabled rules are kept but never evaluated.
  Correlator(std::vector<CorrelationRule> rules, IncidentStore& store, CorrelatorOptions options = {},
             StateStore* state = nullptr);
  ~Correlator();
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;
  Correlator(Correlator&&) noexcept;
  Correlator& operator=(Correlator&&) noexcept;

  // Runs every enabled rule over the event. An event attached to an incident gets event.incident_id
  // (the first incident wins when several rules fire; an id already set is kept). Raised and updated
  // incidents are only buffered here: call flush() to write them. An error (the store could not hand
  // out an incident number) leaves the window as it was, so the next event retries.
  Result<void> process(Event& event);

  // Writes every incident raised or changed since the last flush with IncidentStore::put. An existing
  // incident is re-read first and the correlator's additions (events, refs, observables, timeline) are
  // merged into the stored copy, so changes made meanwhile by responders (state, assignee, layer) are
  // kept. Call after each batch and before destruction. Failed writes stay pending and are retried.
  Result<void> flush();
  // Saves every changed window to the StateStore now (flush() does it every state_save_interval of event
  // time). Call before shutdown. Writes only the shards of group tables that changed.
  Result<void> save_windows();

  // Applies the policy (apply_policy in incident_policy.h) to every open incident in the store at `now`:
  // escalation on missed acknowledgement deadlines, overdue report marks. Flushes first; writes and reports
  // (listener) the incidents that changed and returns how many. The daemon calls it on a timer with the
  // wall clock; replay once at the end with the newest event time.
  Result<size_t> review_incidents(Timestamp now);

  // Tells the correlator that someone else changed an incident (the control API resolved it, say).
  // A resolved or closed incident stops deduplicating: the next match opens a new incident.
  void incident_changed(const Incident& incident);

  // Called on the flushing thread with each incident as flush() wrote it (raised or updated): how
  // replay's summary, and later forwarders, learn what changed.
  void set_incident_listener(std::function<void(const Incident&)> listener);

  // False while the open incidents could not be read from the store.
  bool ready() const;
  // The newest event time seen (restored with the windows after a restart); nullopt before any event.
  // Replay passes it to review_incidents at the end, so its policy decisions stay on event time.
  std::optional<Timestamp> watermark() const;
  CorrelatorStats stats() const;
  const std::vector<CorrelationRule>& rules() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::correlator
