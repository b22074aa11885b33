#include "vigil/correlator/incident_actions.h"

#include <algorithm>
#include <string>

#include "vigil/core/ip.h"

namespace vigil::correlator {

namespace {

using S = IncidentState;

Unexpected refused(std::string what) { return fail(ErrorCode::invalid_argument, std::move(what)); }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// Every action checks the same things first: someone did it, and a closed incident is final.
Result<void> check_actor(const Incident& incident, std::string_view actor, bool allowed_when_closed = false) {
  if (actor.empty()) return refused("incident " + incident.id + ": every change needs an actor");
  if (!allowed_when_closed && incident.state == S::closed) {
    return refused("incident " + incident.id + " is closed; only notes can be added");
  }
  return ok();
}

void record(Incident& incident, std::string_view actor, Timestamp now, std::string what) {
  incident.timeline.push_back({now, std::string(actor), std::move(what)});
}

std::string state_list(const std::vector<IncidentState>& states) {
  if (states.empty()) return "none: it is final";
  std::string out;
  for (auto state : states) out += (out.empty() ? "" : ", ") + std::string(to_string(state));
  return out;
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool valid_domain(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

bool transition_allowed(IncidentState from, IncidentState to) {
  switch (from) {
    case S::new_: return to == S::acknowledged || to == S::investigating || to == S::resolved;
    case S::acknowledged: return to == S::investigating || to == S::contained || to == S::resolved;
    case S::investigating: return to == S::contained || to == S::resolved;
    case S::contained: return to == S::investigating || to == S::resolved;
    case S::resolved: return to == S::closed || to == S::investigating;
    case S::closed: return false;
  }
  return false;
}

std::vector<IncidentState> allowed_transitions(IncidentState from) {
  std::vector<IncidentState> out;
  for (auto to : {S::new_, S::acknowledged, S::investigating, S::contained, S::resolved, S::closed}) {
    if (transition_allowed(from, to)) out.push_back(to);
  }
  return out;
}

Result<void> change_state(Incident& incident, IncidentState to, std::string_view actor, Timestamp now,
                          Resolution resolution) {
  if (actor.empty()) return refused("incident " + incident.id + ": every change needs an actor");
  if (!transition_allowed(incident.state, to)) {
    return refused("incident " + incident.id + " cannot go from " + std::string(to_string(incident.state)) + " to " +
                   std::string(to_string(to)) + " (allowed: " + state_list(allowed_transitions(incident.state)) + ")");
  }
  if (to == S::resolved && resolution == Resolution::none) {
    return refused("incident " + incident.id + ": resolving needs a resolution (true_positive, false_positive or benign)");
  }
  if (to != S::resolved && resolution != Resolution::none) {
    return refused("incident " + incident.id + ": a resolution is given only when resolving");
  }
  std::string what = "state " + std::string(to_string(incident.state)) + " -> " + std::string(to_string(to));
  if (to == S::resolved) what += " (" + std::string(to_string(resolution)) + ")";
  if (incident.state == S::resolved && to == S::investigating) {
    what += ", reopened; resolution " + std::string(to_string(incident.resolution)) + " cleared";
    incident.resolution = Resolution::none;
  }
  if (incident.state == S::new_ && !incident.acknowledged_at) incident.acknowledged_at = now;
  if (to == S::resolved) incident.resolution = resolution;
  incident.state = to;
  record(incident, actor, now, std::move(what));
  return ok();
}

Result<void> acknowledge(Incident& incident, std::string_view actor, Timestamp now) {
  return change_state(incident, S::acknowledged, actor, now);
}

Result<void> resolve(Incident& incident, Resolution resolution, std::string_view actor, Timestamp now) {
  return change_state(incident, S::resolved, actor, now, resolution);
}

Result<void> close(Incident& incident, std::string_view actor, Timestamp now) {
  return change_state(incident, S::closed, actor, now);
}

Result<void> reopen(Incident& incident, std::string_view reason, std::string_view actor, Timestamp now) {
  if (incident.state != S::resolved) {
    return refused("incident " + incident.id + " is " + std::string(to_string(incident.state)) +
                   "; only a resolved incident can be reopened");
  }
  if (auto changed = change_state(incident, S::investigating, actor, now); !changed) return changed;
  if (!reason.empty()) incident.timeline.back().what += ": " + std::string(reason);
  return ok();
}

Result<void> assign(Incident& incident, std::string_view assignee, std::string_view actor, Timestamp now) {
  if (auto checked = check_actor(incident, actor); !checked) return checked;
  if (assignee == incident.assignee) return ok();
  std::string what = assignee.empty() ? "unassigned (was " + incident.assignee + ")"
                                      : "assigned to " + std::string(assignee) +
                                            (incident.assignee.empty() ? "" : " (was " + incident.assignee + ")");
  incident.assignee = std::string(assignee);
  record(incident, actor, now, std::move(what));
  return ok();
}

Result<void> add_note(Incident& incident, std::string_view text, std::string_view actor, Timestamp now) {
  if (auto checked = check_actor(incident, actor, true); !checked) return checked;
  if (text.empty()) return refused("incident " + incident.id + ": an empty note");
  record(incident, actor, now, "note: " + std::string(text));
  return ok();
}

Result<void> escalate(Incident& incident, int layer, std::string_view reason, std::string_view actor, Timestamp now) {
  if (auto checked = check_actor(incident, actor); !checked) return checked;
  if (layer < 1 || layer > 4) return refused("incident " + incident.id + ": layer must be 1-4, got " + std::to_string(layer));
  if (layer <= incident.layer) {
    return refused("incident " + incident.id + " is already at layer " + std::to_string(incident.layer) +
                   "; escalation only moves up");
  }
  std::string what = "escalated from layer " + std::to_string(incident.layer) + " to layer " + std::to_string(layer);
  if (!reason.empty()) what += ": " + std::string(reason);
  incident.layer = layer;
  incident.escalated_at = now;
  record(incident, actor, now, std::move(what));
  return ok();
}

Result<void> set_severity(Incident& incident, Severity severity, std::string_view actor, Timestamp now) {
  if (auto checked = check_actor(incident, actor); !checked) return checked;
  if (severity == incident.severity) return ok();
  std::string what = "severity " + std::string(to_string(incident.severity)) + " -> " + std::string(to_string(severity));
  incident.severity = severity;
  record(incident, actor, now, std::move(what));
  return ok();
}

Result<void> set_tlp(Incident& incident, std::string_view tlp, std::string_view actor, Timestamp now) {
  if (auto checked = check_actor(incident, actor); !checked) return checked;
  std::string level = lower(tlp);
  if (level.starts_with("tlp:")) level.erase(0, 4);
  static constexpr std::string_view kLevels[] = {"clear", "white", "green", "amber", "amber+strict", "red"};
  if (std::find(std::begin(kLevels), std::end(kLevels), level) == std::end(kLevels)) {
    return refused("'" + std::string(tlp) + "' is not a TLP level (clear, white, green, amber, amber+strict, red)");
  }
  if (level == incident.tlp) return ok();
  std::string what = "TLP " + incident.tlp + " -> " + level;
  incident.tlp = level;
  record(incident, actor, now, std::move(what));
  return ok();
}

Result<void> add_observable(Incident& incident, Observable observable, std::string_view actor, Timestamp now) {
  if (auto checked = check_actor(incident, actor); !checked) return checked;
  observable.type = lower(observable.type);
  const std::string& type = observable.type;
  std::string& value = observable.value;
  if (type == "ip") {
    auto address = IpAddress::parse(value);
    if (!address) return refused("'" + value + "' is not an IP address");
    value = address->to_string();
  } else if (type == "port") {
    bool digits = !value.empty() && value.size() <= 5 &&
                  std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(value) < 1 || std::stoi(value) > 65535) return refused("'" + value + "' is not a port (1-65535)");
    value = std::to_string(std::stoi(value));
  } else if (type == "domain") {
    value = lower(value);
    if (!value.empty() && value.back() == '.') value.pop_back();
    if (!valid_domain(value)) return refused("'" + value + "' is not a domain name");
  } else if (type == "hash") {
    value = lower(value);
    if (!is_hex(value) || (value.size() != 32 && value.size() != 40 && value.size() != 64)) {
      return refused("'" + value + "' is not an MD5, SHA-1 or SHA-256 hash in hex");
    }
  } else if (type == "url") {
    if (value.find("://") == std::string::npos) return refused("'" + value + "' is not a URL");
  } else {
    return refused("unknown observable type '" + type + "' (ip, port, domain, hash, url)");
  }
  if (std::find(incident.observables.begin(), incident.observables.end(), observable) != incident.observables.end()) {
    return ok();
  }
  record(incident, actor, now, "observable added: " + type + " " + value);
  incident.observables.push_back(std::move(observable));
  return ok();
}

Result<void> record_report_sent(Incident& incident, bool full, std::string_view receipt, std::string_view actor,
                                Timestamp now) {
  if (actor.empty()) return refused("incident " + incident.id + ": every change needs an actor");
  if (!incident.report_required) return refused("incident " + incident.id + " needs no layer-4 report");
  auto& sent = full ? incident.report.full_sent : incident.report.initial_sent;
  const char* what = full ? "full report" : "initial notice";
  if (sent) return refused("incident " + incident.id + ": the " + what + " was already sent");
  sent = now;
  if (!receipt.empty()) incident.report.receipts.emplace_back(receipt);
  record(incident, actor, now, std::string("layer-4 ") + what + " sent" + (receipt.empty() ? "" : ", receipt " + std::string(receipt)));
  return ok();
}

}  // namespace vigil::correlator
