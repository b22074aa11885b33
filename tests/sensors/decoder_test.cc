#include "vigil/sensors/decoder.h"

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "sensors/frames.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kPsh = rules::kTcpPsh;

// Keeps its own copy of the frame: the decoded Packet points into it.
struct Decoded {
  Decoded() = default;
  Decoded(const Decoded&) = delete;
  Decoded& operator=(const Decoded&) = delete;
  Decoded(Decoded&&) = default;  // moving the vector keeps its buffer
  Bytes frame;
  DecodeResult result;
  rules::Packet packet;
};

Decoded decode(int link_type, const Bytes& frame, Decoder* decoder = nullptr) {
  Decoder local;
  Decoder& d = decoder != nullptr ? *decoder : local;
  Decoded out;
  out.frame = frame;
  out.result = d.decode(link_type, raw_of(out.frame, 42), out.packet);
  return out;
}

std::string str(std::string_view v) { return std::string(v); }

Bytes http_get() { return ipv4(kProtoTcp, tcp(40000, 80, kPsh | kAck, text("GET / HTTP/1.1\r\n\r\n"))); }

// Linux cooked capture v1 header: packet type, ARPHRD, address length, address (8), protocol.
Bytes sll(uint16_t protocol, const Bytes& body) {
  Bytes b;
  put16(b, 0);      // sent to us
  put16(b, 1);      // ARPHRD_ETHER
  put16(b, 6);
  append(b, {0, 1, 2, 3, 4, 5, 0, 0});
  put16(b, protocol);
  append(b, body);
  return b;
}

// Linux cooked capture v2: protocol, reserved, interface index, ARPHRD, packet type, address length, address.
Bytes sll2(uint16_t protocol, const Bytes& body) {
  Bytes b;
  put16(b, protocol);
  put16(b, 0);
  put32(b, 3);
  put16(b, 1);
  put8(b, 0);
  put8(b, 6);
  append(b, {0, 1, 2, 3, 4, 5, 0, 0});
  append(b, body);
  return b;
}

Bytes null_le(uint32_t family, const Bytes& body) {
  Bytes b{static_cast<uint8_t>(family), static_cast<uint8_t>(family >> 8), static_cast<uint8_t>(family >> 16),
          static_cast<uint8_t>(family >> 24)};
  append(b, body);
  return b;
}
Bytes null_be(uint32_t family, const Bytes& body) {
  Bytes b;
  put32(b, family);
  append(b, body);
  return b;
}

void check_http_get(const Decoded& d) {
  REQUIRE(d.result.status == DecodeStatus::decoded);
  CHECK(d.result.anomaly.empty());
  CHECK(d.packet.ip_version == 4);
  CHECK(d.packet.src == ip("10.0.0.1"));
  CHECK(d.packet.dst == ip("10.0.0.2"));
  CHECK(d.packet.proto == kProtoTcp);
  CHECK(d.packet.src_port == 40000);
  CHECK(d.packet.dst_port == 80);
  CHECK(str(d.packet.payload) == "GET / HTTP/1.1\r\n\r\n");
}

}  // namespace

TEST_CASE("decoder: Ethernet IPv4 TCP fills every field", "[sensors][decoder]") {
  const Bytes frame =
      ether(0x0800, ipv4(kProtoTcp, tcp(40000, 80, kPsh | kAck, text("hello"), {}, 0x01020304, 0x0a0b0c0d)));
  const auto d = decode(kLinkEthernet, frame);
  REQUIRE(d.result.decoded());
  CHECK(d.result.has_transport);
  CHECK(d.packet.timestamp == 42);
  CHECK(d.packet.ip_version == 4);
  CHECK(d.packet.src.to_string() == "10.0.0.1");
  CHECK(d.packet.dst.to_string() == "10.0.0.2");
  CHECK(d.packet.ttl == 64);
  CHECK(d.packet.ip_id == 0x1234);
  CHECK_FALSE(d.packet.ip_fragment);
  CHECK(d.packet.ip_header.size() == 20);
  CHECK(d.packet.tcp_seq == 0x01020304);
  CHECK(d.packet.tcp_ack == 0x0a0b0c0d);
  CHECK(d.packet.tcp_flags == (kPsh | kAck));
  CHECK(d.packet.tcp_window == 65535);
  CHECK(str(d.packet.payload) == "hello");
}

TEST_CASE("decoder: Ethernet padding never becomes payload", "[sensors][decoder]") {
  SECTION("UDP") {
    const Bytes frame = pad_to(ether(0x0800, ipv4(kProtoUdp, udp(5353, 53, text("ab")))), 60);
    const auto d = decode(kLinkEthernet, frame);
    REQUIRE(d.result.decoded());
    CHECK(str(d.packet.payload) == "ab");
  }
  SECTION("TCP SYN with no payload") {
    const Bytes frame = pad_to(ether(0x0800, ipv4(kProtoTcp, tcp(1, 2, kSyn))), 60);
    const auto d = decode(kLinkEthernet, frame);
    REQUIRE(d.result.decoded());
    CHECK(d.packet.payload.empty());
  }
  SECTION("IPv6 UDP") {
    const Bytes frame = pad_to(ether(0x86dd, ipv6(kProtoUdp, udp(1, 2, text("x")))), 90);
    const auto d = decode(kLinkEthernet, frame);
    REQUIRE(d.result.decoded());
    CHECK(str(d.packet.payload) == "x");
  }
}

TEST_CASE("decoder: VLAN and QinQ tags are skipped", "[sensors][decoder]") {
  Decoder decoder;
  SECTION("802.1Q") {
    check_http_get(decode(kLinkEthernet, ether(0x0800, http_get(), {{0x8100, 100}}), &decoder));
    CHECK(decoder.stats().vlan == 1);
    CHECK(decoder.stats().vlan_qinq == 0);
  }
  SECTION("802.1ad QinQ") {
    check_http_get(decode(kLinkEthernet, ether(0x0800, http_get(), {{0x88a8, 10}, {0x8100, 20}}), &decoder));
    CHECK(decoder.stats().vlan == 1);
    CHECK(decoder.stats().vlan_qinq == 1);
  }
  SECTION("legacy 0x9100 QinQ") {
    check_http_get(decode(kLinkEthernet, ether(0x0800, http_get(), {{0x9100, 10}, {0x8100, 20}}), &decoder));
    CHECK(decoder.stats().vlan_qinq == 1);
  }
  SECTION("IPv6 inside a VLAN") {
    const auto d = decode(kLinkEthernet, ether(0x86dd, ipv6(kProtoUdp, udp(1, 2, text("v6"))), {{0x8100, 7}}));
    REQUIRE(d.result.decoded());
    CHECK(d.packet.ip_version == 6);
    CHECK(str(d.packet.payload) == "v6");
  }
  SECTION("too many tags is an anomaly") {
    const auto d = decode(kLinkEthernet,
                          ether(0x0800, http_get(), {{0x88a8, 1}, {0x8100, 2}, {0x8100, 3}, {0x8100, 4}}), &decoder);
    CHECK(d.result.status == DecodeStatus::invalid);
    CHECK(d.result.anomaly == "vlan.too_many_layers");
    CHECK(decoder.stats().anomalies.at("vlan.too_many_layers") == 1);
  }
}

TEST_CASE("decoder: every supported link type", "[sensors][decoder]") {
  const Bytes packet = http_get();
  SECTION("Linux cooked (SLL)") { check_http_get(decode(kLinkLinuxSll, sll(0x0800, packet))); }
  SECTION("Linux cooked v2 (SLL2)") { check_http_get(decode(kLinkLinuxSll2, sll2(0x0800, packet))); }
  SECTION("SLL with a VLAN tag left in") {
    Bytes tagged;
    put16(tagged, 55);
    put16(tagged, 0x0800);
    append(tagged, packet);
    check_http_get(decode(kLinkLinuxSll, sll(0x8100, tagged)));
  }
  SECTION("raw IP as LINKTYPE_RAW and both DLT values") {
    check_http_get(decode(kLinkRaw, packet));
    check_http_get(decode(kLinkRawDlt12, packet));
    check_http_get(decode(kLinkRawDlt14, packet));
    const auto d = decode(kLinkRaw, ipv6(kProtoUdp, udp(1, 2, text("six"))));
    REQUIRE(d.result.decoded());
    CHECK(d.packet.ip_version == 6);
  }
  SECTION("LINKTYPE_IPV4 and LINKTYPE_IPV6") {
    check_http_get(decode(kLinkIpv4, packet));
    const auto d = decode(kLinkIpv6, ipv6(kProtoUdp, udp(1, 2, text("six"))));
    REQUIRE(d.result.decoded());
    CHECK(str(d.packet.payload) == "six");
    CHECK(decode(kLinkIpv4, ipv6(kProtoUdp, udp(1, 2))).result.anomaly == "ipv4.wrong_ip_version");
  }
  SECTION("null and loop, both byte orders") {
    check_http_get(decode(kLinkNull, null_le(2, packet)));
    check_http_get(decode(kLinkNull, null_be(2, packet)));
    check_http_get(decode(kLinkLoop, null_be(2, packet)));
    check_http_get(decode(kLinkLoop, null_le(2, packet)));
    for (uint32_t af6 : {24u, 28u, 30u}) {
      for (const Bytes& frame : {null_le(af6, ipv6(kProtoUdp, udp(1, 2))), null_be(af6, ipv6(kProtoUdp, udp(1, 2)))}) {
        const auto d = decode(kLinkNull, frame);
        REQUIRE(d.result.decoded());
        CHECK(d.packet.ip_version == 6);
      }
    }
    CHECK(decode(kLinkNull, null_le(7, packet)).result.status == DecodeStatus::not_ip);
  }
  SECTION("PPP and Cisco HDLC") {
    Bytes ppp{0xff, 0x03, 0x00, 0x21};
    append(ppp, packet);
    check_http_get(decode(kLinkPpp, ppp));
    Bytes chdlc{0x0f, 0x00, 0x08, 0x00};
    append(chdlc, packet);
    check_http_get(decode(kLinkCiscoHdlc, chdlc));
  }
  SECTION("an unsupported link type is counted and skipped") {
    Decoder decoder;
    const auto d = decode(192, packet, &decoder);  // PPI
    CHECK(d.result.status == DecodeStatus::unsupported_link);
    CHECK(d.result.anomaly == "link.unsupported_type");
    CHECK(decoder.stats().anomalies.at("link.unsupported_type") == 1);
    CHECK_FALSE(is_supported_link_type(192));
    CHECK(is_supported_link_type(kLinkLinuxSll2));
  }
}

TEST_CASE("decoder: non-IP frames are counted, not anomalies", "[sensors][decoder]") {
  Decoder decoder;
  Bytes arp(28, 0);
  CHECK(decode(kLinkEthernet, pad_to(ether(0x0806, arp), 60), &decoder).result.status == DecodeStatus::not_ip);
  CHECK(decode(kLinkEthernet, ether(0x0800 - 0x0700, Bytes(40, 0xaa)), &decoder).result.status ==
        DecodeStatus::not_ip);  // 802.3 length field + LLC
  CHECK(decode(kLinkLinuxSll, sll(0x0806, arp), &decoder).result.status == DecodeStatus::not_ip);
  CHECK(decoder.stats().non_ip == 3);
  CHECK(decoder.stats().anomalies.empty());
  CHECK(decoder.stats().packets == 3);
}

TEST_CASE("decoder: IPv4 options stay in ip_header", "[sensors][decoder]") {
  Ip4Spec spec;
  spec.options = {0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x00, 0x00};  // NOP NOP router-alert, EOL padding
  const auto d = decode(kLinkEthernet, ether(0x0800, ipv4(spec, kProtoUdp, udp(1000, 53, text("q")))));
  REQUIRE(d.result.decoded());
  CHECK(d.result.anomaly.empty());
  CHECK(d.packet.ip_header.size() == 28);
  CHECK(static_cast<uint8_t>(d.packet.ip_header[22]) == 0x94);
  CHECK(d.packet.dst_port == 53);
  CHECK(str(d.packet.payload) == "q");

  SECTION("a malformed option is a finding, the packet still decodes") {
    Ip4Spec bad;
    bad.options = {0x44, 0x30, 0x05, 0x00};  // timestamp option claiming 48 bytes
    const auto b = decode(kLinkEthernet, ether(0x0800, ipv4(bad, kProtoUdp, udp(1, 2, text("z")))));
    CHECK(b.result.decoded());
    CHECK(b.result.anomaly == "ipv4.opt_malformed");
    CHECK(str(b.packet.payload) == "z");
  }
}

TEST_CASE("decoder: IPv4 fragments", "[sensors][decoder]") {
  Decoder decoder;
  Ip4Spec first;
  first.frag = 0x2000;  // more fragments, offset 0
  const Bytes udp_full = udp(4000, 53, Bytes(100, 'a'));
  const Bytes head(udp_full.begin(), udp_full.begin() + 48);
  const auto f = decode(kLinkEthernet, ether(0x0800, ipv4(first, kProtoUdp, head)), &decoder);
  REQUIRE(f.result.decoded());
  // Even the first fragment's transport header waits for reassembly (tiny-fragment evasion).
  CHECK_FALSE(f.result.has_transport);
  CHECK(f.result.is_fragment);
  CHECK(f.result.fragment.offset == 0);
  CHECK(f.result.fragment.more);
  CHECK(f.result.fragment.data.size() == 48);
  CHECK(f.packet.ip_fragment);
  CHECK(f.packet.src_port == 0);
  CHECK(f.packet.payload.size() == 48);

  Ip4Spec second;
  second.frag = 6;  // offset 48 bytes, last fragment
  const Bytes tail(udp_full.begin() + 48, udp_full.end());
  const auto s = decode(kLinkEthernet, ether(0x0800, ipv4(second, kProtoUdp, tail)), &decoder);
  REQUIRE(s.result.decoded());
  CHECK_FALSE(s.result.has_transport);
  CHECK(s.packet.ip_fragment);
  CHECK(s.packet.proto == kProtoUdp);
  CHECK(s.packet.src_port == 0);
  CHECK(s.packet.payload.size() == tail.size());
  CHECK(s.result.fragment.offset == 48);
  CHECK_FALSE(s.result.fragment.more);
  CHECK(s.result.fragment.id == 0x1234);
  CHECK(decoder.stats().fragments == 2);
  CHECK(decoder.stats().ipv4 == 2);
  CHECK(decoder.stats().udp == 0);  // counted once the datagram is whole
}

TEST_CASE("decoder: IPv4 header errors are named anomalies", "[sensors][decoder]") {
  Decoder decoder;
  Bytes good = http_get();
  auto with = [&](auto edit) {
    Bytes b = good;
    edit(b);
    return decode(kLinkRaw, b, &decoder).result;
  };
  CHECK(with([](Bytes& b) { b[0] = 0x44; }).anomaly == "ipv4.hlen_too_small");
  CHECK(with([](Bytes& b) { b[0] = 0x4f; b[2] = 0x05; }).anomaly == "ipv4.trunc_pkt");  // 60-byte header, not there
  CHECK(with([](Bytes& b) { b[2] = 0; b[3] = 10; }).anomaly == "ipv4.iplen_smaller_than_hlen");
  CHECK(with([](Bytes& b) { b[2] = 0x05; }).anomaly == "ipv4.trunc_pkt");
  CHECK(decode(kLinkIpv4, Bytes(10, 0x45), &decoder).result.anomaly == "ipv4.pkt_too_small");
  CHECK(decode(kLinkRaw, Bytes{0x50, 0, 0, 0}, &decoder).result.anomaly == "ipraw.invalid_ip_version");
  CHECK(decoder.stats().anomalies.at("ipv4.trunc_pkt") == 2);
  CHECK(decoder.stats().invalid == 6);
}

TEST_CASE("decoder: IPv4 total length 0 from segmentation offload takes the captured length",
          "[sensors][decoder]") {
  Decoder decoder;
  Bytes frame = ether(0x0800, ipv4(kProtoTcp, tcp(1, 80, kAck, Bytes(3000, 'x'))));
  frame[14 + 2] = 0;
  frame[14 + 3] = 0;
  const auto d = decode(kLinkEthernet, frame, &decoder);
  REQUIRE(d.result.decoded());
  CHECK(d.result.anomaly.empty());
  CHECK(d.packet.payload.size() == 3000);
  CHECK(decoder.stats().ipv4_tso == 1);
}

TEST_CASE("decoder: snap-length cut frames decode what was captured", "[sensors][decoder]") {
  const Bytes frame = ether(0x0800, ipv4(kProtoTcp, tcp(1, 80, kAck, Bytes(1000, 'x'))));
  Decoder decoder;
  rules::Packet packet;
  RawPacket raw = raw_of(frame);
  raw.caplen = 96;  // tcpdump -s 96
  const auto result = decoder.decode(kLinkEthernet, raw, packet);
  REQUIRE(result.decoded());
  CHECK(result.anomaly.empty());
  CHECK(result.snap_truncated);
  CHECK(packet.payload.size() == 96 - 14 - 20 - 20);
  CHECK(decoder.stats().snap_truncated == 1);
}

TEST_CASE("decoder: IPv6 extension headers are skipped to the transport", "[sensors][decoder]") {
  const Bytes seg = tcp(40000, 443, kSyn, {}, {0x02, 0x04, 0x05, 0xb4});
  SECTION("hop-by-hop, routing, destination options") {
    const Bytes body = cat({ipv6_ext(43), ipv6_ext(60, 1), ipv6_ext(kProtoTcp), seg});
    const auto d = decode(kLinkEthernet, ether(0x86dd, ipv6(0, body)));
    REQUIRE(d.result.decoded());
    CHECK(d.result.anomaly.empty());
    CHECK(d.packet.proto == kProtoTcp);
    CHECK(d.packet.dst_port == 443);
    CHECK(d.packet.tcp_flags == kSyn);
    CHECK(d.packet.ip_header.size() == 40 + 8 + 16 + 8);
    CHECK(d.packet.src == ip("2001:db8::1"));
    CHECK(d.packet.ttl == 64);
  }
  SECTION("authentication header") {
    const auto d = decode(kLinkIpv6, ipv6(51, cat({ipv6_ah(kProtoUdp), udp(7, 9, text("ah"))})));
    REQUIRE(d.result.decoded());
    CHECK(d.packet.proto == kProtoUdp);
    CHECK(str(d.packet.payload) == "ah");
  }
  SECTION("fragment header: first and later fragments") {
    Decoder decoder;
    const auto first = decode(kLinkIpv6, ipv6(44, cat({ipv6_frag(kProtoUdp, 0, true), udp(7, 9, text("abc"))})),
                              &decoder);
    REQUIRE(first.result.decoded());
    CHECK(first.packet.ip_fragment);
    CHECK_FALSE(first.result.has_transport);
    CHECK(first.result.fragment.id == 0xabcd);
    CHECK(first.result.fragment.proto == kProtoUdp);
    CHECK(first.result.fragment.header.size() == 40);
    CHECK(first.result.fragment.next_header_at == 6);
    const auto later = decode(kLinkIpv6, ipv6(44, cat({ipv6_frag(kProtoUdp, 2, false), text("tail")})), &decoder);
    REQUIRE(later.result.decoded());
    CHECK(later.packet.ip_fragment);
    CHECK_FALSE(later.result.has_transport);
    CHECK(str(later.packet.payload) == "tail");
    CHECK(decoder.stats().fragments == 2);
  }
  SECTION("an atomic fragment (offset 0, no more) is a whole packet") {
    const auto d = decode(kLinkIpv6, ipv6(44, cat({ipv6_frag(kProtoUdp, 0, false), udp(7, 9)})));
    REQUIRE(d.result.decoded());
    CHECK_FALSE(d.packet.ip_fragment);
  }
  SECTION("no next header") {
    const auto d = decode(kLinkIpv6, ipv6(59, {}));
    REQUIRE(d.result.decoded());
    CHECK(d.packet.proto == 59);
  }
  SECTION("an extension header running past the packet") {
    Bytes ext = ipv6_ext(kProtoTcp, 0);
    ext[1] = 5;  // claims 48 bytes
    const auto d = decode(kLinkIpv6, ipv6(60, ext));
    CHECK(d.result.status == DecodeStatus::invalid);
    CHECK(d.result.anomaly == "ipv6.trunc_exthdr");
  }
  SECTION("hop-by-hop not first is a finding") {
    const auto d = decode(kLinkIpv6, ipv6(60, cat({ipv6_ext(0), ipv6_ext(kProtoUdp), udp(1, 2)})));
    CHECK(d.result.decoded());
    CHECK(d.result.anomaly == "ipv6.hopopts_not_first");
  }
  SECTION("payload length beyond the frame") {
    Bytes b = ipv6(kProtoUdp, udp(1, 2, text("abc")));
    b[5] += 10;
    CHECK(decode(kLinkIpv6, b).result.anomaly == "ipv6.trunc_pkt");
  }
}

TEST_CASE("decoder: TCP options and header length checks", "[sensors][decoder]") {
  const Bytes options{0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07, 0x04, 0x02, 0x00, 0x00};  // MSS NOP WS SACKOK
  const auto d = decode(kLinkIpv4, ipv4(kProtoTcp, tcp(1, 2, kSyn, text("data"), options)));
  REQUIRE(d.result.decoded());
  CHECK(d.result.anomaly.empty());
  CHECK(str(d.packet.payload) == "data");

  Bytes small = ipv4(kProtoTcp, tcp(1, 2, kAck, text("data")));
  small[20 + 12] = 0x40;  // data offset 4 words
  CHECK(decode(kLinkIpv4, small).result.anomaly == "tcp.hlen_too_small");

  Bytes large = ipv4(kProtoTcp, tcp(1, 2, kAck, text("data")));
  large[20 + 12] = 0xf0;  // 60-byte header in a 24-byte segment
  CHECK(decode(kLinkIpv4, large).result.anomaly == "tcp.invalid_optlen");

  const auto bad_opt = decode(kLinkIpv4, ipv4(kProtoTcp, tcp(1, 2, kSyn, {}, {0x02, 0x09, 0x05, 0xb4})));
  CHECK(bad_opt.result.decoded());
  CHECK(bad_opt.result.anomaly == "tcp.opt_invalid_len");

  CHECK(decode(kLinkIpv4, ipv4(kProtoTcp, Bytes(12, 0))).result.anomaly == "tcp.pkt_too_small");
}

TEST_CASE("decoder: UDP", "[sensors][decoder]") {
  const auto d = decode(kLinkIpv4, ipv4(kProtoUdp, udp(5353, 53, text("query"))));
  REQUIRE(d.result.decoded());
  CHECK(d.packet.src_port == 5353);
  CHECK(d.packet.dst_port == 53);
  CHECK(str(d.packet.payload) == "query");

  Bytes short_len = ipv4(kProtoUdp, udp(1, 2, text("query")));
  short_len[20 + 5] = 4;
  CHECK(decode(kLinkIpv4, short_len).result.anomaly == "udp.hlen_invalid");
  Bytes long_len = ipv4(kProtoUdp, udp(1, 2, text("query")));
  long_len[20 + 5] = 200;
  CHECK(decode(kLinkIpv4, long_len).result.anomaly == "udp.len_invalid");
  CHECK(decode(kLinkIpv4, ipv4(kProtoUdp, Bytes(5, 0))).result.anomaly == "udp.pkt_too_small");
  // A UDP length shorter than the IP payload: the datagram ends where UDP says.
  Bytes trailing = ipv4(kProtoUdp, cat({udp(1, 2, text("ab")), text("junk")}));
  CHECK(str(decode(kLinkIpv4, trailing).packet.payload) == "ab");
}

TEST_CASE("decoder: ICMP and ICMPv6", "[sensors][decoder]") {
  const auto echo = decode(kLinkIpv4, ipv4(kProtoIcmp, icmp(8, 0, 0x77, 3, text("ping"))));
  REQUIRE(echo.result.decoded());
  CHECK(echo.packet.icmp_type == 8);
  CHECK(echo.packet.has_icmp_echo_fields);
  CHECK(echo.packet.icmp_id == 0x77);
  CHECK(echo.packet.icmp_seq == 3);
  CHECK(str(echo.packet.payload) == "ping");

  const auto unreachable = decode(kLinkIpv4, ipv4(kProtoIcmp, icmp(3, 3, 0, 0, Bytes(28, 0))));
  REQUIRE(unreachable.result.decoded());
  CHECK(unreachable.packet.icmp_code == 3);
  CHECK_FALSE(unreachable.packet.has_icmp_echo_fields);

  const auto echo6 = decode(kLinkIpv6, ipv6(kProtoIcmpV6, icmp(129, 0, 9, 10, text("pong"))));
  REQUIRE(echo6.result.decoded());
  CHECK(echo6.packet.icmp_type == 129);
  CHECK(echo6.packet.icmp_id == 9);
  CHECK(echo6.packet.icmp_seq == 10);

  CHECK(decode(kLinkIpv4, ipv4(kProtoIcmp, Bytes(4, 0))).result.anomaly == "icmpv4.pkt_too_small");
  CHECK(decode(kLinkIpv6, ipv6(kProtoIcmpV6, Bytes(4, 0))).result.anomaly == "icmpv6.pkt_too_small");
}

TEST_CASE("decoder: other IP protocols keep their payload", "[sensors][decoder]") {
  Decoder decoder;
  const auto gre = decode(kLinkIpv4, ipv4(47, text("gre-body")), &decoder);
  REQUIRE(gre.result.decoded());
  CHECK(gre.packet.proto == 47);
  CHECK(str(gre.packet.payload) == "gre-body");
  CHECK(decoder.stats().other_ip_proto == 1);
}

namespace {

struct Sample {
  const char* name;
  int link_type;
  Bytes frame;
};

std::vector<Sample> valid_samples() {
  const Bytes http = http_get();
  Ip4Spec opts;
  opts.options = {0x01, 0x01, 0x94, 0x04};
  std::vector<Sample> s = {
      {"ether tcp", kLinkEthernet, ether(0x0800, http)},
      {"ether qinq", kLinkEthernet, ether(0x0800, http, {{0x88a8, 1}, {0x8100, 2}})},
      {"ether ipv4 options udp", kLinkEthernet, ether(0x0800, ipv4(opts, kProtoUdp, udp(1, 2, text("abc"))))},
      {"ether ipv6 ext tcp", kLinkEthernet,
       ether(0x86dd, ipv6(0, cat({ipv6_ext(43), ipv6_ext(51), ipv6_ah(kProtoTcp), tcp(1, 2, kSyn, {}, {1, 1, 1, 0})})))},
      {"ether ipv6 frag", kLinkEthernet, ether(0x86dd, ipv6(44, cat({ipv6_frag(kProtoUdp, 0, true), udp(1, 2, text("x"))})))},
      {"sll icmp", kLinkLinuxSll, sll(0x0800, ipv4(kProtoIcmp, icmp(8, 0, 1, 1, text("p"))))},
      {"sll2 icmpv6", kLinkLinuxSll2, sll2(0x86dd, ipv6(kProtoIcmpV6, icmp(128, 0, 1, 1, text("p"))))},
      {"raw", kLinkRaw, http},
      {"null", kLinkNull, null_le(2, http)},
      {"loop v6", kLinkLoop, null_be(30, ipv6(kProtoUdp, udp(1, 2, text("q"))))},
      {"ppp", kLinkPpp, cat({Bytes{0xff, 0x03, 0x00, 0x57}, ipv6(kProtoUdp, udp(1, 2))})},
      {"chdlc", kLinkCiscoHdlc, cat({Bytes{0x0f, 0x00, 0x08, 0x00}, http})},
  };
  return s;
}

}  // namespace

TEST_CASE("decoder: every truncation of a valid frame is safe and counted", "[sensors][decoder][robustness]") {
  for (const auto& sample : valid_samples()) {
    INFO(sample.name);
    REQUIRE(decode(sample.link_type, sample.frame).result.decoded());
    for (size_t len = 0; len < sample.frame.size(); ++len) {
      INFO("length " << len);
      // An exact-size heap copy, so a sanitizer build catches any read past the end.
      const Bytes cut(sample.frame.begin(), sample.frame.begin() + static_cast<std::ptrdiff_t>(len));
      Decoder decoder;
      rules::Packet packet;
      // Truly truncated: the wire length agrees with what was captured.
      const auto result = decoder.decode(sample.link_type, raw_of(cut), packet);
      if (result.status == DecodeStatus::invalid) {
        CHECK_FALSE(result.anomaly.empty());
        CHECK(decoder.stats().anomalies.at(std::string(result.anomaly)) == 1);
      } else {
        // A cut inside the link header can leave a frame that simply is not IP.
        CHECK((result.status == DecodeStatus::decoded || result.status == DecodeStatus::not_ip));
      }
      // Cut by the snap length: lengths past the capture are clipped instead.
      RawPacket snapped = raw_of(cut);
      snapped.wire_len = static_cast<uint32_t>(sample.frame.size());
      const auto snapped_result = decoder.decode(sample.link_type, snapped, packet);
      CHECK(snapped_result.status != DecodeStatus::unsupported_link);
      if (snapped_result.decoded()) {
        CHECK(packet.payload.data() + packet.payload.size() <=
              reinterpret_cast<const char*>(cut.data()) + cut.size());
      }
    }
  }
}

TEST_CASE("decoder: random corruption never crashes", "[sensors][decoder][robustness]") {
  std::mt19937 rng(1234);
  Decoder decoder;
  rules::Packet packet;
  const int links[] = {kLinkEthernet, kLinkLinuxSll, kLinkLinuxSll2, kLinkRaw, kLinkNull, kLinkLoop, kLinkPpp,
                       kLinkCiscoHdlc, kLinkIpv4, kLinkIpv6};
  for (const auto& sample : valid_samples()) {
    for (int round = 0; round < 2000; ++round) {
      Bytes mutated = sample.frame;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips; ++i) mutated[rng() % mutated.size()] = static_cast<uint8_t>(rng());
      mutated.resize(rng() % (mutated.size() + 1));
      const Bytes exact(mutated.begin(), mutated.end());
      const int link = round % 3 == 0 ? links[rng() % std::size(links)] : sample.link_type;
      const auto result = decoder.decode(link, raw_of(exact), packet);
      if (result.decoded()) {
        CHECK(packet.payload.size() <= exact.size());
      }
    }
  }
  CHECK(decoder.stats().packets == valid_samples().size() * 2000);
}
