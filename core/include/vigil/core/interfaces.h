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
#include "vigil/core/ip.h"
#include "vigil/core/result.h"

namespace vigil {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void consume(Event event) = 0;
};

// Which events a query returns. Every set filter must match (AND); unset ones match anything.
struct EventQuery {
  Timestamp from = INT64_MIN;  // inclusive
  Timestamp until = INT64_MAX; // exclusive
  std::optional<EventType> type;
  std::optional<uint32_t> signature_id;
  std::optional<std::string> sensor;
  std::optional<std::string> zone;
  std::optional<Cidr> src;  // a bare address is a /32 (/128) block
  std::optional<Cidr> dst;
  std::optional<uint16_t> port;  // source or destination port
  std::optional<int> severity;   // alert severity, 1 (most severe) .. 4; only alerts have one
  std::optional<std::string> incident_id;
  // Case-insensitive substring of an alert's signature message; events without one never match.
  std::string text;
  // Opaque position from a previous page's next_cursor: continue right after its last event.
  std::string cursor;
  size_t limit = 100;
  bool newest_first = true;
};

struct EventPage {
  std::vector<Event> events;
  std::string next_cursor;  // empty when the page was not full: nothing more to read
};

enum class EventCountKey : uint8_t { signature, source };

struct EventCount {
  std::string key;    // the signature id or the source address, as text
  std::string label;  // the signature's message; empty for sources
  uint64_t count = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Appends events in one durable batch; each event's (timestamp, seq) must be unique.
  virtual Result<void> append(std::span<const Event> events) = 0;
  // The first page of query(): at most `limit` events, no cursor.
  virtual Result<std::vector<Event>> query(const EventQuery& query) = 0;
  virtual Result<EventPage> query_page(const EventQuery& query) = 0;
  // Matching events counted by `key`, largest count first, at most `query.limit` rows
  // (cursor and order of `query` are ignored).
  virtual Result<std::vector<EventCount>> count(const EventQuery& query, EventCountKey key) = 0;
};

enum class IncidentSort : uint8_t { first_seen, last_seen, severity, layer };

// Which incidents list() returns, newest first_seen first unless `sort` says otherwise. Every set
// filter must match. Filters the index cannot answer are checked on each record while the page fills,
// so a page still holds `limit` matches when there are that many.
struct IncidentQuery {
  std::optional<IncidentState> state;
  std::vector<IncidentState> states;  // any of these (empty: any state)
  bool open_only = false;
  std::optional<Severity> severity;      // exactly this severity
  std::optional<Severity> min_severity;  // this severity or worse
  std::optional<int> layer;
  std::optional<std::string> assignee;  // "" = unassigned
  std::optional<std::string> agency;    // one of the incident's agencies
  std::optional<std::string> rule_id;   // the correlation rule that raised it
  // The sensor zone of at least one of its events: read from the referenced events, so it costs one
  // point read per event reference of each incident the other filters let through.
  std::optional<std::string> zone;
  std::string text;  // case-insensitive substring of the title, an observable's value or a note
  Timestamp from = INT64_MIN;   // first_seen, inclusive
  Timestamp until = INT64_MAX;  // first_seen, exclusive
  // Any order but newest first_seen first reads every matching incident and sorts them (ties by id).
  IncidentSort sort = IncidentSort::first_seen;
  bool ascending = false;
  std::string cursor;           // from a previous page's next_cursor
  size_t limit = 100;
};

struct IncidentPage {
  std::vector<Incident> incidents;
  std::string next_cursor;  // empty when the page was not full
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
