#include "vigil/sensors/flow_table.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "vigil/core/event.h"
#include "mix64.h"

namespace vigil::sensors {
namespace {

// Flow ids stay below 2^53 so JSON readers that parse numbers as doubles keep them exact.
constexpr uint64_t kFlowIdMask = (uint64_t{1} << 53) - 1;

// The flow state budget (issue 4: at most 256 bytes per flow beyond stream state and buffers): a
// table entry is sizeof(Flow) + list links + index node + bucket, 216 bytes on 64-bit Linux.
static_assert(sizeof(void*) != 8 || sizeof(Flow) <= 160, "Flow grew past the per-flow memory budget");

constexpr uint8_t kLaneNew = 0;
constexpr uint8_t kLaneTcpEstablished = 1;
constexpr uint8_t kLaneOtherEstablished = 2;
constexpr uint8_t kLaneClosed = 3;

bool is_icmp(uint8_t proto) { return proto == kProtoIcmp || proto == kProtoIcmpV6; }

bool is_echo_reply(const rules::Packet& packet) {
  if (!packet.has_icmp_echo_fields) return false;
  return packet.proto == kProtoIcmp ? packet.icmp_type == 0 : packet.icmp_type == 129;
}

// Echo requests and replies share a flow through their identifier, used in place of ports.
std::pair<uint16_t, uint16_t> key_ports(const rules::Packet& packet) {
  if (is_icmp(packet.proto)) {
    if (packet.has_icmp_echo_fields) return {packet.icmp_id, packet.icmp_id};
    return {0, 0};
  }
  return {packet.src_port, packet.dst_port};
}

FlowKey make_key(const rules::Packet& packet) {
  const auto [sport, dport] = key_ports(packet);
  const auto& src = packet.src.bytes();
  const auto& dst = packet.dst.bytes();
  FlowKey key;
  key.proto = packet.proto;
  if (std::pair(src, sport) <= std::pair(dst, dport)) {
    key.addr_lo = src;
    key.port_lo = sport;
    key.addr_hi = dst;
    key.port_hi = dport;
  } else {
    key.addr_lo = dst;
    key.port_lo = dport;
    key.addr_hi = src;
    key.port_hi = sport;
  }
  return key;
}

const char* state_name(FlowStateKind state) {
  switch (state) {
    case FlowStateKind::new_: return "new";
    case FlowStateKind::established: return "established";
    case FlowStateKind::closed: return "closed";
  }
  return "new";
}

}  // namespace

uint64_t flow_key_hash(const FlowKey& key) {
  // FNV-1a over the fields in a fixed byte order: the same value on every platform and run.
  uint64_t h = 0xcbf29ce484222325ULL;
  auto feed = [&h](uint8_t byte) {
    h ^= byte;
    h *= 0x100000001b3ULL;
  };
  for (uint8_t b : key.addr_lo) feed(b);
  for (uint8_t b : key.addr_hi) feed(b);
  feed(static_cast<uint8_t>(key.port_lo >> 8));
  feed(static_cast<uint8_t>(key.port_lo & 0xff));
  feed(static_cast<uint8_t>(key.port_hi >> 8));
  feed(static_cast<uint8_t>(key.port_hi & 0xff));
  feed(key.proto);
  return mix64(h);
}

FlowTable::FlowTable(EventSink& sink, SensorIdentity identity, FlowTableOptions options)
    : sink_(sink), identity_(std::move(identity)), options_(options) {}

FlowTable::~FlowTable() = default;

Duration FlowTable::lane_timeout(uint8_t lane) const {
  switch (lane) {
    case kLaneTcpEstablished: return options_.tcp_established_timeout;
    case kLaneOtherEstablished: return options_.udp_established_timeout;
    case kLaneClosed: return options_.closed_timeout;
    default: return options_.new_timeout;
  }
}

uint8_t FlowTable::lane_for(const Flow& flow) const {
  switch (flow.state) {
    case FlowStateKind::established: return flow.proto == kProtoTcp ? kLaneTcpEstablished : kLaneOtherEstablished;
    case FlowStateKind::closed: return kLaneClosed;
    case FlowStateKind::new_: break;
  }
  return kLaneNew;
}

bool FlowTable::expired(const Flow& flow) const { return now_ - flow.last_activity_ > lane_timeout(flow.lane_); }

void FlowTable::move_to_lane(FlowList::iterator it, uint8_t lane) {
  // Splicing keeps the iterator (and the Flow's address) valid.
  lanes_[lane].splice(lanes_[lane].end(), lanes_[it->lane_], it);
  it->lane_ = lane;
}

FlowTable::FlowList::iterator FlowTable::least_recent() {
  FlowList::iterator best;
  bool found = false;
  for (auto& lane : lanes_) {
    if (lane.empty()) continue;
    if (!found || lane.front().last_activity_ < best->last_activity_) {
      best = lane.begin();
      found = true;
    }
  }
  return best;  // callers check size() first
}

void FlowTable::end_in_order(EndReason reason) {
  // By (end, flow id), facts of each flow alone: N worker shards ending their flows at the same
  // moment, merged on this key, give the same sequence as one table would.
  std::sort(ending_.begin(), ending_.end(), [](FlowList::iterator a, FlowList::iterator b) {
    return a->end != b->end ? a->end < b->end : a->flow_id < b->flow_id;
  });
  for (FlowList::iterator it : ending_) end_flow(it, reason);
  ending_.clear();
}

void FlowTable::sweep() {
  ending_.clear();
  for (auto& lane : lanes_) {
    // Lanes are ordered by last activity and share one timeout, so expiry stops at the first live flow.
    for (auto it = lane.begin(); it != lane.end() && expired(*it); ++it) ending_.push_back(it);
  }
  end_in_order(EndReason::timeout);
  last_sweep_ = now_;
}

void FlowTable::end_flow(FlowList::iterator it, EndReason reason) {
  Flow& flow = *it;
  if (end_hook_) end_hook_(flow);
  Event event;
  event.type = EventType::flow;
  event.timestamp = flow.end;
  event.flow_id = flow.flow_id;
  event.src_ip = flow.client_ip();
  event.dest_ip = flow.server_ip();
  event.src_port = flow.client_port();
  event.dest_port = flow.server_port();
  event.proto = flow.proto;
  event.sensor = identity_.name;
  event.zone = identity_.zone;
  FlowInfo info;
  info.pkts_toserver = flow.pkts_toserver;
  info.pkts_toclient = flow.pkts_toclient;
  info.bytes_toserver = flow.bytes_toserver;
  info.bytes_toclient = flow.bytes_toclient;
  info.start = flow.start;
  info.end = flow.end;
  info.state = state_name(flow.state);
  info.alerted = flow.alerted;
  switch (reason) {
    case EndReason::timeout:
      info.reason = "timeout";
      ++stats_.timed_out;
      break;
    case EndReason::forced:
      info.reason = "forced";
      ++stats_.evicted;
      break;
    case EndReason::shutdown:
      info.reason = "shutdown";
      ++stats_.shutdown;
      break;
  }
  event.flow = std::move(info);

  index_.erase(it);
  lanes_[flow.lane_].erase(it);
  ++stats_.ended;
  stats_.active = index_.size();
  sink_.consume(std::move(event));
}

FlowTable::FlowList::iterator FlowTable::create_flow(const FlowKey& key, const rules::Packet& packet) {
  if (options_.max_flows > 0 && index_.size() >= options_.max_flows) {
    end_flow(least_recent(), EndReason::forced);
  }
  auto& lane = lanes_[kLaneNew];
  lane.emplace_back();
  auto it = std::prev(lane.end());
  Flow& flow = *it;
  flow.key = key;
  flow.proto = packet.proto;
  // A first packet that is an answer (SYN-ACK, echo reply) was sent by the server.
  const bool reply = (packet.proto == kProtoTcp && (packet.tcp_flags & rules::kTcpSyn) != 0 &&
                      (packet.tcp_flags & rules::kTcpAck) != 0) ||
                     is_echo_reply(packet);
  flow.v4_ = packet.src.is_v4();
  flow.ports_ = !is_icmp(packet.proto);
  const bool sender_is_lo = packet.src.bytes() == key.addr_lo && key_ports(packet).first == key.port_lo;
  const bool symmetric = key.addr_lo == key.addr_hi && key.port_lo == key.port_hi;
  flow.client_is_lo_ = symmetric || (reply ? !sender_is_lo : sender_is_lo);
  // From the flow's own facts only (key and first packet time), never from how many flows this
  // table made before: a flow gets the same id whichever worker shard holds it.
  flow.flow_id = mix64(flow_key_hash(key) ^ mix64(static_cast<uint64_t>(packet.timestamp))) & kFlowIdMask;
  if (flow.flow_id == 0) flow.flow_id = 1;
  flow.start = packet.timestamp;
  flow.end = packet.timestamp;
  flow.last_activity_ = now_;
  flow.lane_ = kLaneNew;
  index_.insert(it);
  ++stats_.created;
  stats_.active = index_.size();
  return it;
}

void FlowTable::update_tcp_state(Flow& flow, uint8_t flags, bool to_server, bool first_packet) {
  if (flow.state == FlowStateKind::closed) return;
  const bool syn = (flags & rules::kTcpSyn) != 0;
  const bool ack = (flags & rules::kTcpAck) != 0;
  if ((flags & rules::kTcpRst) != 0) {
    flow.state = FlowStateKind::closed;
    return;
  }
  if (syn && !ack && to_server) flow.syn_seen = true;
  if (syn && ack && !to_server) flow.synack_seen = true;
  if (flow.state == FlowStateKind::new_) {
    if (first_packet && !syn) {
      if (options_.midstream) flow.state = FlowStateKind::established;
    } else if (flow.synack_seen && to_server && ack && !syn) {
      flow.state = FlowStateKind::established;  // the handshake's final ACK
    } else if (options_.async_oneside && ack && !syn &&
               (to_server ? flow.syn_seen && !flow.synack_seen : flow.synack_seen)) {
      flow.state = FlowStateKind::established;  // the other direction is not on this link
    }
  }
  if (flow.state == FlowStateKind::established) flow.reached_established = true;
  if ((flags & rules::kTcpFin) != 0) {
    (to_server ? flow.fin_toserver : flow.fin_toclient) = true;
    if (flow.fin_toserver && flow.fin_toclient) flow.state = FlowStateKind::closed;
  }
}

Flow& FlowTable::update(rules::Packet& packet, uint32_t packet_bytes) {
  const Timestamp ts = packet.timestamp;
  if (!has_time_) {
    now_ = ts;
    last_sweep_ = ts;
    has_time_ = true;
  } else if (ts > now_) {
    now_ = ts;  // a backward jump (stitched captures) leaves table time where it was
  }
  if (now_ - last_sweep_ >= options_.sweep_interval) sweep();

  const FlowKey key = make_key(packet);
  FlowList::iterator it;
  bool first_packet = false;
  auto found = index_.find(key);
  if (found != index_.end()) {
    it = *found;
    const bool new_syn = packet.proto == kProtoTcp && (packet.tcp_flags & rules::kTcpSyn) != 0 &&
                         (packet.tcp_flags & rules::kTcpAck) == 0;
    if (expired(*it)) {
      end_flow(it, EndReason::timeout);
      found = index_.end();
    } else if (it->state == FlowStateKind::closed && new_syn) {
      // The 5-tuple is reused by a new connection: the old one is over, as if it had timed out.
      ++stats_.tcp_reused;
      end_flow(it, EndReason::timeout);
      found = index_.end();
    }
  }
  if (found == index_.end()) {
    it = create_flow(key, packet);
    first_packet = true;
  }

  Flow& flow = *it;
  const bool sent_by_lo = packet.src.bytes() == flow.key.addr_lo && key_ports(packet).first == flow.key.port_lo;
  const bool to_server = sent_by_lo == flow.client_is_lo_;
  if (to_server) {
    ++flow.pkts_toserver;
    flow.bytes_toserver += packet_bytes;
  } else {
    ++flow.pkts_toclient;
    flow.bytes_toclient += packet_bytes;
  }
  flow.end = std::max(flow.end, ts);
  flow.last_activity_ = now_;

  if (flow.proto == kProtoTcp) {
    update_tcp_state(flow, packet.tcp_flags, to_server, first_packet);
  } else if (flow.state == FlowStateKind::new_ && flow.pkts_toserver > 0 && flow.pkts_toclient > 0) {
    flow.state = FlowStateKind::established;
    flow.reached_established = true;
  }
  move_to_lane(it, lane_for(flow));

  packet.flow_id = flow.flow_id;
  packet.to_server = to_server;
  packet.established = flow.reached_established;
  packet.first_in_direction = (to_server ? flow.pkts_toserver : flow.pkts_toclient) == 1;
  packet.flow_state = &flow.detection;
  return flow;
}

void FlowTable::advance_time(Timestamp now) {
  if (!has_time_) {
    now_ = now;
    last_sweep_ = now;
    has_time_ = true;
    return;
  }
  if (now > now_) now_ = now;
  if (now_ - last_sweep_ >= options_.sweep_interval) sweep();
}

void FlowTable::flush_all() {
  ending_.clear();
  for (auto& lane : lanes_) {
    for (auto it = lane.begin(); it != lane.end(); ++it) ending_.push_back(it);
  }
  end_in_order(EndReason::shutdown);
}

}  // namespace vigil::sensors
