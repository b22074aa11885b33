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

// Layer-4 reporting (Law 116/2025, NĐ 331/2026). Set only on incidents that require a report; detected_at
// never changes once set.
struct ReportClock {
  Timestamp detected_at = 0;
  Timestamp initial_due = 0;  // 24 h notice for a serious incident (immediately for national-security signs)
  Timestamp full_due = 0;     // 72 h full report
  std::optional<Timestamp> initial_sent;
  std::optional<Timestamp> full_sent;
  std::vector<std::string> receipts;
  bool initial_overdue = false;  // marked by the policy once a due time passed unsent
  bool full_overdue = false;
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

  // Vietnamese incident taxonomy: denial_of_service, phishing, malware, unauthorized_access, defacement,
  // ransomware, data_destruction, data_theft, combined, other.
  std::string category = "other";
  std::vector<std::string> agencies;  // agencies owning the assets the incident touches (from config)
  int protection_level = 0;           // highest protection level (1-5) among those assets; 0 unknown
  bool drill = false;                 // inside a drill/pentest window: kept, never reported to layer 4
  bool report_required = false;       // serious: the layer-4 report clock runs
  std::optional<Timestamp> acknowledged_at;
  std::optional<Timestamp> escalated_at;  // when it last moved to a higher layer

  bool is_open() const { return state != IncidentState::resolved && state != IncidentState::closed; }
};

std::string format_incident_id(uint64_t number);  // 7 -> "INC-000007"

}  // namespace vigil
