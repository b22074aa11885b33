// The 4-layer policy: assets (address block -> agency, zone, protection level, criticality), escalation
// to layer 2, drill/pentest windows and the layer-4 report clock, loaded from the `assets:`, `layers:`,
// `drills:` and `reporting:` keys of a YAML file (config/policy.yaml, later a section of vigil.yaml).
// The Correlator classifies each incident it raises; the pipeline calls apply_policy on a timer.
// Thread contract: IncidentPolicy is an immutable value once loaded (share it as shared_ptr<const>); the
// functions are pure.
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/incident.h"
#include "vigil/core/ip.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"

namespace vigil::correlator {

struct Asset {
  std::string name;
  std::vector<Cidr> ranges;
  std::string agency;
  std::string zone;
  int protection_level = 1;               // 1-5 (cấp độ an toàn hệ thống thông tin)
  Severity criticality = Severity::medium;  // high raises an incident's severity one step, critical two
};

struct LayerPolicy {
  // An incident still `new` (not acknowledged) this long after first_seen goes to layer 2. By severity:
  // low, medium, high, critical.
  std::array<Duration, 4> ack_deadline{hours(24), hours(4), hours(1), minutes(15)};
  // Incidents of this severity or higher go to layer 2 at once.
  Severity escalate_severity = Severity::critical;
};

struct DrillWindow {
  std::string name;
  Timestamp from = 0;   // inclusive
  Timestamp until = 0;  // exclusive
  std::vector<Cidr> sources;
};

struct ReportingPolicy {
  Severity severity = Severity::critical;  // this severity or higher is serious: layer-4 report required
  std::vector<std::string> categories;     // these categories are serious whatever the severity
  std::vector<std::string> national_security;  // serious, and the initial notice is due at once
  Duration initial_due = hours(24);
  Duration full_due = hours(72);
};

struct IncidentPolicy {
  std::vector<Asset> assets;
  LayerPolicy layers;
  std::vector<DrillWindow> drills;
  ReportingPolicy reporting;

  // The asset with the most specific range containing the address; nullptr when none.
  const Asset* find_asset(const IpAddress& address) const;
};

// Reads the four keys; other top-level keys are ignored (vigil.yaml carries more sections). Every key is
// optional and defaults as above. Errors name file, line and field: "policy.yaml:12: assets[2].cidr: ...".
Result<IncidentPolicy> load_incident_policy(const std::filesystem::path& path);
Result<IncidentPolicy> parse_incident_policy(std::string_view yaml, const std::string& source);

// At raise (the Correlator calls it): agencies and protection level of the assets among the incident's IP
// observables, severity raised by their criticality, the drill tag (first_seen inside a drill window and an
// IP observable among its sources), layer 1, and the report clock for serious incidents. Then the caller
// runs apply_policy with the same time.
void classify_incident(Incident& incident, const IncidentPolicy& policy, Timestamp now);

// On a timer and at raise: escalates an open incident to layer 2 when it was not acknowledged within its
// severity's deadline or its severity reached layers.escalate_severity; starts the report clock when an
// incident became serious (a person raised its severity); marks missed report deadlines overdue. Each change
// gets a timeline entry by actor "policy". Returns whether anything changed.
bool apply_policy(Incident& incident, const IncidentPolicy& policy, Timestamp now);

}  // namespace vigil::correlator
