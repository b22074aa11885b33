// Event: one record of the event pipeline (alert, flow, anomaly, stats), the in-memory form of an
// EVE JSON line. Sensors create events, the correlator reads and tags them, storage keeps them.
// Thread contract: plain value; moved between threads, never shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/ip.h"
#include "vigil/core/time.h"

namespace vigil {

// http, dns, tls, ssh: one app-layer transaction (a request, a response, a DNS message, a TLS
// handshake's facts, an SSH banner), as Suricata's protocol records; emitted when configured.
enum class EventType : uint8_t { alert, flow, anomaly, stats, http, dns, tls, ssh };

std::string_view to_string(EventType type);
Result<EventType> parse_event_type(std::string_view text);

// IP protocol numbers used across modules.
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpV6 = 58;

// EVE's protocol names: "TCP", "UDP", "ICMP", "IPv6-ICMP", else the number as text.
std::string proto_name(uint8_t proto);
std::optional<uint8_t> parse_proto_name(std::string_view name);

struct AlertInfo {
  std::string action = "allowed";
  uint32_t gid = 1;
  uint32_t signature_id = 0;
  uint32_t rev = 0;
  std::string signature;
  std::string category;
  int severity = 3;  // 1 (most severe) .. 4, Suricata's priority
};

struct FlowInfo {
  uint64_t pkts_toserver = 0;
  uint64_t pkts_toclient = 0;
  uint64_t bytes_toserver = 0;
  uint64_t bytes_toclient = 0;
  Timestamp start = 0;
  Timestamp end = 0;
  std::string state;   // new, established, closed
  std::string reason;  // timeout, shutdown (end of capture), forced (evicted)
  bool alerted = false;
};

struct AnomalyInfo {
  std::string type;   // decode, stream, applayer
  std::string event;  // e.g. "ipv4.trunc_pkt"
};

// The app-layer context of an alert, or the body of an http/dns/tls/ssh record: the protocol's
// EVE object as Suricata writes it ({"hostname": ..., "url": ...} under "http"). Kept as JSON text:
// the fields differ per protocol and are read by name (event_field "http.hostname"), never by code.
struct AppLayerInfo {
  std::string proto;  // "http", "dns", "tls", "ssh": the EVE key and `app_proto`
  std::string json;   // the object under that key, compact JSON
};

struct StatsInfo {
  std::vector<std::pair<std::string, uint64_t>> counters;  // dotted names, e.g. "decoder.pkts"
};

// Position of an event in storage and in incident references: event time, then a sequence
// number unique within the producing pipeline.
struct EventRef {
  Timestamp timestamp = 0;
  uint64_t seq = 0;
  auto operator<=>(const EventRef&) const = default;
};

struct Event {
  EventType type = EventType::alert;
  Timestamp timestamp = 0;
  uint64_t seq = 0;  // assigned by the pipeline; with timestamp it is the storage key
  uint64_t flow_id = 0;
  std::optional<IpAddress> src_ip;
  std::optional<IpAddress> dest_ip;
  uint16_t src_port = 0;
  uint16_t dest_port = 0;
  uint8_t proto = 0;  // IP protocol number
  std::string sensor;
  std::string zone;
  std::string incident_id;  // set by correlation
  std::string payload;      // raw bytes (alerts); base64 in EVE

  std::optional<AlertInfo> alert;
  std::optional<FlowInfo> flow;
  std::optional<AnomalyInfo> anomaly;
  std::optional<StatsInfo> stats;
  std::optional<AppLayerInfo> app;

  EventRef ref() const { return {timestamp, seq}; }
};

}  // namespace vigil
