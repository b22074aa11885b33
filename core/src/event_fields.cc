#include "vigil/core/event_fields.h"

#include <nlohmann/json.hpp>

namespace vigil {

namespace {

FieldValue text_value(std::string text) { return FieldValue{std::move(text), std::nullopt, std::nullopt}; }
FieldValue number_value(double number, std::string text) { return FieldValue{std::move(text), number, std::nullopt}; }
FieldValue number_value(uint64_t number) {
  return number_value(static_cast<double>(number), std::to_string(number));
}
FieldValue ip_value(const IpAddress& ip) { return FieldValue{ip.to_string(), std::nullopt, ip}; }

std::optional<FieldValue> alert_field(const AlertInfo& a, std::string_view name) {
  if (name == "signature_id" || name == "sid") return number_value(a.signature_id);
  if (name == "gid") return number_value(a.gid);
  if (name == "rev") return number_value(a.rev);
  if (name == "severity") return number_value(static_cast<uint64_t>(a.severity));
  if (name == "signature") return text_value(a.signature);
  if (name == "category") return text_value(a.category);
  if (name == "action") return text_value(a.action);
  return std::nullopt;
}

std::optional<FieldValue> flow_field(const FlowInfo& f, std::string_view name) {
  if (name == "pkts_toserver") return number_value(f.pkts_toserver);
  if (name == "pkts_toclient") return number_value(f.pkts_toclient);
  if (name == "bytes_toserver") return number_value(f.bytes_toserver);
  if (name == "bytes_toclient") return number_value(f.bytes_toclient);
  if (name == "age") return number_value(static_cast<uint64_t>(f.end > f.start ? (f.end - f.start) / kMicrosPerSecond : 0));
  if (name == "state") return text_value(f.state);
  if (name == "reason") return text_value(f.reason);
  if (name == "alerted") return text_value(f.alerted ? "true" : "false");
  return std::nullopt;
}

// "hostname", "ja3.hash": a scalar inside the app-layer object, found by its dotted path.
std::optional<FieldValue> app_field(const AppLayerInfo& app, std::string_view path) {
  const nlohmann::json object = nlohmann::json::parse(app.json, nullptr, false);
  const nlohmann::json* node = &object;
  for (size_t start = 0;;) {
    const size_t dot = path.find('.', start);
    if (!node->is_object()) return std::nullopt;
    const auto it = node->find(std::string(path.substr(start, dot - start)));
    if (it == node->end()) return std::nullopt;
    node = &*it;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (node->is_string()) return text_value(node->get<std::string>());
  if (node->is_number()) return number_value(node->get<double>(), node->dump());
  if (node->is_boolean()) return text_value(node->get<bool>() ? "true" : "false");
  return std::nullopt;  // an object or list: not one value
}

}  // namespace

std::optional<FieldValue> event_field(const Event& event, std::string_view name) {
  if (name == "event_type") return text_value(std::string(to_string(event.type)));
  if (name == "src_ip") return event.src_ip ? std::optional(ip_value(*event.src_ip)) : std::nullopt;
  if (name == "dest_ip") return event.dest_ip ? std::optional(ip_value(*event.dest_ip)) : std::nullopt;
  if (name == "src_port") return number_value(event.src_port);
  if (name == "dest_port") return number_value(event.dest_port);
  if (name == "proto") return text_value(proto_name(event.proto));
  if (name == "flow_id") return number_value(event.flow_id);
  if (name == "sensor") return text_value(event.sensor);
  if (name == "zone") return text_value(event.zone);
  if (name == "incident_id") return text_value(event.incident_id);
  if (name == "app_proto") return event.app ? std::optional(text_value(event.app->proto)) : std::nullopt;
  if (name == "timestamp") return number_value(static_cast<double>(event.timestamp), format_timestamp(event.timestamp));

  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view group = name.substr(0, dot);
  const std::string_view field = name.substr(dot + 1);
  if (group == "alert" && event.alert) return alert_field(*event.alert, field);
  if (group == "flow" && event.flow) return flow_field(*event.flow, field);
  if (group == "anomaly" && event.anomaly) {
    if (field == "type") return text_value(event.anomaly->type);
    if (field == "event") return text_value(event.anomaly->event);
  }
  if (event.app && group == event.app->proto) return app_field(*event.app, field);
  return std::nullopt;
}

}  // namespace vigil
