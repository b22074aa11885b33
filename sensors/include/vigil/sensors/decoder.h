// Decoder: turns one raw frame into a rules::Packet (link layer, VLAN, IPv4/IPv6 with extension
// headers, TCP/UDP/ICMP/ICMPv6) without copying: the Packet points into the frame's buffer.
// Malformed input is data: the result names an anomaly kind and DecoderStats counts it.
// Thread contract: one Decoder per worker thread; decode() never allocates on the good path.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "vigil/rules/packet.h"
#include "vigil/sensors/packet_source.h"

namespace vigil::sensors {

// Link types as libpcap's pcap_datalink() reports them (DLT_ values; equal to the LINKTYPE_
// values stored in files except for raw IP, which reads back as 12 or 14 depending on platform).
inline constexpr int kLinkNull = 0;
inline constexpr int kLinkEthernet = 1;
inline constexpr int kLinkPpp = 9;
inline constexpr int kLinkRaw = 101;
inline constexpr int kLinkRawDlt12 = 12;
inline constexpr int kLinkRawDlt14 = 14;
inline constexpr int kLinkCiscoHdlc = 104;
inline constexpr int kLinkLoop = 108;
inline constexpr int kLinkLinuxSll = 113;
inline constexpr int kLinkIpv4 = 228;
inline constexpr int kLinkIpv6 = 229;
inline constexpr int kLinkLinuxSll2 = 276;

// Whether decode() knows this link type.
bool is_supported_link_type(int link_type);

enum class DecodeStatus : uint8_t {
  decoded,           // an IP packet; Packet is filled (maybe with a non-fatal anomaly, see below)
  not_ip,            // a valid frame that carries no IP (ARP, LLDP, STP, ...): counted, skipped
  invalid,           // malformed; `anomaly` names what; the packet must not reach detection
  unsupported_link,  // link type this decoder does not know; anomaly "link.unsupported_type"
};

// What the defragmenter needs of one IPv4 or IPv6 fragment; views into the frame.
struct FragmentInfo {
  // IPv4: the header with options. IPv6: the fixed header and the extension headers before the
  // fragment header (the unfragmentable part).
  std::span<const uint8_t> header;
  std::span<const uint8_t> data;  // the fragment's share of the datagram's payload
  uint32_t offset = 0;            // in bytes
  uint32_t id = 0;                // IPv4 identification or IPv6 fragment identification
  uint8_t proto = 0;              // protocol of the reassembled payload
  bool more = false;              // more fragments follow
  // IPv6: where in `header` the next-header byte naming the fragment header sits.
  uint16_t next_header_at = 0;
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::decoded;
  // Empty, or a static anomaly kind such as "ipv4.trunc_pkt". With status `decoded` it is a
  // non-fatal finding (e.g. "ipv4.opt_malformed") and the packet is still usable.
  std::string_view anomaly;
  // False for IP fragments (the first one too): the transport header is decoded once the
  // datagram is reassembled.
  bool has_transport = false;
  // Set for every IPv4/IPv6 fragment (not for an atomic fragment): what reassembly needs.
  bool is_fragment = false;
  FragmentInfo fragment;
  // The capture's snap length cut the frame; lengths were clipped to what was captured.
  bool snap_truncated = false;

  bool decoded() const { return status == DecodeStatus::decoded; }
};

struct DecoderStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // captured bytes
  uint64_t ipv4 = 0;
  uint64_t ipv6 = 0;
  uint64_t tcp = 0;
  uint64_t udp = 0;
  uint64_t icmpv4 = 0;
  uint64_t icmpv6 = 0;
  uint64_t other_ip_proto = 0;  // IP packets whose transport is none of the above (GRE, ESP, ...)
  uint64_t vlan = 0;            // frames with at least one 802.1Q / 802.1ad tag
  uint64_t vlan_qinq = 0;       // frames with two or more tags
  uint64_t fragments = 0;       // IPv4 or IPv6 fragments as captured
  uint64_t non_ip = 0;
  uint64_t snap_truncated = 0;
  uint64_t ipv4_tso = 0;  // IPv4 total length 0 (captured before segmentation offload): length taken from the capture
  uint64_t invalid = 0;                                      // packets with status invalid/unsupported
  std::map<std::string, uint64_t, std::less<>> anomalies;   // by kind, fatal or not
};

class Decoder {
 public:
  // Fills `out` (reset first; out.timestamp = raw.ts). Never reads outside raw.data[0, caplen).
  DecodeResult decode(int link_type, const RawPacket& raw, rules::Packet& out);

  // Decodes a datagram the defragmenter rebuilt (an IPv4 or IPv6 packet, no link layer). It is
  // not counted again in packets/bytes/ipv4/ipv6; its transport and anomalies are.
  DecodeResult decode_reassembled(int ip_version, const RawPacket& raw, rules::Packet& out);

  // Counts an anomaly found outside the decoder (reassembly) with the decoder's own.
  void count_anomaly(std::string_view kind);

  const DecoderStats& stats() const { return stats_; }

 private:
  DecoderStats stats_;
};

}  // namespace vigil::sensors
