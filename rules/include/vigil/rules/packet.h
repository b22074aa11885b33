// Packet: a decoded packet as the detection engine sees it. Sensors' decoders fill it in (pointing
// into the capture buffer, no copies) and the flow table adds the flow facts; Scanner reads it.
// Thread contract: lives on one worker thread for the duration of one packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vigil/core/ip.h"
#include "vigil/core/time.h"

namespace vigil::rules {

// TCP flag bits as on the wire.
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;
inline constexpr uint8_t kTcpUrg = 0x20;
inline constexpr uint8_t kTcpEce = 0x40;
inline constexpr uint8_t kTcpCwr = 0x80;

class FlowState;  // per-flow detection state (flowbits, thresholds); owned by the flow table

// The fields Scanner::scan reads for every packet (and RuleSetImpl::select, and the flow facts
// its gates compare) come first and fill the first 64 bytes; the struct is aligned to a cache
// line so they are one line. flow_state, read for every packet too, does not fit (with the two
// 17-byte addresses they need 68 bytes) and starts the second. Members are grouped by how often
// detection reads them, not by layer.
struct alignas(64) Packet {
  // Read for every packet: addresses, protocol, ports, flow side, payload.
  IpAddress src;
  IpAddress dst;
  uint8_t ip_version = 0;  // 4 or 6; 0 when the packet carries no IP (ARP, ...)
  uint8_t proto = 0;       // IP protocol number of the transport header
  uint8_t tcp_flags = 0;
  // Flow facts, filled by the flow table before detection.
  bool to_server = true;           // from the side that opened the flow
  bool established = false;        // TCP handshake seen (or midstream pickup); UDP after a reply
  bool first_in_direction = true;  // the flow's first packet this way (IP-only rules run on it); true without a flow
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t ttl = 0;  // IPv4 TTL or IPv6 hop limit
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  bool ip_fragment = false;  // a fragment that was not reassembled
  std::string_view payload;  // application bytes after the transport header (or after IP)

  // Tested for every packet too, then its own object is read: first on the second line.
  FlowState* flow_state = nullptr;  // null without a flow

  // Read by the rules that ask for them.
  uint64_t flow_id = 0;
  Timestamp timestamp = 0;
  std::string_view ip_header;  // IPv4 header with options / IPv6 header with extension headers
  uint32_t tcp_seq = 0;
  uint32_t tcp_ack = 0;
  uint16_t ip_id = 0;
  uint16_t tcp_window = 0;
  uint16_t icmp_id = 0;   // echo request/reply only
  uint16_t icmp_seq = 0;  // echo request/reply only
  bool has_icmp_echo_fields = false;
};

static_assert(offsetof(Packet, payload) + sizeof(std::string_view) <= 64, "the fields read for every packet fill one line");
static_assert(sizeof(Packet) == 128);

}  // namespace vigil::rules
