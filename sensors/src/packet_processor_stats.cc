// PacketProcessor's `stats` events and idle time, the counters' arithmetic and option names: on packet time for replay
// (ProcessorOptions::stats_interval), on demand for live sensors, which run a wall-time timer.
#include "vigil/core/event.h"
#include "vigil/sensors/packet_processor.h"

#include <utility>

namespace vigil::sensors {

Result<std::bitset<applayer::kAppProtoCount>> parse_app_records(const std::vector<std::string>& names) {
  std::bitset<applayer::kAppProtoCount> protocols;
  for (const std::string& name : names) {
    const applayer::AppProto proto = applayer::app_proto_by_name(name);
    if (name != applayer::app_proto_name(proto) || !parse_event_type(name)) {
      return fail(ErrorCode::invalid_argument, "unknown app-layer event type '" + name + "' (http, dns, tls, ssh)");
    }
    protocols.set(static_cast<size_t>(proto));
  }
  return protocols;
}

void add_stats(SensorStats& total, const SensorStats& part) {
  total.packets += part.packets;
  total.bytes += part.bytes;
  DecoderStats& d = total.decoder;
  const DecoderStats& pd = part.decoder;
  for (auto [to, from] : {std::pair{&d.packets, pd.packets}, {&d.bytes, pd.bytes}, {&d.ipv4, pd.ipv4},
                          {&d.ipv6, pd.ipv6}, {&d.tcp, pd.tcp}, {&d.udp, pd.udp}, {&d.icmpv4, pd.icmpv4},
                          {&d.icmpv6, pd.icmpv6}, {&d.other_ip_proto, pd.other_ip_proto}, {&d.vlan, pd.vlan},
                          {&d.vlan_qinq, pd.vlan_qinq}, {&d.fragments, pd.fragments}, {&d.non_ip, pd.non_ip},
                          {&d.snap_truncated, pd.snap_truncated}, {&d.ipv4_tso, pd.ipv4_tso},
                          {&d.invalid, pd.invalid}}) {
    *to += from;
  }
  for (const auto& [kind, count] : pd.anomalies) d.anomalies[kind] += count;
  FlowTableStats& f = total.flows;
  const FlowTableStats& pf = part.flows;
  f.created += pf.created;
  f.ended += pf.ended;
  f.timed_out += pf.timed_out;
  f.evicted += pf.evicted;
  f.shutdown += pf.shutdown;
  f.tcp_reused += pf.tcp_reused;
  f.active += pf.active;
  total.untracked_fragments += part.untracked_fragments;
  DefragStats& g = total.defrag;
  const DefragStats& pg = part.defrag;
  g.fragments += pg.fragments;
  g.reassembled += pg.reassembled;
  g.timed_out += pg.timed_out;
  g.evicted += pg.evicted;
  g.dropped += pg.dropped;
  g.overlaps += pg.overlaps;
  g.active += pg.active;
  g.memory += pg.memory;
  StreamStats& s = total.stream;
  const StreamStats& ps = part.stream;
  for (auto [to, from] : {std::pair{&s.segments, ps.segments}, {&s.in_order, ps.in_order},
                          {&s.out_of_order, ps.out_of_order}, {&s.retransmissions, ps.retransmissions},
                          {&s.overlaps, ps.overlaps}, {&s.out_of_window, ps.out_of_window}, {&s.gaps, ps.gaps},
                          {&s.gap_bytes, ps.gap_bytes}, {&s.depth_reached, ps.depth_reached},
                          {&s.memcap_drops, ps.memcap_drops}, {&s.bytes, ps.bytes}, {&s.sessions, ps.sessions},
                          {&s.memory, ps.memory}, {&s.memory_peak, ps.memory_peak}}) {
    *to += from;
  }
  applayer::AppLayerStats& a = total.app_layer;
  const applayer::AppLayerStats& pa = part.app_layer;
  a.flows += pa.flows;
  a.unrecognised += pa.unrecognised;
  a.gaps += pa.gaps;
  a.anomalies += pa.anomalies;
  for (size_t p = 0; p < applayer::kAppProtoCount; ++p) {
    a.recognised[p] += pa.recognised[p];
    a.transactions[p] += pa.transactions[p];
  }
  total.drops.kernel += part.drops.kernel;
  total.drops.interface += part.drops.interface;
  total.drops.queue += part.drops.queue;
  total.alerts += part.alerts;
  total.app_records += part.app_records;
  total.anomaly_events += part.anomaly_events;
  total.anomaly_events_suppressed += part.anomaly_events_suppressed;
}

void PacketProcessor::advance_time(Timestamp now) {
  flows_.advance_time(now);
  defrag_.advance_time(now);
}

void PacketProcessor::maybe_emit_stats(Timestamp now) {
  if (options_.stats_interval <= 0) return;
  if (next_stats_ == 0) {
    next_stats_ = now + options_.stats_interval;  // the first packet starts the clock
    return;
  }
  if (now < next_stats_) return;
  emit_stats(now);
  // After a long quiet gap one event covers it: counters are cumulative.
  next_stats_ = now + options_.stats_interval;
}

void PacketProcessor::emit_stats(Timestamp now) {
  Event event;
  event.type = EventType::stats;
  event.timestamp = now;
  event.sensor = identity_.name;
  event.zone = identity_.zone;
  event.stats = StatsInfo{counters()};
  sink_.consume(std::move(event));
}

}  // namespace vigil::sensors
