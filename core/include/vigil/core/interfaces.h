// The seams between modules: sensors emit into an EventSink; storage implements the stores;
// the correlator reads and writes through them. daemon/ and cli/ wire implementations together.
// Thread contract: each implementation states its own; callers assume one thread per object
// unless the implementation says otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/incident.h"
#include "vigil/core/result.h"

namespace vigil {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void consume(Event event) = 0;
};

struct EventQuery {
  Timestamp from = INT64_MIN;  // inclusive
  Timestamp until = INT64_MAX; // exclusive
  std::optional<EventType> type;
  std::optional<uint32_t> signature_id;
  size_t limit = 100;
  bool newest_first = true;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Appends events in one durable batch; each event's (timestamp, seq) must be unique.
  virtual Result<void> append(std::span<const Event> events) = 0;
  virtual Result<std::vector<Event>> query(const EventQuery& query) = 0;
};

struct IncidentQuery {
  std::optional<IncidentState> state;
  bool open_only = false;
  size_t limit = 100;
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;
  virtual Result<void> put(const Incident& incident) = 0;
  virtual Result<std::optional<Incident>> get(std::string_view id) = 0;
  // Newest first (by first_seen).
  virtual Result<std::vector<Incident>> list(const IncidentQuery& query) = 0;
  // Durable, monotonically increasing; never returns the same number twice.
  virtual Result<uint64_t> next_incident_number() = 0;
};

// Small keyed blobs that must survive a restart (correlation windows, counters).
class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual Result<void> put_state(std::string_view key, std::string_view value) = 0;
  virtual Result<std::optional<std::string>> get_state(std::string_view key) = 0;
  virtual Result<void> erase_state(std::string_view key) = 0;
};

}  // namespace vigil
