#include "report_api.h"

#include <algorithm>
#include <map>
#include <optional>

#include "jsonrpc.h"
#include "forwarding.h"
#include "vigil/correlator/stix_outbox.h"

namespace vigil::daemon {

using nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

namespace {

constexpr size_t kScanPage = 1000;
// The STIX identity when no outbox names the organisation (ForwarderConfig's default).
constexpr const char* kDefaultOrganisation = "vigil";

// A request the caller got wrong (kInvalidParams) or one the incident refuses (kRefused, kNotFound...).
struct Problem {
  int code;
  std::string message;
};

std::optional<std::string> opt_text(const json& params, const char* name) {
  if (!params.is_object() || !params.contains(name) || params[name].is_null()) return std::nullopt;
  if (!params[name].is_string()) throw Problem{rpc_error::kInvalidParams, std::string("'") + name + "' must be a string"};
  return params[name].get<std::string>();
}

std::string report_kind(const json& params) {
  const auto kind = opt_text(params, "kind");
  if (!kind || (*kind != "initial" && *kind != "full" && *kind != "final")) {
    throw Problem{rpc_error::kInvalidParams, "'kind' must be \"initial\", \"full\" or \"final\""};
  }
  return *kind;
}

json time_or_null(const std::optional<Timestamp>& t) { return t ? json(format_timestamp(*t)) : json(); }

std::optional<Timestamp> final_sent(const Incident& incident) {
  for (const auto& entry : incident.timeline) {
    if (entry.what.starts_with(kFinalReportSent)) return entry.time;
  }
  return std::nullopt;
}

Incident load_incident(storage::RocksStore& store, const json& params) {
  const auto incident_id = opt_text(params, "id");
  if (!incident_id || incident_id->empty()) throw Problem{rpc_error::kInvalidParams, "'id' is required"};
  auto stored = store.get(*incident_id);
  if (!stored) throw Problem{rpc_error::kFailed, stored.error().message};
  if (!*stored) throw Problem{rpc_error::kNotFound, "no incident " + *incident_id};
  return std::move(**stored);
}

// --- reports.due ---

json due_entry(const Incident& incident, const char* kind, Timestamp due, Timestamp now) {
  return {{"id", incident.id},
          {"kind", kind},
          {"due", format_timestamp(due)},
          {"overdue", due < now},
          {"seconds_left", (due - now) / 1'000'000},
          {"detected_at", format_timestamp(incident.report.detected_at)},
          {"title", incident.title},
          {"severity", std::string(to_string(incident.severity))},
          {"category", incident.category},
          {"state", std::string(to_string(incident.state))},
          {"layer", incident.layer}};
}

json reports_due(storage::RocksStore& store, const json& params, Timestamp now) {
  std::optional<Timestamp> until;
  if (const auto within = opt_text(params, "within")) {
    auto span = parse_duration(*within);
    if (!span) throw Problem{rpc_error::kInvalidParams, "'within': " + span.error().message};
    until = now + *span;
  }
  std::vector<std::pair<Timestamp, json>> due;
  IncidentQuery query;
  query.limit = kScanPage;
  do {
    auto page = store.list_page(query);
    if (!page) throw Problem{rpc_error::kFailed, page.error().message};
    for (const Incident& incident : page->incidents) {
      if (!correlator::needs_layer4_report(incident)) continue;  // drills and incidents that are not serious
      const ReportClock& clock = incident.report;
      if (!clock.initial_sent && (!until || clock.initial_due <= *until)) {
        due.emplace_back(clock.initial_due, due_entry(incident, "initial", clock.initial_due, now));
      }
      if (!clock.full_sent && (!until || clock.full_due <= *until)) {
        due.emplace_back(clock.full_due, due_entry(incident, "full", clock.full_due, now));
      }
    }
    query.cursor = page->next_cursor;
  } while (!query.cursor.empty());
  std::stable_sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json reports = json::array();
  size_t overdue = 0;
  for (auto& [when, entry] : due) {
    overdue += entry["overdue"].get<bool>() ? 1 : 0;
    reports.push_back(std::move(entry));
  }
  return {{"now", format_timestamp(now)},
          {"until", until ? json(format_timestamp(*until)) : json()},
          {"overdue", overdue},
          {"reports", std::move(reports)}};
}

// --- reports.form ---

// The incident's own systems: the policy's assets among its IP observables (an attacker's address matches
// none). Without a policy, the agencies and protection level the correlator recorded at raise.
json affected_systems(const Incident& incident, const correlator::IncidentPolicy* policy) {
  std::map<std::string, json> systems;  // by asset name, in name order
  if (policy != nullptr) {
    for (const Observable& observable : incident.observables) {
      if (observable.type != "ip") continue;
      auto address = IpAddress::parse(observable.value);
      if (!address) continue;
      const correlator::Asset* asset = policy->find_asset(*address);
      if (asset == nullptr) continue;
      json& system = systems[asset->name];
      if (system.is_null()) {
        system = {{"name", asset->name},
                  {"agency", asset->agency},
                  {"zone", asset->zone},
                  {"protection_level", asset->protection_level},
                  {"addresses", json::array()}};
      }
      system["addresses"].push_back(observable.value);
    }
  }
  json out = json::array();
  for (auto& [name, system] : systems) out.push_back(std::move(system));
  return out;
}

json report_form(const Incident& incident, const std::string& kind, const std::optional<std::string>& organisation,
                 const correlator::IncidentPolicy* policy, const json& params) {
  json actions = json::array();
  for (const auto& entry : incident.timeline) {
    // The correlator's own entries say what was detected, not what anyone did about it.
    if (entry.actor == "correlator") continue;
    actions.push_back({{"time", format_timestamp(entry.time)}, {"actor", entry.actor}, {"what", entry.what}});
  }
  json observables = json::array();
  for (const auto& o : incident.observables) observables.push_back({{"type", o.type}, {"value", o.value}});
  const ReportClock& clock = incident.report;
  const Timestamp detected = incident.report_required ? clock.detected_at : incident.first_seen;
  const auto impact = opt_text(params, "impact");
  const auto help = opt_text(params, "help_requested");
  return {{"kind", kind},
          {"incident_id", incident.id},
          {"title", incident.title},
          {"reporting_organisation", organisation ? json(*organisation) : json()},
          {"affected_systems", affected_systems(incident, policy)},
          {"agencies", incident.agencies},
          {"protection_level", incident.protection_level},
          {"category", incident.category},
          {"severity", std::string(to_string(incident.severity))},
          {"detected_at", format_timestamp(detected)},
          {"first_seen", format_timestamp(incident.first_seen)},
          {"last_seen", format_timestamp(incident.last_seen)},
          {"event_count", incident.event_count},
          {"impact", impact ? json(*impact) : json()},
          {"actions_taken", std::move(actions)},
          {"help_requested", help ? json(*help) : json()},
          {"state", std::string(to_string(incident.state))},
          {"resolution", std::string(to_string(incident.resolution))},
          {"layer", incident.layer},
          {"tlp", incident.tlp},
          {"observables", std::move(observables)},
          {"drill", incident.drill},
          {"report_required", incident.report_required},
          {"report_clock",
           {{"initial_due", incident.report_required ? json(format_timestamp(clock.initial_due)) : json()},
            {"full_due", incident.report_required ? json(format_timestamp(clock.full_due)) : json()},
            {"initial_sent", time_or_null(clock.initial_sent)},
            {"full_sent", time_or_null(clock.full_sent)},
            {"final_sent", time_or_null(final_sent(incident))},
            {"receipts", clock.receipts}}}};
}

// The outbox's bundle (format_stix_bundle) with what the form adds on the incident object, under a bundle
// id of its own per kind, so the centre can tell the notice, the full and the final report apart.
std::string report_bundle(const Incident& incident, const json& form, const std::string& organisation) {
  OrderedJson bundle = OrderedJson::parse(correlator::format_stix_bundle(incident, organisation));
  std::string modified;
  for (auto& object : bundle["objects"]) {
    if (object["type"] != "incident") continue;
    modified = object.value("modified", "");
    object["x_vigil_report_kind"] = form.at("kind").get<std::string>();
    object["x_vigil_protection_level"] = incident.protection_level;
    OrderedJson systems = OrderedJson::array();
    for (const auto& system : form.at("affected_systems")) systems.push_back(system.at("name").get<std::string>());
    object["x_vigil_affected_systems"] = std::move(systems);
    object["x_vigil_impact"] = OrderedJson::parse(form.at("impact").dump());
    object["x_vigil_help_requested"] = OrderedJson::parse(form.at("help_requested").dump());
    OrderedJson actions = OrderedJson::array();
    for (const auto& action : form.at("actions_taken")) {
      actions.push_back(action.at("time").get<std::string>() + " " + action.at("actor").get<std::string>() + ": " +
                        action.at("what").get<std::string>());
    }
    object["x_vigil_actions_taken"] = std::move(actions);
  }
  bundle["id"] = "bundle--" + correlator::stix_name_uuid("bundle|" + incident.id + "|" +
                                                        form.at("kind").get<std::string>() + "|" + modified);
  return bundle.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

// Why this report cannot be sent now; nullopt when it can.
std::optional<std::string> send_refusal(const Incident& incident, const std::string& kind) {
  if (incident.drill) {
    return "incident " + incident.id + " is a drill (inside a drill/pentest window): drills are never reported to layer 4";
  }
  if (!incident.report_required) {
    return "incident " + incident.id + " needs no layer-4 report: it is not serious under the reporting policy "
           "(reporting.severity, reporting.categories)";
  }
  const ReportClock& clock = incident.report;
  auto already = [&](const char* what, Timestamp at) {
    return "incident " + incident.id + ": the " + what + " was already sent, at " + format_timestamp(at);
  };
  if (kind == "initial" && clock.initial_sent) return already("initial notice", *clock.initial_sent);
  if (kind == "full" && clock.full_sent) return already("full report", *clock.full_sent);
  if (kind == "final") {
    if (auto sent = final_sent(incident)) return already("final report", *sent);
    if (incident.is_open()) {
      return "incident " + incident.id + " is still " + std::string(to_string(incident.state)) +
             ": the final report follows its resolution (vigil incidents resolve)";
    }
  }
  return std::nullopt;
}

std::string send_report(const ReportApiContext& context, const json& params, const json& id) {
  const std::string kind = report_kind(params);
  const Incident incident = load_incident(context.store, params);
  if (auto refusal = send_refusal(incident, kind)) {
    context.audit(params, "refused: " + *refusal);
    return error_line(id, rpc_error::kRefused, *refusal);
  }
  const auto organisation = context.forwarding ? context.forwarding->report_organisation() : std::nullopt;
  if (!organisation) {
    const std::string why = "no layer-4 outbox is configured: add a forwarder of type stix_outbox to vigild's config";
    context.audit(params, "failed: " + why);
    return error_line(id, rpc_error::kFailed, why);
  }
  const json form = report_form(incident, kind, organisation, context.policy.get(), params);
  const std::string bundle = report_bundle(incident, form, *organisation);
  auto queued = context.forwarding->queue_report(bundle);
  if (!queued) {
    context.audit(params, "failed: " + queued.error().message);
    return error_line(id, rpc_error::kFailed, queued.error().message);
  }
  const json parsed = json::parse(bundle);
  const std::string bundle_id = parsed["id"];
  context.audit(params, "queued " + bundle_id + " on " + queued->forwarder);
  return result_line(id, {{"id", incident.id},
                          {"kind", kind},
                          {"queued", true},
                          {"forwarder", queued->forwarder},
                          {"bundle_id", bundle_id},
                          {"backlog", queued->backlog},
                          {"organisation", *organisation}});
}

}  // namespace

bool is_report_method(std::string_view method) {
  return method == "reports.due" || method == "reports.form" || method == "reports.send";
}

std::string handle_report(const ReportApiContext& context, const std::string& method, const json& params,
                          const json& id) {
  try {
    if (method == "reports.due") return result_line(id, reports_due(context.store, params, context.now));
    if (method == "reports.send") return send_report(context, params, id);
    // reports.form
    const std::string kind = report_kind(params);
    const Incident incident = load_incident(context.store, params);
    const auto organisation = context.forwarding ? context.forwarding->report_organisation() : std::nullopt;
    const json form = report_form(incident, kind, organisation, context.policy.get(), params);
    const json bundle = json::parse(report_bundle(incident, form, organisation.value_or(kDefaultOrganisation)));
    return result_line(id, {{"form", form}, {"stix", bundle}});
  } catch (const Problem& problem) {
    return error_line(id, problem.code, problem.message);
  }
}

}  // namespace vigil::daemon
