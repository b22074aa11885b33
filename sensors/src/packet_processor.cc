#include "vigil/sensors/packet_processor.h"

#include <algorithm>
#include <utility>

#include "app_layer_inspector.h"
#include "stream_inspector.h"
#include "vigil/core/event.h"

namespace vigil::sensors {

PacketProcessor::PacketProcessor(SensorIdentity identity, std::shared_ptr<const rules::RuleSet> rules,
                                 EventSink& sink, ProcessorOptions options)
    : identity_(std::move(identity)),
      sink_(sink),
      options_(options),
      app_layer_(std::make_unique<AppLayerInspector>()),
      streams_(std::make_unique<StreamInspector>(options.stream)),
      flows_(sink, identity_, options.flows),
      defrag_(options.defrag) {
  streams_->set_app_layer(app_layer_.get());
  app_layer_->set_records(options_.app_records);
  set_rules(std::move(rules));
  flows_.set_end_hook([this](Flow& flow) { inspect_held_stream(flow); });
}

void PacketProcessor::inspect_held_stream(Flow& flow) {
  if (!scanner_ || (!flow.tcp && !flow.app)) return;
  // No packet carries this data any more: a pseudo packet of the flow, at its last packet time,
  // stands for each direction (as Suricata's flow-end pseudo packets do).
  for (const bool to_server : {true, false}) {
    rules::Packet packet;
    packet.timestamp = flow.end;
    packet.ip_version = flow.client_ip().is_v4() ? 4 : 6;
    packet.src = to_server ? flow.client_ip() : flow.server_ip();
    packet.dst = to_server ? flow.server_ip() : flow.client_ip();
    packet.src_port = to_server ? flow.client_port() : flow.server_port();
    packet.dst_port = to_server ? flow.server_port() : flow.client_port();
    packet.proto = flow.proto;
    packet.flow_id = flow.flow_id;
    packet.to_server = to_server;
    packet.established = flow.reached_established;
    packet.flow_state = &flow.detection;
    end_matches_.clear();
    streams_->flush(flow, *scanner_, to_server, packet, end_matches_);
    // After the client's held data, the app layer's open transactions (their own side decides).
    if (!to_server) app_layer_->on_flow_end(flow, packet);
    for (const rules::RuleInfo* rule : end_matches_) {
      emit_alert(*rule, packet);
      flow.alerted = true;
    }
    emit_app_layer_events(flow);
  }
}

PacketProcessor::~PacketProcessor() = default;

void PacketProcessor::set_rules(std::shared_ptr<const rules::RuleSet> rules) {
  if (rules) {
    scanner_.emplace(rules);
    scanner_->set_defer_thresholds(options_.defer_thresholds);
  } else {
    scanner_.reset();
  }
  app_layer_->set_rules(std::move(rules), options_.defer_thresholds);
}

void PacketProcessor::process(int link_type, const RawPacket& raw) {
  maybe_emit_stats(raw.ts);
  rules::Packet packet;
  DecodeResult result = decoder_.decode(link_type, raw, packet);
  if (!result.anomaly.empty()) emit_anomaly(result.anomaly, packet);
  if (!result.decoded()) return;
  uint32_t packet_bytes = raw.wire_len;
  if (result.is_fragment && !reassemble(result, packet, packet_bytes)) return;

  Flow& flow = flows_.update(packet, packet_bytes);
  if (!scanner_) return;
  matches_.clear();
  scanner_->scan(packet, matches_);
  streams_->inspect(flow, packet, *scanner_, matches_);
  if (packet.proto == kProtoUdp) app_layer_->on_datagram(flow, packet);
  for (const rules::RuleInfo* rule : matches_) {
    emit_alert(*rule, packet);
    flow.alerted = true;
  }
  emit_app_layer_events(flow);
}

void PacketProcessor::emit_app_layer_events(Flow& flow) {
  app_layer_->drain(
      [&](const rules::RuleInfo& rule, const rules::Packet& side, const AppLayerInfo& app) {
        emit_alert(rule, side, &app);
        flow.alerted = true;
      },
      [&](const rules::Packet& side, const AppLayerInfo& app) { emit_app_record(side, app); },
      [&](std::string_view event, const rules::Packet& packet) { emit_anomaly(event, packet, "applayer"); });
}

void PacketProcessor::emit_app_record(const rules::Packet& side, const AppLayerInfo& app) {
  auto type = parse_event_type(app.proto);
  if (!type) return;  // a protocol without a record type (ftp, smtp) is never asked for
  ++app_records_;
  Event event = addressed_event(*type, side);
  event.app = app;
  sink_.consume(std::move(event));
}

Event PacketProcessor::addressed_event(EventType type, const rules::Packet& packet) const {
  Event event;
  event.type = type;
  event.timestamp = packet.timestamp;
  event.flow_id = packet.flow_id;
  // Events name the packet's own direction, as Suricata's alerts do; flow events name client -> server.
  event.src_ip = packet.src;
  event.dest_ip = packet.dst;
  event.src_port = packet.src_port;
  event.dest_port = packet.dst_port;
  event.proto = packet.proto;
  event.sensor = identity_.name;
  event.zone = identity_.zone;
  return event;
}

void PacketProcessor::emit_alert(const rules::RuleInfo& rule, const rules::Packet& packet, const AppLayerInfo* app) {
  ++alerts_;
  Event event = addressed_event(EventType::alert, packet);
  event.payload.assign(packet.payload);
  if (app != nullptr) event.app = *app;
  AlertInfo alert;
  alert.action = "allowed";
  alert.gid = rule.gid;
  alert.signature_id = rule.sid;
  alert.rev = rule.rev;
  alert.signature = rule.msg;
  alert.category = rule.category;
  alert.severity = rule.priority;
  event.alert = std::move(alert);
  sink_.consume(std::move(event));
}

void PacketProcessor::emit_anomaly(std::string_view kind, const rules::Packet& packet, std::string_view type) {
  auto it = anomaly_events_by_kind_.find(kind);
  if (it == anomaly_events_by_kind_.end()) it = anomaly_events_by_kind_.emplace(std::string(kind), 0).first;
  if (it->second >= options_.anomaly_events_per_kind) {
    ++anomaly_events_suppressed_;
    return;
  }
  ++it->second;
  ++anomaly_events_;
  Event event;
  event.type = EventType::anomaly;
  event.timestamp = packet.timestamp;
  if (packet.ip_version != 0) {
    event.src_ip = packet.src;
    event.dest_ip = packet.dst;
    event.src_port = packet.src_port;
    event.dest_port = packet.dst_port;
    event.proto = packet.proto;
  }
  event.sensor = identity_.name;
  event.zone = identity_.zone;
  event.anomaly = AnomalyInfo{std::string(type), std::string(kind)};
  sink_.consume(std::move(event));
}

void PacketProcessor::finish() { flows_.flush_all(); }

SensorStats PacketProcessor::stats() const {
  SensorStats stats;
  stats.decoder = decoder_.stats();
  stats.packets = stats.decoder.packets;
  stats.bytes = stats.decoder.bytes;
  stats.flows = flows_.stats();
  stats.untracked_fragments = untracked_fragments_;
  stats.defrag = defrag_.stats();
  stats.stream = streams_->stats();
  stats.app_layer = app_layer_->stats();
  stats.drops = drops_;
  stats.alerts = alerts_;
  stats.app_records = app_records_;
  stats.anomaly_events = anomaly_events_;
  stats.anomaly_events_suppressed = anomaly_events_suppressed_;
  return stats;
}

std::vector<std::pair<std::string, uint64_t>> PacketProcessor::counters() const {
  const SensorStats s = stats();
  std::vector<std::pair<std::string, uint64_t>> out = {
      {"decoder.pkts", s.packets},
      {"decoder.bytes", s.bytes},
      {"decoder.ipv4", s.decoder.ipv4},
      {"decoder.ipv6", s.decoder.ipv6},
      {"decoder.tcp", s.decoder.tcp},
      {"decoder.udp", s.decoder.udp},
      {"decoder.icmpv4", s.decoder.icmpv4},
      {"decoder.icmpv6", s.decoder.icmpv6},
      {"decoder.other_ip_proto", s.decoder.other_ip_proto},
      {"decoder.vlan", s.decoder.vlan},
      {"decoder.vlan_qinq", s.decoder.vlan_qinq},
      {"decoder.fragments", s.decoder.fragments},
      {"decoder.non_ip", s.decoder.non_ip},
      {"decoder.snap_truncated", s.decoder.snap_truncated},
      {"decoder.ipv4_tso", s.decoder.ipv4_tso},
      {"decoder.invalid", s.decoder.invalid},
      {"decoder.untracked_fragments", s.untracked_fragments},
      {"defrag.fragments", s.defrag.fragments},
      {"defrag.reassembled", s.defrag.reassembled},
      {"defrag.timeout", s.defrag.timed_out},
      {"defrag.evicted", s.defrag.evicted},
      {"defrag.dropped", s.defrag.dropped},
      {"defrag.overlaps", s.defrag.overlaps},
      {"defrag.active", s.defrag.active},
      {"defrag.memory", s.defrag.memory},
      {"capture.kernel_drops", s.drops.kernel},
      {"capture.interface_drops", s.drops.interface},
      {"capture.queue_drops", s.drops.queue},
      {"stream.sessions", s.stream.sessions},
      {"stream.segments", s.stream.segments},
      {"stream.in_order", s.stream.in_order},
      {"stream.out_of_order", s.stream.out_of_order},
      {"stream.retransmissions", s.stream.retransmissions},
      {"stream.overlaps", s.stream.overlaps},
      {"stream.out_of_window", s.stream.out_of_window},
      {"stream.gaps", s.stream.gaps},
      {"stream.gap_bytes", s.stream.gap_bytes},
      {"stream.depth_reached", s.stream.depth_reached},
      {"stream.memcap_drops", s.stream.memcap_drops},
      {"stream.bytes", s.stream.bytes},
      {"stream.memory", s.stream.memory},
      {"stream.memory_peak", s.stream.memory_peak},
      {"flow.created", s.flows.created},
      {"flow.ended", s.flows.ended},
      {"flow.timeout", s.flows.timed_out},
      {"flow.evicted", s.flows.evicted},
      {"flow.shutdown", s.flows.shutdown},
      {"flow.tcp_reused", s.flows.tcp_reused},
      {"flow.active", s.flows.active},
      {"detect.alert", s.alerts},
      {"app_layer.records", s.app_records},
      {"anomaly.events", s.anomaly_events},
      {"anomaly.events_suppressed", s.anomaly_events_suppressed},
  };
  for (const auto& [kind, count] : s.decoder.anomalies) out.emplace_back("decoder.event." + kind, count);
  // Suricata's names: app_layer.flow.<proto> (flows recognised), app_layer.tx.<proto>.
  const applayer::AppLayerStats& a = s.app_layer;
  out.emplace_back("app_layer.flows", a.flows);
  out.emplace_back("app_layer.unrecognised", a.unrecognised);
  out.emplace_back("app_layer.gaps", a.gaps);
  out.emplace_back("app_layer.anomalies", a.anomalies);
  for (size_t p = 1; p < applayer::kAppProtoCount; ++p) {
    const std::string name(applayer::app_proto_name(static_cast<applayer::AppProto>(p)));
    out.emplace_back("app_layer.flow." + name, a.recognised[p]);
    out.emplace_back("app_layer.tx." + name, a.transactions[p]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vigil::sensors
