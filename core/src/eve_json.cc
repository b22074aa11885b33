#include "vigil/core/eve_json.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace vigil {

namespace {

using Json = nlohmann::ordered_json;

bool has_ports(uint8_t proto) { return proto == kProtoTcp || proto == kProtoUdp || proto == 132; }

// The app-layer protocols whose EVE object an event may carry: its key must never be one of the
// event's own fields.
bool is_app_layer_key(std::string_view key) { return key == "http" || key == "dns" || key == "tls" || key == "ssh"; }

// Suricata nests stats counters by their dotted names ("decoder.pkts" -> {"decoder": {"pkts": N}}).
void put_nested(Json& root, const std::string& dotted, uint64_t value) {
  Json* node = &root;
  size_t start = 0;
  for (size_t dot = dotted.find('.'); dot != std::string::npos; dot = dotted.find('.', start)) {
    node = &(*node)[dotted.substr(start, dot - start)];
    start = dot + 1;
  }
  (*node)[dotted.substr(start)] = value;
}

void flatten(const Json& node, const std::string& prefix, std::vector<std::pair<std::string, uint64_t>>& out) {
  for (const auto& [key, value] : node.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      flatten(value, name, out);
    } else if (value.is_number_unsigned() || value.is_number_integer()) {
      out.emplace_back(name, value.get<uint64_t>());
    }
  }
}

// A number read into an integer field must be a whole number that fits: events come from files and
// from remote sensors, and nlohmann's conversion of a float outside the target's range is undefined
// behaviour (found by fuzz/link_frame_fuzz.cc). Throws; callers turn it into a parse_error.
template <typename T>
T checked_integer(const Json& value) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw std::out_of_range("number out of range");
    return static_cast<T>(v);
  }
  if (value.is_number_integer()) {
    const auto v = value.get<int64_t>();
    if (v < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
      throw std::out_of_range("number out of range");
    }
    return static_cast<T>(v);
  }
  throw std::invalid_argument("not a whole number");
}

template <typename T>
T get_or(const Json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return checked_integer<T>(*it);
  } else {
    return it->get<T>();
  }
}

// An app record's object sits under its event type's name; an alert's under its `app_proto`.
std::optional<AppLayerInfo> app_layer_of(const Json& j, EventType type) {
  std::string proto = type == EventType::alert ? get_or<std::string>(j, "app_proto", "") : std::string(to_string(type));
  if (!is_app_layer_key(proto)) return std::nullopt;
  const auto it = j.find(proto);
  if (it == j.end() || !it->is_object()) return std::nullopt;
  return AppLayerInfo{std::move(proto), it->dump(-1, ' ', false, Json::error_handler_t::replace)};
}

Result<IpAddress> get_ip(const Json& j, const char* key) {
  return IpAddress::parse(j.at(key).get<std::string>());
}

Result<Timestamp> get_time(const Json& j, const char* key) {
  return parse_timestamp(j.at(key).get<std::string>());
}

// nlohmann throws on type mismatches; callers turn any throw into a parse_error.
Result<Event> event_from_json_unchecked(std::string_view text) {
  const Json j = Json::parse(text);
  if (!j.is_object()) return fail(ErrorCode::parse_error, "event JSON is not an object");
  Event event;
  auto type = parse_event_type(j.at("event_type").get<std::string>());
  if (!type) return fail(type.error());
  event.type = *type;
  auto ts = get_time(j, "timestamp");
  if (!ts) return fail(ts.error());
  event.timestamp = *ts;
  event.flow_id = get_or<uint64_t>(j, "flow_id", 0);
  if (j.contains("src_ip")) {
    auto ip = get_ip(j, "src_ip");
    if (!ip) return fail(ip.error());
    event.src_ip = *ip;
  }
  if (j.contains("dest_ip")) {
    auto ip = get_ip(j, "dest_ip");
    if (!ip) return fail(ip.error());
    event.dest_ip = *ip;
  }
  event.src_port = get_or<uint16_t>(j, "src_port", 0);
  event.dest_port = get_or<uint16_t>(j, "dest_port", 0);
  if (j.contains("proto")) {
    const auto& proto = j.at("proto");
    if (proto.is_number()) {
      event.proto = checked_integer<uint8_t>(proto);
    } else if (auto p = parse_proto_name(proto.get<std::string>())) {
      event.proto = *p;
    }
  }
  event.sensor = get_or<std::string>(j, "sensor", "");
  event.zone = get_or<std::string>(j, "zone", "");
  event.incident_id = get_or<std::string>(j, "incident_id", "");
  if (j.contains("payload")) {
    auto bytes = base64_decode(j.at("payload").get<std::string>());
    if (!bytes) return fail(bytes.error().with_context("payload"));
    event.payload = std::move(*bytes);
  }
  if (const auto it = j.find("alert"); it != j.end()) {
    AlertInfo alert;
    alert.action = get_or<std::string>(*it, "action", "allowed");
    alert.gid = get_or<uint32_t>(*it, "gid", 1);
    alert.signature_id = get_or<uint32_t>(*it, "signature_id", 0);
    alert.rev = get_or<uint32_t>(*it, "rev", 0);
    alert.signature = get_or<std::string>(*it, "signature", "");
    alert.category = get_or<std::string>(*it, "category", "");
    alert.severity = get_or<int>(*it, "severity", 3);
    event.alert = std::move(alert);
  }
  if (const auto it = j.find("flow"); it != j.end()) {
    FlowInfo flow;
    flow.pkts_toserver = get_or<uint64_t>(*it, "pkts_toserver", 0);
    flow.pkts_toclient = get_or<uint64_t>(*it, "pkts_toclient", 0);
    flow.bytes_toserver = get_or<uint64_t>(*it, "bytes_toserver", 0);
    flow.bytes_toclient = get_or<uint64_t>(*it, "bytes_toclient", 0);
    if (it->contains("start")) {
      auto start = get_time(*it, "start");
      if (!start) return fail(start.error());
      flow.start = *start;
    }
    if (it->contains("end")) {
      auto end = get_time(*it, "end");
      if (!end) return fail(end.error());
      flow.end = *end;
    }
    flow.state = get_or<std::string>(*it, "state", "");
    flow.reason = get_or<std::string>(*it, "reason", "");
    flow.alerted = get_or<bool>(*it, "alerted", false);
    event.flow = std::move(flow);
  }
  if (const auto it = j.find("anomaly"); it != j.end()) {
    event.anomaly = AnomalyInfo{get_or<std::string>(*it, "type", ""), get_or<std::string>(*it, "event", "")};
  }
  if (const auto it = j.find("stats"); it != j.end()) {
    StatsInfo stats;
    flatten(*it, "", stats.counters);
    event.stats = std::move(stats);
  }
  event.app = app_layer_of(j, event.type);
  return event;
}

Json timeline_json(const TimelineEntry& entry) {
  return Json{{"time", format_timestamp(entry.time)}, {"actor", entry.actor}, {"what", entry.what}};
}

Result<Incident> incident_from_json_unchecked(std::string_view text) {
  const Json j = Json::parse(text);
  if (!j.is_object()) return fail(ErrorCode::parse_error, "incident JSON is not an object");
  Incident incident;
  incident.id = j.at("id").get<std::string>();
  incident.title = get_or<std::string>(j, "title", "");
  auto severity = parse_severity(j.at("severity").get<std::string>());
  if (!severity) return fail(severity.error());
  incident.severity = *severity;
  auto state = parse_incident_state(j.at("state").get<std::string>());
  if (!state) return fail(state.error());
  incident.state = *state;
  auto resolution = parse_resolution(get_or<std::string>(j, "resolution", "none"));
  if (!resolution) return fail(resolution.error());
  incident.resolution = *resolution;
  incident.layer = get_or<int>(j, "layer", 1);
  incident.assignee = get_or<std::string>(j, "assignee", "");
  incident.rule_id = get_or<std::string>(j, "rule_id", "");
  incident.group_key = get_or<std::string>(j, "group_key", "");
  auto first = get_time(j, "first_seen");
  auto last = get_time(j, "last_seen");
  if (!first) return fail(first.error());
  if (!last) return fail(last.error());
  incident.first_seen = *first;
  incident.last_seen = *last;
  incident.event_count = get_or<uint64_t>(j, "event_count", 0);
  for (const auto& ref : j.value("events", Json::array())) {
    incident.events.push_back({ref.at(0).get<Timestamp>(), ref.at(1).get<uint64_t>()});
  }
  for (const auto& obs : j.value("observables", Json::array())) {
    incident.observables.push_back({obs.at("type").get<std::string>(), obs.at("value").get<std::string>()});
  }
  incident.tlp = get_or<std::string>(j, "tlp", "amber");
  for (const auto& entry : j.value("timeline", Json::array())) {
    auto time = get_time(entry, "time");
    if (!time) return fail(time.error());
    incident.timeline.push_back({*time, entry.at("actor").get<std::string>(), entry.at("what").get<std::string>()});
  }
  if (const auto it = j.find("report"); it != j.end()) {
    auto& report = incident.report;
    for (auto [key, field] : {std::pair{"detected_at", &report.detected_at}, std::pair{"initial_due", &report.initial_due},
                              std::pair{"full_due", &report.full_due}}) {
      if (!it->contains(key)) continue;
      auto time = get_time(*it, key);
      if (!time) return fail(time.error());
      *field = *time;
    }
    for (auto [key, field] : {std::pair{"initial_sent", &report.initial_sent}, std::pair{"full_sent", &report.full_sent}}) {
      if (!it->contains(key) || it->at(key).is_null()) continue;
      auto time = get_time(*it, key);
      if (!time) return fail(time.error());
      *field = *time;
    }
    report.receipts = it->value("receipts", std::vector<std::string>{});
    report.initial_overdue = it->value("initial_overdue", false);
    report.full_overdue = it->value("full_overdue", false);
  }
  // Fields added with the 4-layer policy: records written before them decode with the defaults.
  incident.category = get_or<std::string>(j, "category", "other");
  incident.agencies = j.value("agencies", std::vector<std::string>{});
  incident.protection_level = get_or<int>(j, "protection_level", 0);
  incident.drill = j.value("drill", false);
  incident.report_required = j.value("report_required", false);
  for (auto [key, field] : {std::pair{"acknowledged_at", &incident.acknowledged_at},
                            std::pair{"escalated_at", &incident.escalated_at}}) {
    if (!j.contains(key) || j.at(key).is_null()) continue;
    auto time = get_time(j, key);
    if (!time) return fail(time.error());
    *field = *time;
  }
  return incident;
}

}  // namespace

std::string to_eve_json(const Event& event) {
  Json j;
  j["timestamp"] = format_timestamp(event.timestamp);
  if (event.flow_id != 0) j["flow_id"] = event.flow_id;
  if (!event.sensor.empty()) j["sensor"] = event.sensor;
  if (!event.zone.empty()) j["zone"] = event.zone;
  j["event_type"] = to_string(event.type);
  if (event.src_ip) j["src_ip"] = event.src_ip->to_string();
  if (event.src_ip && has_ports(event.proto)) j["src_port"] = event.src_port;
  if (event.dest_ip) j["dest_ip"] = event.dest_ip->to_string();
  if (event.dest_ip && has_ports(event.proto)) j["dest_port"] = event.dest_port;
  if (event.proto != 0) j["proto"] = proto_name(event.proto);
  if (!event.incident_id.empty()) j["incident_id"] = event.incident_id;
  if (event.alert) {
    const AlertInfo& a = *event.alert;
    j["alert"] = Json{{"action", a.action},       {"gid", a.gid},
                      {"signature_id", a.signature_id}, {"rev", a.rev},
                      {"signature", a.signature}, {"category", a.category},
                      {"severity", a.severity}};
  }
  if (event.app && is_app_layer_key(event.app->proto)) {
    // Written by this codec or checked by it on the way in; a record that still fails to parse
    // (a damaged store) loses its app context, not the event.
    Json object = Json::parse(event.app->json, nullptr, false);
    if (object.is_object()) {
      j[event.app->proto] = std::move(object);
      if (event.type == EventType::alert) j["app_proto"] = event.app->proto;
    }
  }
  if (event.flow) {
    const FlowInfo& f = *event.flow;
    j["flow"] = Json{{"pkts_toserver", f.pkts_toserver},
                     {"pkts_toclient", f.pkts_toclient},
                     {"bytes_toserver", f.bytes_toserver},
                     {"bytes_toclient", f.bytes_toclient},
                     {"start", format_timestamp(f.start)},
                     {"end", format_timestamp(f.end)},
                     {"age", (f.end - f.start) / kMicrosPerSecond},
                     {"state", f.state},
                     {"reason", f.reason},
                     {"alerted", f.alerted}};
  }
  if (event.anomaly) j["anomaly"] = Json{{"type", event.anomaly->type}, {"event", event.anomaly->event}};
  if (event.stats) {
    Json stats = Json::object();
    for (const auto& [name, value] : event.stats->counters) put_nested(stats, name, value);
    j["stats"] = std::move(stats);
  }
  if (event.type == EventType::alert) {
    j["payload"] = base64_encode(event.payload);
    j["payload_printable"] = printable_payload(event.payload);
  }
  // Payload bytes are arbitrary; replace invalid UTF-8 rather than throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Event> event_from_json(std::string_view json) {
  try {
    return event_from_json_unchecked(json);
  } catch (const std::exception& e) {
    return fail(ErrorCode::parse_error, std::string("bad event JSON: ") + e.what());
  }
}

std::string to_json(const Incident& incident) {
  Json j;
  j["id"] = incident.id;
  j["title"] = incident.title;
  j["severity"] = to_string(incident.severity);
  j["state"] = to_string(incident.state);
  j["resolution"] = to_string(incident.resolution);
  j["layer"] = incident.layer;
  j["assignee"] = incident.assignee;
  j["rule_id"] = incident.rule_id;
  j["group_key"] = incident.group_key;
  j["first_seen"] = format_timestamp(incident.first_seen);
  j["last_seen"] = format_timestamp(incident.last_seen);
  j["event_count"] = incident.event_count;
  Json events = Json::array();
  for (const EventRef& ref : incident.events) events.push_back(Json::array({ref.timestamp, ref.seq}));
  j["events"] = std::move(events);
  Json observables = Json::array();
  for (const Observable& obs : incident.observables) observables.push_back({{"type", obs.type}, {"value", obs.value}});
  j["observables"] = std::move(observables);
  j["tlp"] = incident.tlp;
  Json timeline = Json::array();
  for (const TimelineEntry& entry : incident.timeline) timeline.push_back(timeline_json(entry));
  j["timeline"] = std::move(timeline);
  const ReportClock& r = incident.report;
  Json report{{"detected_at", format_timestamp(r.detected_at)},
              {"initial_due", format_timestamp(r.initial_due)},
              {"full_due", format_timestamp(r.full_due)}};
  report["initial_sent"] = r.initial_sent ? Json(format_timestamp(*r.initial_sent)) : Json(nullptr);
  report["full_sent"] = r.full_sent ? Json(format_timestamp(*r.full_sent)) : Json(nullptr);
  report["receipts"] = r.receipts;
  report["initial_overdue"] = r.initial_overdue;
  report["full_overdue"] = r.full_overdue;
  j["report"] = std::move(report);
  j["category"] = incident.category;
  j["agencies"] = incident.agencies;
  j["protection_level"] = incident.protection_level;
  j["drill"] = incident.drill;
  j["report_required"] = incident.report_required;
  j["acknowledged_at"] = incident.acknowledged_at ? Json(format_timestamp(*incident.acknowledged_at)) : Json(nullptr);
  j["escalated_at"] = incident.escalated_at ? Json(format_timestamp(*incident.escalated_at)) : Json(nullptr);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Incident> incident_from_json(std::string_view json) {
  try {
    return incident_from_json_unchecked(json);
  } catch (const std::exception& e) {
    return fail(ErrorCode::parse_error, std::string("bad incident JSON: ") + e.what());
  }
}

}  // namespace vigil
