// FlowTable: one worker's flows, keyed by a symmetric 5-tuple. Fills the flow facts of each
// rules::Packet (flow_id, direction, established, flow_state), tracks TCP state, expires flows on
// packet time and emits one `flow` Event per flow when it ends. Owned and used by one worker.
// Thread contract: one thread; no locks. Flow pointers stay valid until the next non-const call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <unordered_set>
#include <vector>

#include "vigil/applayer/app_layer_flow.h"
#include "vigil/core/interfaces.h"
#include "vigil/core/ip.h"
#include "vigil/core/time.h"
#include "vigil/rules/flow_state.h"
#include "vigil/rules/packet.h"
#include "vigil/sensors/sensor_identity.h"
#include "vigil/sensors/tcp_stream.h"

namespace vigil::sensors {

struct FlowTableOptions {
  Duration new_timeout = seconds(30);
  Duration tcp_established_timeout = seconds(300);
  Duration udp_established_timeout = seconds(120);  // UDP, ICMP and every other non-TCP protocol
  Duration closed_timeout = seconds(10);
  // Timeouts are checked when packet time has advanced by this much since the last check.
  Duration sweep_interval = seconds(1);
  size_t max_flows = 1'000'000;  // at the cap the least recently active flow is evicted ("forced")
  // Suricata's stream.midstream: a TCP flow first seen without its SYN is taken as established
  // (midstream pickup). Off, as in Suricata: flow:established needs a seen handshake.
  bool midstream = false;
  // Suricata's stream.async-oneside: only one direction is captured (asymmetric routing), so a
  // handshake completes without the other side's packet: the client's ACK after its SYN, or the
  // server's ACK after its SYN-ACK, establishes the flow.
  bool async_oneside = false;
};

struct FlowTableStats {
  uint64_t created = 0;
  uint64_t ended = 0;  // every ended flow: timed_out + evicted + shutdown
  uint64_t timed_out = 0;
  uint64_t evicted = 0;
  uint64_t shutdown = 0;
  uint64_t tcp_reused = 0;  // a SYN on a closed flow's 5-tuple started a new flow
  uint64_t active = 0;
};

// The symmetric key: the (address, port) pair that sorts lower comes first.
struct FlowKey {
  std::array<uint8_t, 16> addr_lo{};
  std::array<uint8_t, 16> addr_hi{};
  uint16_t port_lo = 0;
  uint16_t port_hi = 0;
  uint8_t proto = 0;
  bool operator==(const FlowKey&) const = default;
};

// A stable 64-bit hash (the same on every platform and run), symmetric by construction of the key.
uint64_t flow_key_hash(const FlowKey& key);

enum class FlowStateKind : uint8_t { new_, established, closed };

// One flow. Kept small (the table holds up to max_flows of them): the endpoints are read back from
// the key rather than stored twice; fields are ordered to pack without padding.
struct Flow {
  FlowKey key;
  uint8_t proto = 0;
  FlowStateKind state = FlowStateKind::new_;
  uint64_t flow_id = 0;  // < 2^53, never 0
  Timestamp start = 0;  // first packet's time
  Timestamp end = 0;    // latest packet time seen in the flow
  uint64_t pkts_toserver = 0;
  uint64_t pkts_toclient = 0;
  uint64_t bytes_toserver = 0;
  uint64_t bytes_toclient = 0;
  rules::FlowState detection;  // flowbits; Packet::flow_state points here
  std::unique_ptr<TcpSession> tcp;  // stream reassembly, from the first TCP data or SYN on
  std::unique_ptr<applayer::AppLayerFlow> app;  // from the first payload on, when app-layer rules are loaded
  bool reached_established = false;  // stays true once closed: closing packets still count as established
  bool alerted = false;

  // TCP handshake and teardown as seen so far.
  bool syn_seen = false;      // client SYN
  bool synack_seen = false;   // server SYN-ACK
  bool fin_toserver = false;
  bool fin_toclient = false;

  // The side that opened the flow, and the other. ICMP flows have no ports (the key holds the echo id).
  IpAddress client_ip() const { return address(client_is_lo_ ? key.addr_lo : key.addr_hi); }
  IpAddress server_ip() const { return address(client_is_lo_ ? key.addr_hi : key.addr_lo); }
  uint16_t client_port() const { return ports_ ? (client_is_lo_ ? key.port_lo : key.port_hi) : 0; }
  uint16_t server_port() const { return ports_ ? (client_is_lo_ ? key.port_hi : key.port_lo) : 0; }

 private:
  friend class FlowTable;
  IpAddress address(const std::array<uint8_t, 16>& bytes) const {
    return v4_ ? IpAddress::v4_bytes(bytes.data() + 12) : IpAddress::v6_bytes(bytes.data());
  }
  Timestamp last_activity_ = 0;  // table time (max packet time seen) of the last packet
  uint8_t lane_ = 0;             // which expiry list holds the flow
  bool client_is_lo_ = true;     // the client is the key's lower (address, port) side
  bool v4_ = true;
  bool ports_ = true;  // the key's ports are the packets' ports (not an ICMP echo id)
};

class FlowTable {
 public:
  FlowTable(EventSink& sink, SensorIdentity identity, FlowTableOptions options = {});
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Finds or creates the packet's flow, updates it and fills packet.flow_id, to_server,
  // established and flow_state. `packet_bytes` is the frame length counted in flow bytes.
  // The packet must be decoded IP with its transport header (ports) when it has one.
  Flow& update(rules::Packet& packet, uint32_t packet_bytes);

  // Lets time pass without a packet (idle live capture): expires flows if due. Time never goes back.
  void advance_time(Timestamp now);

  // Ends every flow with reason "shutdown" (end of capture), in (end time, flow id) order.
  void flush_all();

  // Called with each flow just before it ends, whatever the reason, and before its flow event:
  // the last moment its state (held stream data) can still be inspected.
  void set_end_hook(std::function<void(Flow&)> hook) { end_hook_ = std::move(hook); }

  size_t size() const { return index_.size(); }
  Timestamp now() const { return now_; }
  const FlowTableStats& stats() const { return stats_; }

 private:
  using FlowList = std::list<Flow>;
  enum class EndReason : uint8_t { timeout, forced, shutdown };
  static constexpr size_t kLanes = 4;  // new, tcp established, other established, closed

  Duration lane_timeout(uint8_t lane) const;
  uint8_t lane_for(const Flow& flow) const;
  void move_to_lane(FlowList::iterator it, uint8_t lane);
  void sweep();
  void end_in_order(EndReason reason);  // ends the flows in ending_
  void end_flow(FlowList::iterator it, EndReason reason);
  FlowList::iterator least_recent();
  void update_tcp_state(Flow& flow, uint8_t flags, bool to_server, bool first_packet);
  FlowList::iterator create_flow(const FlowKey& key, const rules::Packet& packet);
  bool expired(const Flow& flow) const;

  // The index holds list iterators only (the key lives in the Flow) and is searched by FlowKey.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const FlowKey& key) const { return static_cast<size_t>(flow_key_hash(key)); }
    size_t operator()(FlowList::iterator it) const { return (*this)(it->key); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static const FlowKey& key_of(const FlowKey& key) { return key; }
    static const FlowKey& key_of(FlowList::iterator it) { return it->key; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const { return key_of(a) == key_of(b); }
  };

  EventSink& sink_;
  SensorIdentity identity_;
  FlowTableOptions options_;
  std::array<FlowList, kLanes> lanes_;  // each ordered by last activity, oldest first
  std::unordered_set<FlowList::iterator, KeyHash, KeyEqual> index_;
  Timestamp now_ = 0;
  Timestamp last_sweep_ = 0;
  bool has_time_ = false;
  std::vector<FlowList::iterator> ending_;  // reused by sweep() and flush_all()
  std::function<void(Flow&)> end_hook_;
  FlowTableStats stats_;
};

}  // namespace vigil::sensors
