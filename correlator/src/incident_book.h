// IncidentBook: the correlator's view of open incidents (for deduplication by rule + group key) and
// the buffer of incident changes written on flush(). Private to the module; the Correlator's thread.
// Keeps only a light entry per open incident; the stored incident stays the source of truth and the
// correlator's additions are merged into it at flush, so responders' edits are never overwritten.
#pragma once

#include <functional>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "vigil/core/incident.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/result.h"
#include "vigil/correlator/incident_policy.h"

namespace vigil::correlator {

// rule_id + '\x1f' + group_key: one open incident at most per key (Correlator::Impl::find_open builds
// the same key in a reused buffer).
std::string dedup_key(std::string_view rule_id, std::string_view group_key);

struct OpenIncident {
  std::string id;
  uint64_t event_count = 0;
  size_t ref_count = 0;
  std::vector<Observable> observables;  // on the incident already (up to the cap)
  std::vector<std::string> agencies;    // on the incident already
};

class IncidentBook {
 public:
  // `policy` (may be null) names the agencies of addresses that later events add to an open incident.
  IncidentBook(IncidentStore& store, size_t max_observables, const IncidentPolicy* policy = nullptr)
      : store_(&store), max_observables_(max_observables), policy_(policy) {}

  // Reads open incidents of the given rules from the store.
  Result<void> load_open(const std::unordered_set<std::string>& rule_ids, size_t limit);

  OpenIncident* find_open(const std::string& key);
  Result<uint64_t> next_number() { return store_->next_incident_number(); }
  // Registers a raised incident as open and pending its first write.
  void add_new(Incident incident);
  // Adds one event to an open incident: count, times, a ref while under Incident::kMaxEventRefs,
  // observables not seen yet, and a timeline entry when the count reaches 10, 100, 1000...
  void attach(OpenIncident& open, const Event& event, const std::vector<Observable>& observables,
              std::string_view rule_id);
  void changed(const Incident& incident);
  Result<void> flush();
  void set_listener(std::function<void(const Incident&)> listener) { listener_ = std::move(listener); }
  // An incident changed outside flush() (the policy): tell the listener, keep deduplication right.
  void notify(const Incident& incident) {
    ++written_;
    if (listener_) listener_(incident);
    changed(incident);
  }
  IncidentStore& store() { return *store_; }

  size_t open_count() const { return open_.size(); }
  size_t pending_count() const { return pending_.size(); }
  uint64_t written() const { return written_; }
  uint64_t store_errors() const { return store_errors_; }
  void count_store_error() { ++store_errors_; }

 private:
  struct PendingWrite {
    std::optional<Incident> created;  // raised since the last successful write: the whole incident
    uint64_t added_events = 0;
    Timestamp first_seen = 0;
    Timestamp last_seen = 0;
    std::vector<EventRef> refs;
    std::vector<Observable> observables;
    std::vector<TimelineEntry> timeline;
    std::vector<std::string> agencies;
  };

  void merge_into(Incident& incident, const PendingWrite& pending) const;
  void forget_if(const std::string& key, const std::string& id);
  // What deduplication keeps of an open incident read from the store or changed by a person.
  OpenIncident tracked(const Incident& incident) const;

  IncidentStore* store_;
  size_t max_observables_;
  const IncidentPolicy* policy_;
  std::function<void(const Incident&)> listener_;
  std::unordered_map<std::string, OpenIncident> open_;  // by dedup key
  std::map<std::string, PendingWrite> pending_;         // by incident id: ids sort in creation order
  uint64_t written_ = 0;
  uint64_t store_errors_ = 0;
};

}  // namespace vigil::correlator
