#include "replay_pipeline.h"

#include "vigil/core/eve_json.h"

namespace vigil::cli {

ReplayPipeline::ReplayPipeline(correlator::Correlator* correlator, storage::RocksStore* store, std::ostream* eve,
                               std::set<EventType> eve_types, uint64_t first_seq)
    : correlator_(correlator), store_(store), eve_(eve), eve_types_(std::move(eve_types)), next_seq_(first_seq) {
  batch_.reserve(kBatchSize);
  if (correlator_) {
    correlator_->set_incident_listener([this](const Incident& incident) { incidents_[incident.id] = incident; });
  }
}

void ReplayPipeline::consume(Event event) {
  event.seq = next_seq_++;
  if (correlator_ && !failure_) {
    if (auto done = correlator_->process(event); !done) failure_ = done.error().with_context("correlation");
  }
  ++events_by_type_[event.type];
  if (event.alert) {
    SignatureCount& entry = alerts_by_sid_[event.alert->signature_id];
    if (entry.count++ == 0) {
      entry.signature = event.alert->signature;
      entry.severity = event.alert->severity;
    }
  }
  if (eve_ && eve_types_.count(event.type)) *eve_ << to_eve_json(event) << '\n';
  if (store_) {
    batch_.push_back(std::move(event));
    if (batch_.size() >= kBatchSize) (void)flush();  // a failure is kept in failure_
  }
}

Result<void> ReplayPipeline::flush() {
  if (failure_) return fail(*failure_);
  // Incidents first: an event stored with an incident id must find that incident.
  if (correlator_) {
    if (auto done = correlator_->flush(); !done) {
      failure_ = done.error().with_context("storing incidents");
      return fail(*failure_);
    }
  }
  if (store_ && !batch_.empty()) {
    // The event counter goes in the same write as the events it numbered: a crash never reuses a seq.
    const std::pair<std::string, std::string> counter[] = {{storage::kNextSeqStateKey, std::to_string(next_seq_)}};
    if (auto done = store_->append_with_state(batch_, counter, /*sync=*/false); !done) {
      failure_ = done.error().with_context("storing events");
      return fail(*failure_);
    }
    stored_events_ += batch_.size();
    batch_.clear();
  }
  if (eve_) eve_->flush();
  return ok();
}

}  // namespace vigil::cli
