// What people (and the policy) do to an incident: lifecycle transitions, assignment, notes, escalation,
// TLP, observables. The daemon's control API calls these on a stored incident and writes it back; each
// change appends a timeline entry (actor, time, what). Pure functions over an Incident and a time: no
// store, no clock inside. A refused action returns an Error and leaves the incident unchanged.
// Thread contract: pure functions.
//
// Lifecycle new -> acknowledged -> investigating -> contained -> resolved -> closed; only these
// transitions, anything else is refused with the allowed ones named:
//
//   from           to
//   new            acknowledged, investigating, resolved   (a false positive can be resolved at once)
//   acknowledged   investigating, contained, resolved
//   investigating  contained, resolved
//   contained      investigating (containment failed), resolved
//   resolved       closed, investigating (reopen)
//   closed         nothing: final
//
// - resolving needs a resolution (true_positive, false_positive, benign); reopening clears it;
// - leaving `new` by any path sets acknowledged_at once (the acknowledgement deadline is met);
// - closed is final: only notes may still be added.
#pragma once

#include <string_view>
#include <vector>

#include "vigil/core/incident.h"
#include "vigil/core/result.h"
#include "vigil/core/time.h"

namespace vigil::correlator {

bool transition_allowed(IncidentState from, IncidentState to);
std::vector<IncidentState> allowed_transitions(IncidentState from);

// Moves the incident to `to`. `resolution` is required (not none) when `to` is resolved, refused otherwise.
Result<void> change_state(Incident& incident, IncidentState to, std::string_view actor, Timestamp now,
                          Resolution resolution = Resolution::none);
Result<void> acknowledge(Incident& incident, std::string_view actor, Timestamp now);
Result<void> resolve(Incident& incident, Resolution resolution, std::string_view actor, Timestamp now);
Result<void> close(Incident& incident, std::string_view actor, Timestamp now);
Result<void> reopen(Incident& incident, std::string_view reason, std::string_view actor, Timestamp now);

// "" unassigns.
Result<void> assign(Incident& incident, std::string_view assignee, std::string_view actor, Timestamp now);
Result<void> add_note(Incident& incident, std::string_view text, std::string_view actor, Timestamp now);
// Hands the incident to a higher layer (2 monitoring company, 3 assessor, 4 national centre); never down.
Result<void> escalate(Incident& incident, int layer, std::string_view reason, std::string_view actor, Timestamp now);
Result<void> set_severity(Incident& incident, Severity severity, std::string_view actor, Timestamp now);
// clear, white, green, amber, amber+strict, red ("TLP:" prefix and case ignored).
Result<void> set_tlp(Incident& incident, std::string_view tlp, std::string_view actor, Timestamp now);
// type ip (v4/v6), port (1-65535), domain, hash (hex MD5, SHA-1 or SHA-256), url. Values are normalised
// (lower-case domain and hash); adding one already present is not an error and changes nothing.
Result<void> add_observable(Incident& incident, Observable observable, std::string_view actor, Timestamp now);
// The layer-4 initial notice (full = false) or full report was delivered: sets initial_sent/full_sent once
// and keeps the receipt. Refused for an incident that needs no report.
Result<void> record_report_sent(Incident& incident, bool full, std::string_view receipt, std::string_view actor,
                                Timestamp now);

}  // namespace vigil::correlator
