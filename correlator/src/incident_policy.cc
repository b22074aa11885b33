#include "vigil/correlator/incident_policy.h"

#include <algorithm>

#include "vigil/correlator/incident_actions.h"

namespace vigil::correlator {

namespace {

constexpr std::string_view kPolicyActor = "policy";

Severity raised_by(Severity severity, Severity criticality) {
  int steps = criticality == Severity::critical ? 2 : criticality == Severity::high ? 1 : 0;
  int raised = std::min(static_cast<int>(severity) + steps, static_cast<int>(Severity::critical));
  return static_cast<Severity>(raised);
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<IpAddress> addresses_of(const Incident& incident) {
  std::vector<IpAddress> out;
  for (const auto& observable : incident.observables) {
    if (observable.type != "ip") continue;
    if (auto address = IpAddress::parse(observable.value)) out.push_back(*address);
  }
  return out;
}

bool serious(const Incident& incident, const ReportingPolicy& reporting) {
  return incident.severity >= reporting.severity || contains(reporting.categories, incident.category) ||
         contains(reporting.national_security, incident.category);
}

void start_report_clock(Incident& incident, const ReportingPolicy& reporting, Timestamp detected_at) {
  incident.report_required = true;
  ReportClock& clock = incident.report;
  clock.detected_at = detected_at;
  const bool immediate = contains(reporting.national_security, incident.category);
  clock.initial_due = immediate ? detected_at : detected_at + reporting.initial_due;
  clock.full_due = detected_at + reporting.full_due;
}

std::string format_deadline(Duration d) {
  if (d % hours(1) == 0) return std::to_string(d / hours(1)) + "h";
  if (d % minutes(1) == 0) return std::to_string(d / minutes(1)) + "m";
  return std::to_string(d / kMicrosPerSecond) + "s";
}

}  // namespace

const Asset* IncidentPolicy::find_asset(const IpAddress& address) const {
  const Asset* best = nullptr;
  int best_prefix = -1;
  for (const auto& asset : assets) {
    for (const auto& range : asset.ranges) {
      if (range.contains(address) && range.prefix_len() > best_prefix) {
        best = &asset;
        best_prefix = range.prefix_len();
      }
    }
  }
  return best;
}

void classify_incident(Incident& incident, const IncidentPolicy& policy, Timestamp now) {
  incident.layer = 1;
  Severity criticality = Severity::low;
  for (const auto& address : addresses_of(incident)) {
    const Asset* asset = policy.find_asset(address);
    if (!asset) continue;
    if (!asset->agency.empty() && !contains(incident.agencies, asset->agency)) incident.agencies.push_back(asset->agency);
    incident.protection_level = std::max(incident.protection_level, asset->protection_level);
    criticality = std::max(criticality, asset->criticality);
  }
  Severity raised = raised_by(incident.severity, criticality);
  if (raised != incident.severity) {
    incident.timeline.push_back({now, std::string(kPolicyActor),
                                 "severity " + std::string(to_string(incident.severity)) + " -> " +
                                     std::string(to_string(raised)) + ": asset criticality " +
                                     std::string(to_string(criticality))});
    incident.severity = raised;
  }
  for (const auto& drill : policy.drills) {
    if (incident.first_seen < drill.from || incident.first_seen >= drill.until) continue;
    bool from_drill = false;
    for (const auto& address : addresses_of(incident)) {
      from_drill = from_drill || std::any_of(drill.sources.begin(), drill.sources.end(),
                                             [&](const Cidr& range) { return range.contains(address); });
    }
    if (!from_drill) continue;
    incident.drill = true;
    incident.timeline.push_back({now, std::string(kPolicyActor),
                                 "tagged drill: inside drill window " + drill.name + "; not reported to layer 4"});
    break;
  }
  if (!incident.drill && serious(incident, policy.reporting)) {
    start_report_clock(incident, policy.reporting, incident.first_seen);
  }
}

bool apply_policy(Incident& incident, const IncidentPolicy& policy, Timestamp now) {
  bool changed = false;
  if (incident.is_open() && incident.layer < 2) {
    std::string reason;
    const Duration deadline = policy.layers.ack_deadline[static_cast<size_t>(incident.severity)];
    if (incident.severity >= policy.layers.escalate_severity) {
      reason = "severity " + std::string(to_string(incident.severity)) + " goes to layer 2 at once";
    } else if (incident.state == IncidentState::new_ && !incident.acknowledged_at &&
               now >= incident.first_seen + deadline) {
      reason = "not acknowledged within " + format_deadline(deadline) + " (" +
               std::string(to_string(incident.severity)) + ")";
    }
    if (!reason.empty()) if (escalate(incident, 2, reason, kPolicyActor, now)) changed = true;
  }
  // A person raised the severity or changed the category: the incident became serious now.
  if (!incident.drill && !incident.report_required && serious(incident, policy.reporting)) {
    start_report_clock(incident, policy.reporting, now);
    incident.timeline.push_back({now, std::string(kPolicyActor), "layer-4 report required from now"});
    changed = true;
  }
  if (incident.report_required && !incident.drill) {
    ReportClock& clock = incident.report;
    if (!clock.initial_sent && !clock.initial_overdue && now > clock.initial_due) {
      clock.initial_overdue = true;
      incident.timeline.push_back({now, std::string(kPolicyActor), "layer-4 initial notice overdue (due " +
                                                                         format_timestamp(clock.initial_due) + ")"});
      changed = true;
    }
    if (!clock.full_sent && !clock.full_overdue && now > clock.full_due) {
      clock.full_overdue = true;
      incident.timeline.push_back(
          {now, std::string(kPolicyActor), "layer-4 full report overdue (due " + format_timestamp(clock.full_due) + ")"});
      changed = true;
    }
  }
  return changed;
}

}  // namespace vigil::correlator
