// Incident: what correlation raises and people work to closure, with its 4-layer position and
// the report clock. Created by the correlator, kept by an IncidentStore, shown by the CLI.
// Thread contract: plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/event.h"
#include "vigil/core/time.h"

namespace vigil {

enum class Severity : uint8_t { low, medium, high, critical };
std::string_view to_string(Severity severity);
Result<Severity> parse_severity(std::string_view text);

enum class IncidentState : uint8_t { new_, acknowledged, investigating, contained, resolved, closed };
std::string_view to_string(IncidentState state);
Result<IncidentState> parse_incident_state(std::string_view text);

enum class Resolution : uint8_t { none, true_positive, false_positive, benign };
std::string_view to_string(Resolution resolution);
Result<Resolution> parse_resolution(std::string_view text);

struct TimelineEntry {
  Timestamp time = 0;
  std::string actor;  // "correlator", a user name, "policy"
  std::string what;
};

struct Observable {
  std::string type;  // ip, port, domain, hash
  std::string value;
  bool operator==(const Observable&) const = default;
};

struct ReportClock {
  Timestamp detected_at = 0;
  Timestamp initial_due = 0;  // 24 h notice for a serious incident
  Timestamp full_due = 0;     // 72 h full report
  std::optional<Timestamp> initial_sent;
  std::optional<Timestamp> full_sent;
  std::vector<std::string> receipts;
};

struct Incident {
  // An incident keeps at most this many event references; event_count keeps counting.
  static constexpr size_t kMaxEventRefs = 1000;

  std::string id;  // "INC-" + sequence
  std::string title;
  Severity severity = Severity::medium;
  IncidentState state = IncidentState::new_;
  Resolution resolution = Resolution::none;
  int layer = 1;  // 1 on-site .. 4 national centre: who holds it now
  std::string assignee;
  std::string rule_id;
  std::string group_key;
  Timestamp first_seen = 0;
  Timestamp last_seen = 0;
  uint64_t event_count = 0;
  std::vector<EventRef> events;
  std::vector<Observable> observables;
  std::string tlp = "amber";
  std::vector<TimelineEntry> timeline;
  ReportClock report;

  bool is_open() const { return state != IncidentState::resolved && state != IncidentState::closed; }
};

std::string format_incident_id(uint64_t number);  // 7 -> "INC-000007"

}  // namespace vigil
