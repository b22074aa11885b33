#include "incident_book.h"

#include <algorithm>

#include "log.h"

namespace vigil::correlator {

std::string dedup_key(std::string_view rule_id, std::string_view group_key) {
  std::string key;
  key.reserve(rule_id.size() + 1 + group_key.size());
  key.append(rule_id);
  key += '\x1f';
  key.append(group_key);
  return key;
}

namespace {

bool is_milestone(uint64_t count) {
  if (count < 10) return false;
  while (count % 10 == 0) count /= 10;
  return count == 1;
}

bool contains(const std::vector<Observable>& list, const Observable& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

Result<void> IncidentBook::load_open(const std::unordered_set<std::string>& rule_ids, size_t limit) {
  IncidentQuery query;
  query.open_only = true;
  query.limit = limit;
  auto listed = store_->list(query);
  if (!listed) {
    ++store_errors_;
    return fail(listed.error().with_context("reading open incidents"));
  }
  if (listed->size() >= limit) {
    log().warn("{} open incidents or more in the store; only the newest {} keep deduplicating", limit, limit);
  }
  for (auto& incident : *listed) {
    if (!incident.is_open() || !rule_ids.count(incident.rule_id)) continue;
    std::string key = dedup_key(incident.rule_id, incident.group_key);
    if (open_.count(key)) continue;  // newest first: the newest open incident of a key wins
    open_.emplace(std::move(key), tracked(incident));
  }
  return ok();
}

OpenIncident* IncidentBook::find_open(const std::string& key) {
  auto it = open_.find(key);
  return it == open_.end() ? nullptr : &it->second;
}

void IncidentBook::add_new(Incident incident) {
  OpenIncident entry;
  entry.id = incident.id;
  entry.event_count = incident.event_count;
  entry.ref_count = incident.events.size();
  entry.observables = incident.observables;
  entry.agencies = incident.agencies;
  open_[dedup_key(incident.rule_id, incident.group_key)] = std::move(entry);
  std::string id = incident.id;
  pending_[id].created = std::move(incident);
}

void IncidentBook::attach(OpenIncident& open, const Event& event, const std::vector<Observable>& observables,
                          std::string_view rule_id) {
  PendingWrite& pending = pending_[open.id];
  Incident* created = pending.created ? &*pending.created : nullptr;
  ++open.event_count;
  bool add_ref = open.ref_count < Incident::kMaxEventRefs;
  if (add_ref) ++open.ref_count;

  if (created) {
    ++created->event_count;
    created->first_seen = std::min(created->first_seen, event.timestamp);
    created->last_seen = std::max(created->last_seen, event.timestamp);
    if (add_ref) created->events.push_back(event.ref());
  } else {
    if (pending.added_events == 0) {
      pending.first_seen = pending.last_seen = event.timestamp;
    } else {
      pending.first_seen = std::min(pending.first_seen, event.timestamp);
      pending.last_seen = std::max(pending.last_seen, event.timestamp);
    }
    ++pending.added_events;
    if (add_ref) pending.refs.push_back(event.ref());
  }

  for (const auto& observable : observables) {
    if (open.observables.size() >= max_observables_) break;
    if (contains(open.observables, observable)) continue;
    open.observables.push_back(observable);
    (created ? created->observables : pending.observables).push_back(observable);
    // A scan that moves on to another agency's addresses names that agency too.
    if (!policy_ || observable.type != "ip") continue;
    auto address = IpAddress::parse(observable.value);
    const Asset* asset = address ? policy_->find_asset(*address) : nullptr;
    if (!asset || asset->agency.empty()) continue;
    if (std::find(open.agencies.begin(), open.agencies.end(), asset->agency) != open.agencies.end()) continue;
    open.agencies.push_back(asset->agency);
    (created ? created->agencies : pending.agencies).push_back(asset->agency);
  }

  if (is_milestone(open.event_count)) {
    TimelineEntry entry{event.timestamp, "correlator",
                        "rule " + std::string(rule_id) + ": " + std::to_string(open.event_count) + " events"};
    (created ? created->timeline : pending.timeline).push_back(std::move(entry));
  }
}

void IncidentBook::changed(const Incident& incident) {
  std::string key = dedup_key(incident.rule_id, incident.group_key);
  if (!incident.is_open()) {
    forget_if(key, incident.id);
    return;
  }
  // Reopened by a person: it deduplicates again unless a newer incident took its key meanwhile.
  if (!open_.count(key)) open_.emplace(std::move(key), tracked(incident));
}

OpenIncident IncidentBook::tracked(const Incident& incident) const {
  OpenIncident entry;
  entry.id = incident.id;
  entry.event_count = incident.event_count;
  entry.ref_count = incident.events.size();
  for (const auto& observable : incident.observables) {
    if (entry.observables.size() >= max_observables_) break;
    entry.observables.push_back(observable);
  }
  entry.agencies = incident.agencies;
  return entry;
}

void IncidentBook::forget_if(const std::string& key, const std::string& id) {
  auto it = open_.find(key);
  if (it != open_.end() && it->second.id == id) open_.erase(it);
}

void IncidentBook::merge_into(Incident& incident, const PendingWrite& pending) const {
  if (pending.added_events > 0) {
    incident.event_count += pending.added_events;
    incident.first_seen = std::min(incident.first_seen, pending.first_seen);
    incident.last_seen = std::max(incident.last_seen, pending.last_seen);
  }
  for (const auto& ref : pending.refs) {
    if (incident.events.size() >= Incident::kMaxEventRefs) break;
    incident.events.push_back(ref);
  }
  for (const auto& observable : pending.observables) {
    if (incident.observables.size() >= max_observables_) break;
    if (!contains(incident.observables, observable)) incident.observables.push_back(observable);
  }
  incident.timeline.insert(incident.timeline.end(), pending.timeline.begin(), pending.timeline.end());
  for (const auto& agency : pending.agencies) {
    if (std::find(incident.agencies.begin(), incident.agencies.end(), agency) == incident.agencies.end()) {
      incident.agencies.push_back(agency);
    }
  }
}

Result<void> IncidentBook::flush() {
  Result<void> result;
  auto note_error = [&](const Error& error, const std::string& id) {
    ++store_errors_;
    log().warn("cannot write incident {}: {}", id, error.message);
    if (result) result = fail(error.with_context("writing incident " + id));
  };

  for (auto it = pending_.begin(); it != pending_.end();) {
    const std::string& id = it->first;
    PendingWrite& pending = it->second;
    if (pending.created) {
      if (auto put = store_->put(*pending.created); !put) {
        note_error(put.error(), id);
        ++it;
        continue;
      }
      ++written_;
      if (listener_) listener_(*pending.created);
      it = pending_.erase(it);
      continue;
    }

    auto stored = store_->get(id);
    if (!stored) {
      note_error(stored.error(), id);
      ++it;
      continue;
    }
    if (!stored->has_value()) {
      // Deleted behind our back (retention, an operator): stop adding to it; the next match opens a new one.
      log().warn("incident {} is no longer in the store; its pending additions are dropped", id);
      for (auto open = open_.begin(); open != open_.end(); ++open) {
        if (open->second.id == id) {
          open_.erase(open);
          break;
        }
      }
      it = pending_.erase(it);
      continue;
    }
    Incident incident = std::move(**stored);
    merge_into(incident, pending);
    if (auto put = store_->put(incident); !put) {
      note_error(put.error(), id);
      ++it;
      continue;
    }
    ++written_;
    if (listener_) listener_(incident);
    if (!incident.is_open()) forget_if(dedup_key(incident.rule_id, incident.group_key), id);
    it = pending_.erase(it);
  }
  return result;
}

}  // namespace vigil::correlator
