#include "vigil/sensors/decoder.h"

#include <algorithm>
#include <cstddef>
#include <span>

#include "vigil/core/event.h"

namespace vigil::sensors {
namespace {

// Anomaly kinds, named like Suricata's decoder events so rule admins recognise them.
constexpr std::string_view kLinkUnsupported = "link.unsupported_type";
constexpr std::string_view kEthTooSmall = "ethernet.pkt_too_small";
constexpr std::string_view kVlanTooSmall = "vlan.pkt_too_small";
constexpr std::string_view kVlanTooManyLayers = "vlan.too_many_layers";
constexpr std::string_view kSllTooSmall = "sll.pkt_too_small";
constexpr std::string_view kSll2TooSmall = "sll2.pkt_too_small";
constexpr std::string_view kNullTooSmall = "null.pkt_too_small";
constexpr std::string_view kPppTooSmall = "ppp.pkt_too_small";
constexpr std::string_view kChdlcTooSmall = "chdlc.pkt_too_small";
constexpr std::string_view kRawInvalidVersion = "ipraw.invalid_ip_version";
constexpr std::string_view kIpv4TooSmall = "ipv4.pkt_too_small";
constexpr std::string_view kIpv4WrongVersion = "ipv4.wrong_ip_version";
constexpr std::string_view kIpv4HlenTooSmall = "ipv4.hlen_too_small";
constexpr std::string_view kIpv4IplenSmallerThanHlen = "ipv4.iplen_smaller_than_hlen";
constexpr std::string_view kIpv4TruncPkt = "ipv4.trunc_pkt";
constexpr std::string_view kIpv4OptMalformed = "ipv4.opt_malformed";
constexpr std::string_view kIpv6TooSmall = "ipv6.pkt_too_small";
constexpr std::string_view kIpv6WrongVersion = "ipv6.wrong_ip_version";
constexpr std::string_view kIpv6TruncPkt = "ipv6.trunc_pkt";
constexpr std::string_view kIpv6TruncExthdr = "ipv6.trunc_exthdr";
constexpr std::string_view kIpv6ExthdrTooMany = "ipv6.exthdr_too_many";
constexpr std::string_view kIpv6HopoptsNotFirst = "ipv6.hopopts_not_first";
constexpr std::string_view kTcpTooSmall = "tcp.pkt_too_small";
constexpr std::string_view kTcpHlenTooSmall = "tcp.hlen_too_small";
constexpr std::string_view kTcpInvalidOptlen = "tcp.invalid_optlen";
constexpr std::string_view kTcpOptInvalidLen = "tcp.opt_invalid_len";
constexpr std::string_view kUdpTooSmall = "udp.pkt_too_small";
constexpr std::string_view kUdpHlenInvalid = "udp.hlen_invalid";
constexpr std::string_view kUdpLenInvalid = "udp.len_invalid";
constexpr std::string_view kIcmpv4TooSmall = "icmpv4.pkt_too_small";
constexpr std::string_view kIcmpv6TooSmall = "icmpv6.pkt_too_small";

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint16_t kEtherQinq = 0x88a8;
constexpr uint16_t kEtherQinqOld = 0x9100;
constexpr int kMaxVlanTags = 3;
constexpr int kMaxIpv6ExtHeaders = 16;

constexpr uint8_t kIpProtoHopOpts = 0;
constexpr uint8_t kIpProtoRouting = 43;
constexpr uint8_t kIpProtoFragment = 44;
constexpr uint8_t kIpProtoAh = 51;
constexpr uint8_t kIpProtoNoNext = 59;
constexpr uint8_t kIpProtoDstOpts = 60;
constexpr uint8_t kIpProtoMobility = 135;

uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t load_be32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}
std::string_view view_of(const uint8_t* p, size_t n) {
  // The Packet exposes bytes as string_view (what Hyperscan and the rules engine consume).
  return {reinterpret_cast<const char*>(p), n};  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

// One decode call: the frame, the packet being filled and the result so far.
class FrameDecoder {
 public:
  FrameDecoder(const RawPacket& raw, rules::Packet& out, DecoderStats& stats, bool reassembled = false)
      : data_(raw.data),
        len_(raw.data == nullptr ? 0 : raw.caplen),
        reassembled_(reassembled),
        out_(out),
        stats_(stats) {
    // Bytes the snap length cut off: lengths in headers may point this far past the capture.
    snap_missing_ = raw.wire_len > len_ ? raw.wire_len - len_ : 0;
  }

  DecodeResult run(int link_type) {
    switch (link_type) {
      case kLinkEthernet: return ethernet();
      case kLinkLinuxSll: return linux_sll();
      case kLinkLinuxSll2: return linux_sll2();
      case kLinkRaw:
      case kLinkRawDlt12:
      case kLinkRawDlt14: return raw_ip(0);
      case kLinkIpv4: return ipv4(0);
      case kLinkIpv6: return ipv6(0);
      case kLinkNull:
      case kLinkLoop: return null_loop();
      case kLinkPpp: return ppp();
      case kLinkCiscoHdlc: return cisco_hdlc();
      default:
        result_.status = DecodeStatus::unsupported_link;
        result_.anomaly = kLinkUnsupported;
        return result_;
    }
  }

 private:
  DecodeResult invalid(std::string_view kind) {
    result_.status = DecodeStatus::invalid;
    result_.anomaly = kind;
    result_.has_transport = false;
    return result_;
  }
  DecodeResult not_ip() {
    ++stats_.non_ip;
    result_.status = DecodeStatus::not_ip;
    return result_;
  }
  // A finding that leaves the packet usable; the first one is reported.
  void note(std::string_view kind) {
    if (result_.anomaly.empty()) result_.anomaly = kind;
  }
  size_t remaining(size_t offset) const { return offset <= len_ ? len_ - offset : 0; }

  DecodeResult ethernet() {
    if (len_ < 14) return invalid(kEthTooSmall);
    return ethertype(load_be16(data_ + 12), 14);
  }

  DecodeResult ethertype(uint16_t type, size_t offset) {
    int tags = 0;
    while (type == kEtherVlan || type == kEtherQinq || type == kEtherQinqOld) {
      if (++tags > kMaxVlanTags) return invalid(kVlanTooManyLayers);
      if (remaining(offset) < 4) return invalid(kVlanTooSmall);
      type = load_be16(data_ + offset + 2);
      offset += 4;
    }
    if (tags > 0) ++stats_.vlan;
    if (tags > 1) ++stats_.vlan_qinq;
    if (type == kEtherIpv4) return ipv4(offset);
    if (type == kEtherIpv6) return ipv6(offset);
    return not_ip();
  }

  DecodeResult linux_sll() {
    if (len_ < 16) return invalid(kSllTooSmall);
    return ethertype(load_be16(data_ + 14), 16);
  }

  DecodeResult linux_sll2() {
    if (len_ < 20) return invalid(kSll2TooSmall);
    return ethertype(load_be16(data_), 20);
  }

  DecodeResult raw_ip(size_t offset) {
    if (remaining(offset) < 1) return invalid(kIpv4TooSmall);
    const int version = data_[offset] >> 4;
    if (version == 4) return ipv4(offset);
    if (version == 6) return ipv6(offset);
    return invalid(kRawInvalidVersion);
  }

  // DLT_NULL stores the address family in the capturing host's byte order, DLT_LOOP in network
  // order; writers get both wrong often enough that both orders are accepted for both.
  DecodeResult null_loop() {
    if (len_ < 4) return invalid(kNullTooSmall);
    const uint32_t big = load_be32(data_);
    const uint32_t little = (static_cast<uint32_t>(data_[3]) << 24) | (static_cast<uint32_t>(data_[2]) << 16) |
                            (static_cast<uint32_t>(data_[1]) << 8) | data_[0];
    const uint32_t family = big < 256 ? big : little;
    switch (family) {
      case 2: return ipv4(4);  // AF_INET everywhere
      case 24:                 // AF_INET6 on NetBSD, OpenBSD, BSD/OS
      case 28:                 // FreeBSD, DragonFly
      case 30: return ipv6(4); // Darwin
      default: return not_ip();
    }
  }

  DecodeResult ppp() {
    size_t offset = 0;
    if (len_ >= 2 && data_[0] == 0xff && data_[1] == 0x03) offset = 2;  // HDLC address/control
    if (remaining(offset) < 1) return invalid(kPppTooSmall);
    uint16_t protocol = 0;
    if (data_[offset] & 0x01) {  // protocol field compression: one byte
      protocol = data_[offset];
      offset += 1;
    } else {
      if (remaining(offset) < 2) return invalid(kPppTooSmall);
      protocol = load_be16(data_ + offset);
      offset += 2;
    }
    if (protocol == 0x0021) return ipv4(offset);
    if (protocol == 0x0057) return ipv6(offset);
    return not_ip();
  }

  DecodeResult cisco_hdlc() {
    if (len_ < 4) return invalid(kChdlcTooSmall);
    return ethertype(load_be16(data_ + 2), 4);
  }

  // Length `needed` claimed by a header starting at `offset`: fits, fits only because the snap
  // length cut the frame (then clipped to what was captured), or does not fit.
  bool fit_length(size_t offset, size_t& needed) {
    const size_t have = remaining(offset);
    if (needed <= have) return true;
    if (needed - have <= snap_missing_) {
      needed = have;
      result_.snap_truncated = true;
      return true;
    }
    return false;
  }

  DecodeResult ipv4(size_t offset) {
    const size_t have = remaining(offset);
    if (have < 20) return invalid(kIpv4TooSmall);
    const uint8_t* ip = data_ + offset;
    if ((ip[0] >> 4) != 4) return invalid(kIpv4WrongVersion);
    const size_t header_len = static_cast<size_t>(ip[0] & 0x0f) * 4;
    if (header_len < 20) return invalid(kIpv4HlenTooSmall);
    size_t total_len = load_be16(ip + 2);
    if (total_len == 0 && have > header_len) {
      // Captured on the sending host before TCP segmentation offload: the NIC fills in the
      // length later, so the frame is one oversized packet whose length is what was captured.
      total_len = have;
      ++stats_.ipv4_tso;
    }
    if (total_len < header_len) return invalid(kIpv4IplenSmallerThanHlen);
    if (header_len > have || !fit_length(offset, total_len)) return invalid(kIpv4TruncPkt);

    if (!reassembled_) ++stats_.ipv4;
    out_.ip_version = 4;
    out_.src = IpAddress::v4_bytes(ip + 12);
    out_.dst = IpAddress::v4_bytes(ip + 16);
    out_.ttl = ip[8];
    out_.proto = ip[9];
    out_.ip_id = load_be16(ip + 4);
    out_.ip_header = view_of(ip, header_len);
    if (header_len > 20 && !ipv4_options_valid(ip, header_len)) note(kIpv4OptMalformed);

    const uint16_t frag = load_be16(ip + 6);
    const bool more_fragments = (frag & 0x2000) != 0;
    const uint16_t frag_offset = frag & 0x1fff;
    const uint8_t* body = ip + header_len;
    const size_t body_len = total_len - header_len;
    if (more_fragments || frag_offset != 0) {
      out_.ip_fragment = true;
      ++stats_.fragments;
      result_.is_fragment = true;
      result_.fragment = FragmentInfo{std::span(ip, header_len), std::span(body, body_len),
                                      static_cast<uint32_t>(frag_offset) * 8, out_.ip_id, out_.proto,
                                      more_fragments, 0};
      return fragment_data(body, body_len);
    }
    return transport(out_.proto, body, body_len);
  }

  // Any fragment, the first included: its transport header is judged on the reassembled
  // datagram (a first fragment may cut it short on purpose, the tiny-fragment evasion), so a
  // fragment has no ports and is counted as TCP/UDP/... once, after reassembly.
  DecodeResult fragment_data(const uint8_t* body, size_t body_len) {
    out_.payload = view_of(body, body_len);
    result_.has_transport = false;
    return result_;
  }

  static bool ipv4_options_valid(const uint8_t* ip, size_t header_len) {
    size_t i = 20;
    while (i < header_len) {
      const uint8_t type = ip[i];
      if (type == 0) break;  // end of options list
      if (type == 1) {       // no-operation
        ++i;
        continue;
      }
      if (i + 1 >= header_len) return false;
      const uint8_t opt_len = ip[i + 1];
      if (opt_len < 2 || i + opt_len > header_len) return false;
      i += opt_len;
    }
    return true;
  }

  DecodeResult ipv6(size_t offset) {
    const size_t have = remaining(offset);
    if (have < 40) return invalid(kIpv6TooSmall);
    const uint8_t* ip = data_ + offset;
    if ((ip[0] >> 4) != 6) return invalid(kIpv6WrongVersion);
    size_t total_len = 40 + static_cast<size_t>(load_be16(ip + 4));
    if (!fit_length(offset, total_len)) return invalid(kIpv6TruncPkt);

    if (!reassembled_) ++stats_.ipv6;
    out_.ip_version = 6;
    out_.src = IpAddress::v6_bytes(ip + 8);
    out_.dst = IpAddress::v6_bytes(ip + 24);
    out_.ttl = ip[7];

    uint8_t next = ip[6];
    size_t pos = 40;
    size_t next_at = 6;          // where the byte naming the current header sits
    for (int count = 0;; ++count) {
      if (next != kIpProtoHopOpts && next != kIpProtoRouting && next != kIpProtoFragment && next != kIpProtoAh &&
          next != kIpProtoDstOpts && next != kIpProtoMobility) {
        break;
      }
      if (count >= kMaxIpv6ExtHeaders) return invalid(kIpv6ExthdrTooMany);
      if (next == kIpProtoHopOpts && count > 0) note(kIpv6HopoptsNotFirst);
      if (total_len - pos < 8) return invalid(kIpv6TruncExthdr);  // every extension header is >= 8 bytes
      const uint8_t* ext = ip + pos;
      size_t ext_len = 0;
      if (next == kIpProtoFragment) {
        ext_len = 8;
        const uint16_t frag = load_be16(ext + 2);
        const uint16_t frag_offset = frag >> 3;
        const bool more_fragments = (frag & 0x1) != 0;
        if (more_fragments || frag_offset != 0) {
          out_.ip_fragment = true;
          out_.ip_id = static_cast<uint16_t>(load_be32(ext + 4) & 0xffff);
          ++stats_.fragments;
          result_.is_fragment = true;
          result_.fragment = FragmentInfo{std::span(ip, pos), std::span(ext + 8, total_len - pos - 8),
                                          static_cast<uint32_t>(frag_offset) * 8, load_be32(ext + 4), ext[0],
                                          more_fragments, static_cast<uint16_t>(next_at)};
        }
      } else if (next == kIpProtoAh) {
        ext_len = (static_cast<size_t>(ext[1]) + 2) * 4;
      } else {
        ext_len = (static_cast<size_t>(ext[1]) + 1) * 8;
      }
      if (ext_len > total_len - pos) return invalid(kIpv6TruncExthdr);
      next = ext[0];
      next_at = pos;
      pos += ext_len;
      if (result_.is_fragment) break;
    }

    out_.proto = next;
    out_.ip_header = view_of(ip, pos);
    const uint8_t* body = ip + pos;
    const size_t body_len = total_len - pos;
    if (result_.is_fragment) return fragment_data(body, body_len);
    if (next == kIpProtoNoNext) {
      result_.has_transport = true;
      return result_;
    }
    return transport(next, body, body_len);
  }

  DecodeResult transport(uint8_t proto, const uint8_t* p, size_t n) {
    switch (proto) {
      case kProtoTcp: return tcp(p, n);
      case kProtoUdp: return udp(p, n);
      case kProtoIcmp: return icmp(p, n, false);
      case kProtoIcmpV6: return icmp(p, n, true);
      default:
        // ESP, GRE, SCTP, IP-in-IP, ...: a flow by addresses alone; the payload is the rest.
        ++stats_.other_ip_proto;
        out_.payload = view_of(p, n);
        result_.has_transport = true;
        return result_;
    }
  }

  DecodeResult tcp(const uint8_t* p, size_t n) {
    if (n < 20) return invalid(kTcpTooSmall);
    const size_t header_len = static_cast<size_t>(p[12] >> 4) * 4;
    if (header_len < 20) return invalid(kTcpHlenTooSmall);
    if (header_len > n) return invalid(kTcpInvalidOptlen);
    ++stats_.tcp;
    out_.src_port = load_be16(p);
    out_.dst_port = load_be16(p + 2);
    out_.tcp_seq = load_be32(p + 4);
    out_.tcp_ack = load_be32(p + 8);
    out_.tcp_flags = p[13];
    out_.tcp_window = load_be16(p + 14);
    if (header_len > 20 && !tcp_options_valid(p, header_len)) note(kTcpOptInvalidLen);
    out_.payload = view_of(p + header_len, n - header_len);
    result_.has_transport = true;
    return result_;
  }

  static bool tcp_options_valid(const uint8_t* p, size_t header_len) {
    size_t i = 20;
    while (i < header_len) {
      const uint8_t kind = p[i];
      if (kind == 0) break;  // end of option list
      if (kind == 1) {       // no-operation
        ++i;
        continue;
      }
      if (i + 1 >= header_len) return false;
      const uint8_t opt_len = p[i + 1];
      if (opt_len < 2 || i + opt_len > header_len) return false;
      i += opt_len;
    }
    return true;
  }

  DecodeResult udp(const uint8_t* p, size_t n) {
    if (n < 8) return invalid(kUdpTooSmall);
    size_t udp_len = load_be16(p + 4);
    if (udp_len < 8) return invalid(kUdpHlenInvalid);
    if (udp_len > n) {
      // Fine when the rest of the datagram was not captured or sits in later fragments.
      if (!result_.snap_truncated && !out_.ip_fragment) return invalid(kUdpLenInvalid);
      udp_len = n;
    }
    ++stats_.udp;
    out_.src_port = load_be16(p);
    out_.dst_port = load_be16(p + 2);
    out_.payload = view_of(p + 8, udp_len - 8);
    result_.has_transport = true;
    return result_;
  }

  DecodeResult icmp(const uint8_t* p, size_t n, bool v6) {
    if (n < 8) return invalid(v6 ? kIcmpv6TooSmall : kIcmpv4TooSmall);
    if (v6) {
      ++stats_.icmpv6;
    } else {
      ++stats_.icmpv4;
    }
    out_.icmp_type = p[0];
    out_.icmp_code = p[1];
    const bool echo = v6 ? (p[0] == 128 || p[0] == 129) : (p[0] == 0 || p[0] == 8);
    if (echo) {
      out_.icmp_id = load_be16(p + 4);
      out_.icmp_seq = load_be16(p + 6);
      out_.has_icmp_echo_fields = true;
    }
    out_.payload = view_of(p + 8, n - 8);
    result_.has_transport = true;
    return result_;
  }

  const uint8_t* data_;
  size_t len_;
  bool reassembled_ = false;  // a rebuilt datagram: its IP layer was counted with its fragments
  size_t snap_missing_ = 0;
  rules::Packet& out_;
  DecoderStats& stats_;
  DecodeResult result_;
};

void count_kind(std::map<std::string, uint64_t, std::less<>>& counts, std::string_view kind) {
  auto it = counts.find(kind);
  if (it == counts.end()) it = counts.emplace(std::string(kind), 0).first;
  ++it->second;
}

}  // namespace

bool is_supported_link_type(int link_type) {
  switch (link_type) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkPpp:
    case kLinkRaw:
    case kLinkRawDlt12:
    case kLinkRawDlt14:
    case kLinkCiscoHdlc:
    case kLinkLoop:
    case kLinkLinuxSll:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkLinuxSll2: return true;
    default: return false;
  }
}

DecodeResult Decoder::decode(int link_type, const RawPacket& raw, rules::Packet& out) {
  out = rules::Packet{};
  out.timestamp = raw.ts;
  ++stats_.packets;
  stats_.bytes += raw.caplen;
  const DecodeResult result = FrameDecoder(raw, out, stats_).run(link_type);
  if (!result.anomaly.empty()) count_kind(stats_.anomalies, result.anomaly);
  if (result.status == DecodeStatus::invalid || result.status == DecodeStatus::unsupported_link) {
    ++stats_.invalid;
  }
  if (result.snap_truncated) ++stats_.snap_truncated;
  return result;
}

DecodeResult Decoder::decode_reassembled(int ip_version, const RawPacket& raw, rules::Packet& out) {
  out = rules::Packet{};
  out.timestamp = raw.ts;
  const DecodeResult result =
      FrameDecoder(raw, out, stats_, true).run(ip_version == 6 ? kLinkIpv6 : kLinkIpv4);
  if (!result.anomaly.empty()) count_kind(stats_.anomalies, result.anomaly);
  if (result.status == DecodeStatus::invalid) ++stats_.invalid;
  return result;
}

void Decoder::count_anomaly(std::string_view kind) { count_kind(stats_.anomalies, kind); }

}  // namespace vigil::sensors
