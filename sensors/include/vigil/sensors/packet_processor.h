// PacketProcessor: what one worker runs for each packet: decode -> flow table -> detection ->
// events (alert, anomaly, flow) into an EventSink. Owns its Decoder, FlowTable and Scanner.
// Created by a worker (or replay); finish() at the end of the capture flushes every flow.
// Thread contract: one thread; the RuleSet it holds may be shared with other workers.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vigil/core/interfaces.h"
#include "vigil/rules/rule_set.h"
#include "vigil/rules/scanner.h"
#include "vigil/sensors/decoder.h"
#include "vigil/sensors/flow_table.h"
#include "vigil/sensors/ip_defragmenter.h"
#include "vigil/sensors/packet_source.h"
#include "vigil/sensors/sensor_identity.h"
#include "vigil/sensors/tcp_stream.h"

namespace vigil::sensors {

class StreamInspector;  // private: the TCP stream stage (stream_inspector.h)
class AppLayerInspector;  // private: the app-layer stage (app_layer_inspector.h)

struct ProcessorOptions {
  FlowTableOptions flows;
  // Anomaly events per anomaly kind; later ones are only counted. 0 turns anomaly events off.
  uint64_t anomaly_events_per_kind = 10;
  DefragOptions defrag;
  StreamOptions stream;  // TCP reassembly and stream detection (depth, memory)
  // The app-layer protocols whose every transaction becomes an event of its own (http, dns, tls,
  // ssh records for correlation and EVE); bit = applayer::AppProto. None by default: the app layer
  // then runs only for rule sets with app-layer buffer rules.
  std::bitset<applayer::kAppProtoCount> app_records;
  // Alerts of rules with thresholds are emitted unfiltered; a WorkerPool filters the merged ones.
  bool defer_thresholds = false;
  // A `stats` event each time packet time moves on this much (replay); 0: none. Live sensors
  // emit on wall time instead (LiveSensor calls emit_stats()).
  Duration stats_interval = 0;
};

// "http", "dns", "tls", "ssh" -> ProcessorOptions::app_records; names anything else in the error.
Result<std::bitset<applayer::kAppProtoCount>> parse_app_records(const std::vector<std::string>& names);

// Drops that happen before a packet reaches the processor, reported in its stats.
struct CaptureDrops {
  uint64_t kernel = 0;     // pcap_stats: the kernel's buffer was full
  uint64_t interface = 0;  // pcap_stats: the interface or driver dropped
  uint64_t queue = 0;      // a worker's input queue was full (live capture only; replay waits)
};

struct SensorStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // captured bytes
  DecoderStats decoder;
  FlowTableStats flows;
  uint64_t untracked_fragments = 0;  // fragments that could not be reassembled (cut by the snap length)
  DefragStats defrag;
  StreamStats stream;
  applayer::AppLayerStats app_layer;  // zero while the rule set has no app-layer buffer rules
  CaptureDrops drops;
  uint64_t alerts = 0;
  uint64_t app_records = 0;                // http, dns, tls, ssh events emitted (ProcessorOptions::app_records)
  uint64_t anomaly_events = 0;             // anomaly events emitted
  uint64_t anomaly_events_suppressed = 0;  // anomalies over the per-kind limit
};

// Adds `part` to `total`, field by field (the counters of several workers of one sensor). Peaks
// (stream.memory_peak) add up too: the sum of the workers' peaks, an upper bound of the sensor's.
void add_stats(SensorStats& total, const SensorStats& part);

class PacketProcessor {
 public:
  // `rules` may be null: packets are decoded and flow-tracked but not scanned.
  PacketProcessor(SensorIdentity identity, std::shared_ptr<const rules::RuleSet> rules, EventSink& sink,
                  ProcessorOptions options = {});
  ~PacketProcessor();
  PacketProcessor(const PacketProcessor&) = delete;
  PacketProcessor& operator=(const PacketProcessor&) = delete;

  void process(int link_type, const RawPacket& raw);
  // End of capture: every flow ends with reason "shutdown".
  void finish();
  // Lets time pass without packets (idle live capture): flows and fragments expire if due.
  void advance_time(Timestamp now);
  // Emits one `stats` event with counters() at time `now`.
  void emit_stats(Timestamp now);
  // The capture's drop counters, cumulative, for counters() and stats events.
  void set_capture_drops(const CaptureDrops& drops) { drops_ = drops; }
  // Swaps in a new rule set (reload) between two packets; flows and their flowbits stay.
  void set_rules(std::shared_ptr<const rules::RuleSet> rules);

  SensorStats stats() const;
  // Dotted counter names for `stats` events ("decoder.pkts", "decoder.event.ipv4.trunc_pkt", ...),
  // sorted by name.
  std::vector<std::pair<std::string, uint64_t>> counters() const;

 private:
  // `type`: "decode" (packet decoding, fragments), "applayer" (an app-layer parser's event).
  void emit_anomaly(std::string_view kind, const rules::Packet& packet, std::string_view type = "decode");
  // Fragments wait in defrag_; true when `packet` is now a whole reassembled datagram
  // (packet_processor_defrag.cc).
  bool reassemble(DecodeResult& result, rules::Packet& packet, uint32_t& packet_bytes);
  void maybe_emit_stats(Timestamp now);
  void emit_alert(const rules::RuleInfo& rule, const rules::Packet& packet, const AppLayerInfo* app = nullptr);
  void emit_app_record(const rules::Packet& side, const AppLayerInfo& app);
  // An event of `type` with the packet's time, flow, addresses and the sensor's identity.
  Event addressed_event(EventType type, const rules::Packet& packet) const;
  // The app layer's alerts, records and anomalies since the last call, each as its transaction's
  // side (AppLayerInspector::drain).
  void emit_app_layer_events(Flow& flow);
  // A flow ends: the stream data it still holds behind a hole is inspected (FlowTable end hook).
  void inspect_held_stream(Flow& flow);

  SensorIdentity identity_;
  EventSink& sink_;
  ProcessorOptions options_;
  Decoder decoder_;
  // Before flows_: a flow's AppLayerFlow refers to its context.
  std::unique_ptr<AppLayerInspector> app_layer_;
  // Before flows_: a flow's TcpSession gives its memory back to these stats when the flow ends.
  std::unique_ptr<StreamInspector> streams_;
  FlowTable flows_;
  IpDefragmenter defrag_;
  std::vector<std::string_view> defrag_anomalies_;  // reused per fragment
  CaptureDrops drops_;
  Timestamp next_stats_ = 0;  // packet time of the next stats event; 0 until the first packet
  std::optional<rules::Scanner> scanner_;
  std::vector<const rules::RuleInfo*> matches_;  // reused per packet
  std::vector<const rules::RuleInfo*> end_matches_;  // reused per ending flow (may end inside process())
  std::map<std::string, uint64_t, std::less<>> anomaly_events_by_kind_;
  uint64_t untracked_fragments_ = 0;
  uint64_t alerts_ = 0;
  uint64_t app_records_ = 0;
  uint64_t anomaly_events_ = 0;
  uint64_t anomaly_events_suppressed_ = 0;
};

}  // namespace vigil::sensors
