// ReplayPipeline: the event pipeline of `vigil replay`, in one thread: numbers each event,
// runs correlation on it, writes the chosen EVE types to a stream, and stores events in batches
// (correlator flush first, so stored events carry their incident ids and incidents are current).
// Thread contract: one thread (the replay thread); the sensors call consume() synchronously.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/correlator/correlator.h"
#include "vigil/storage/rocks_store.h"

namespace vigil::cli {

struct SignatureCount {
  std::string signature;
  int severity = 3;
  uint64_t count = 0;
};

class ReplayPipeline final : public EventSink {
 public:
  static constexpr size_t kBatchSize = 4096;

  // Any pointer may be null: no correlation, no storage, no EVE output.
  ReplayPipeline(correlator::Correlator* correlator, storage::RocksStore* store, std::ostream* eve,
                 std::set<EventType> eve_types, uint64_t first_seq);

  void consume(Event event) override;
  // Writes what is buffered; also called by consume() every kBatchSize events.
  Result<void> flush();

  // The first storage or correlation failure; once set, events are no longer stored.
  const std::optional<Error>& failure() const { return failure_; }
  uint64_t next_seq() const { return next_seq_; }
  const std::map<uint32_t, SignatureCount>& alerts_by_sid() const { return alerts_by_sid_; }
  const std::map<EventType, uint64_t>& events_by_type() const { return events_by_type_; }
  // Incidents raised or updated by this run, as last written.
  const std::map<std::string, Incident>& incidents() const { return incidents_; }
  uint64_t stored_events() const { return stored_events_; }

 private:
  correlator::Correlator* correlator_;
  storage::RocksStore* store_;
  std::ostream* eve_;
  std::set<EventType> eve_types_;
  uint64_t next_seq_;
  std::vector<Event> batch_;
  std::optional<Error> failure_;
  std::map<uint32_t, SignatureCount> alerts_by_sid_;
  std::map<EventType, uint64_t> events_by_type_;
  std::map<std::string, Incident> incidents_;
  uint64_t stored_events_ = 0;
};

}  // namespace vigil::cli
