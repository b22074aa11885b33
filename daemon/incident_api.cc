#include "incident_api.h"

#include "control_api.h"
#include "json_params.h"
#include "vigil/core/eve_json.h"
#include "vigil/correlator/incident_actions.h"

namespace vigil::daemon {

using nlohmann::json;
// The params readers: each bad parameter becomes one kInvalidParams reply.
using rpc_params::BadParams;
using rpc_params::field;
using rpc_params::opt_string;
using rpc_params::opt_int;
using rpc_params::opt_bool;
using rpc_params::must;

namespace {

constexpr int64_t kMaxPage = 1000;

Timestamp opt_time(const json& params, const char* name, Timestamp fallback) {
  auto text = opt_string(params, name);
  return text ? must(parse_timestamp(*text), name) : fallback;
}

// "state": one state name or an array of them; "open" stands for every state not yet resolved or closed.
void read_states(const json& params, IncidentQuery& query) {
  const json& v = field(params, "state");
  if (v.is_null()) return;
  std::vector<std::string> names;
  if (v.is_string()) {
    names.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const json& item : v) {
      if (!item.is_string()) throw BadParams{"'state' must be a state name or an array of them"};
      names.push_back(item.get<std::string>());
    }
  } else {
    throw BadParams{"'state' must be a state name or an array of them"};
  }
  for (const std::string& name : names) {
    if (name == "open") {
      using enum IncidentState;
      query.states.insert(query.states.end(), {new_, acknowledged, investigating, contained});
    } else {
      query.states.push_back(must(parse_incident_state(name), "state"));
    }
  }
}

IncidentSort read_sort(const std::string& name) {
  if (name == "first_seen") return IncidentSort::first_seen;
  if (name == "last_seen") return IncidentSort::last_seen;
  if (name == "severity") return IncidentSort::severity;
  if (name == "layer") return IncidentSort::layer;
  throw BadParams{"'sort' must be first_seen, last_seen, severity or layer"};
}

json list_incidents(storage::RocksStore& store, const json& params) {
  IncidentQuery query;
  query.limit = static_cast<size_t>(opt_int(params, "limit", 1, kMaxPage).value_or(50));
  query.cursor = opt_string(params, "cursor").value_or("");
  read_states(params, query);
  query.open_only = opt_bool(params, "open_only");
  if (auto severity = opt_string(params, "severity")) query.severity = must(parse_severity(*severity), "severity");
  if (auto severity = opt_string(params, "min_severity")) {
    query.min_severity = must(parse_severity(*severity), "min_severity");
  }
  if (auto layer = opt_int(params, "layer", 1, 4)) query.layer = static_cast<int>(*layer);
  query.assignee = opt_string(params, "assignee");
  query.agency = opt_string(params, "agency");
  query.zone = opt_string(params, "zone");
  query.rule_id = opt_string(params, "rule");
  query.text = opt_string(params, "text").value_or("");
  query.from = opt_time(params, "since", INT64_MIN);
  query.until = opt_time(params, "until", INT64_MAX);
  if (auto sort = opt_string(params, "sort")) query.sort = read_sort(*sort);
  query.ascending = opt_bool(params, "ascending");
  auto page = store.list_page(query);
  if (!page) throw page.error();
  json incidents = json::array();
  for (const Incident& incident : page->incidents) incidents.push_back(json::parse(to_json(incident)));
  return {{"incidents", std::move(incidents)}, {"next_cursor", page->next_cursor}};
}

json list_alerts(storage::RocksStore& store, const json& params) {
  EventQuery query;
  query.type = EventType::alert;
  query.limit = static_cast<size_t>(opt_int(params, "limit", 1, kMaxPage).value_or(50));
  query.cursor = opt_string(params, "cursor").value_or("");
  query.from = opt_time(params, "since", INT64_MIN);
  query.until = opt_time(params, "until", INT64_MAX);
  if (auto src = opt_string(params, "src")) query.src = must(Cidr::parse(*src), "src");
  if (auto dst = opt_string(params, "dst")) query.dst = must(Cidr::parse(*dst), "dst");
  if (auto sid = opt_int(params, "sid", 1, UINT32_MAX)) query.signature_id = static_cast<uint32_t>(*sid);
  if (auto severity = opt_int(params, "severity", 1, 4)) query.severity = static_cast<int>(*severity);
  query.sensor = opt_string(params, "sensor");
  query.zone = opt_string(params, "zone");
  query.incident_id = opt_string(params, "incident_id");
  query.text = opt_string(params, "text").value_or("");
  query.newest_first = !opt_bool(params, "oldest_first");
  auto page = store.query_page(query);
  if (!page) throw page.error();
  json alerts = json::array();
  for (const Event& event : page->events) alerts.push_back(json::parse(to_eve_json(event)));
  return {{"alerts", std::move(alerts)}, {"next_cursor", page->next_cursor}};
}

// The incident's referenced events, oldest first, from `offset`, at most `limit`; a reference whose
// event retention already removed is counted, not an error.
std::string incident_events(storage::RocksStore& store, const json& params, const json& id) {
  const auto incident_id = opt_string(params, "id");
  if (!incident_id) throw BadParams{"'id' is required"};
  const size_t limit = static_cast<size_t>(opt_int(params, "limit", 1, kMaxPage).value_or(50));
  const size_t offset = static_cast<size_t>(opt_int(params, "offset", 0, INT64_MAX).value_or(0));
  auto stored = store.get(*incident_id);
  if (!stored) throw stored.error();
  if (!*stored) return ControlApi::error_line(id, rpc_error::kNotFound, "no incident " + *incident_id);
  const Incident& incident = **stored;
  json events = json::array();
  size_t missing = 0;
  for (size_t i = offset; i < incident.events.size() && events.size() < limit; ++i) {
    auto event = store.event_at(incident.events[i]);
    if (!event) throw event.error();
    if (!*event) {
      ++missing;
      continue;
    }
    events.push_back(json::parse(to_eve_json(**event)));
  }
  return ControlApi::result_line(id, {{"id", incident.id},
                                      {"events", std::move(events)},
                                      {"references", incident.events.size()},
                                      {"event_count", incident.event_count},
                                      {"missing", missing}});
}

}  // namespace

bool is_incident_read_method(std::string_view method) {
  return method == "incidents.list" || method == "incidents.events" || method == "alerts.list";
}

std::string handle_incident_read(storage::RocksStore& store, const std::string& method, const json& params,
                                 const json& id) {
  try {
    if (method == "incidents.list") return ControlApi::result_line(id, list_incidents(store, params));
    if (method == "alerts.list") return ControlApi::result_line(id, list_alerts(store, params));
    return incident_events(store, params, id);
  } catch (const BadParams& bad) {
    return ControlApi::error_line(id, rpc_error::kInvalidParams, bad.message);
  } catch (const Error& error) {
    return ControlApi::error_line(id, error.code == ErrorCode::invalid_argument ? rpc_error::kInvalidParams
                                                                                 : rpc_error::kFailed,
                                  error.message);
  }
}

Result<void> add_note_param(Incident& incident, const json& params, std::string_view actor, Timestamp now) {
  const json& note = field(params, "note");
  if (note.is_null()) return ok();
  if (!note.is_string()) return fail(ErrorCode::invalid_argument, "'note' must be a string");
  if (note.get<std::string>().empty()) return ok();
  return correlator::add_note(incident, note.get<std::string>(), actor, now);
}

}  // namespace vigil::daemon
