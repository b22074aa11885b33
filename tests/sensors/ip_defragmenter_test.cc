// IP fragment reassembly through the whole packet path: fragments in, one datagram through the
// flow table and detection out; the first-wins overlap policy; timeouts, the memory cap and bad
// fragments counted as anomalies.
#include "vigil/sensors/ip_defragmenter.h"

#include <catch2/catch.hpp>

#include <string>

#include "sensors/frames.h"
#include "vigil/sensors/packet_processor.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

std::shared_ptr<const rules::RuleSet> compile(const std::string& text) {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(text, "defrag.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.issues.empty());
  return *rule_set;
}

const std::string kRules =
    "alert udp any any -> any 53 (msg:\"VIGIL fragmented udp\"; content:\"vigil-fragmented-attack\"; sid:1000101;)\n"
    "alert udp any any -> any 53 (msg:\"VIGIL overlap loser\"; content:\"XXXXXXXX\"; sid:1000102;)\n"
    "alert tcp any any -> any 80 (msg:\"VIGIL tiny fragments\"; content:\"/etc/passwd\"; sid:1000103;)\n";

struct Harness {
  explicit Harness(ProcessorOptions options = {}) : processor({"edge-1", "wan"}, compile(kRules), sink, options) {}
  void feed(const Bytes& frame, Timestamp ts) { processor.process(kLinkEthernet, raw_of(frame, ts)); }
  std::vector<uint32_t> sids() const {
    std::vector<uint32_t> out;
    for (const auto& e : sink.of_type(EventType::alert)) out.push_back(e.alert->signature_id);
    return out;
  }
  uint64_t anomalies(const std::string& kind) const {
    const auto& all = processor.stats().decoder.anomalies;
    const auto it = all.find(kind);
    return it == all.end() ? 0 : it->second;
  }
  FakeEventSink sink;
  PacketProcessor processor;
};

// IPv4 fragment of `datagram` (the transport segment) covering [offset, offset + size).
Bytes v4_fragment(const Bytes& datagram, size_t offset, size_t size, bool more, uint16_t id = 0x4242,
                  uint8_t proto = kProtoUdp) {
  Ip4Spec spec;
  spec.id = id;
  spec.frag = static_cast<uint16_t>((more ? 0x2000 : 0) | (offset / 8));
  const Bytes part(datagram.begin() + static_cast<ptrdiff_t>(offset),
                   datagram.begin() + static_cast<ptrdiff_t>(offset + size));
  return ether(0x0800, ipv4(spec, proto, part));
}

Bytes v6_fragment(const Bytes& datagram, size_t offset, size_t size, bool more, bool with_dst_options = false) {
  const Bytes part(datagram.begin() + static_cast<ptrdiff_t>(offset),
                   datagram.begin() + static_cast<ptrdiff_t>(offset + size));
  const Bytes frag = cat({ipv6_frag(kProtoUdp, static_cast<uint16_t>(offset / 8), more, 0x77), part});
  if (with_dst_options) return ether(0x86dd, ipv6(60, cat({ipv6_ext(44), frag})));
  return ether(0x86dd, ipv6(44, frag));
}

const Bytes kUdpAttack = udp(40000, 53, text("....vigil-fragmented-attack....padding-to-make-it-longer"));

}  // namespace

TEST_CASE("defrag: IPv4 fragments out of order reassemble into one packet that is detected", "[sensors][defrag]") {
  Harness h;
  REQUIRE(kUdpAttack.size() == 64);
  h.feed(v4_fragment(kUdpAttack, 24, 16, true), seconds(1));
  h.feed(v4_fragment(kUdpAttack, 40, 24, false), seconds(1) + 1);
  CHECK(h.sids().empty());
  h.feed(v4_fragment(kUdpAttack, 0, 24, true), seconds(1) + 2);  // the content spans all three
  CHECK(h.sids() == std::vector<uint32_t>{1000101});
  const auto alert = h.sink.of_type(EventType::alert).at(0);
  CHECK(alert.src_port == 40000);
  CHECK(alert.dest_port == 53);
  CHECK(alert.sensor == "edge-1");
  CHECK(alert.zone == "wan");
  h.processor.finish();
  const auto stats = h.processor.stats();
  CHECK(stats.defrag.fragments == 3);
  CHECK(stats.defrag.reassembled == 1);
  CHECK(stats.defrag.active == 0);
  CHECK(stats.defrag.memory == 0);
  CHECK(stats.flows.created == 1);
  CHECK(stats.decoder.udp == 1);
  const auto flows = h.sink.of_type(EventType::flow);
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].flow->pkts_toserver == 1);  // one datagram, however many fragments
  CHECK(flows[0].dest_port == 53);
}

TEST_CASE("defrag: IPv6 fragments behind a destination options header reassemble", "[sensors][defrag]") {
  Harness h;
  for (bool dst_options : {false, true}) {
    h.feed(v6_fragment(kUdpAttack, 32, 32, false, dst_options), seconds(2));
    h.feed(v6_fragment(kUdpAttack, 0, 32, true, dst_options), seconds(2) + 1);
  }
  CHECK(h.sids() == std::vector<uint32_t>{1000101, 1000101});
  CHECK(h.processor.stats().defrag.reassembled == 2);
  CHECK(h.processor.stats().decoder.anomalies.empty());
  const auto alert = h.sink.of_type(EventType::alert).at(0);
  CHECK(alert.src_ip->to_string() == "2001:db8::1");
  CHECK(alert.dest_port == 53);
}

TEST_CASE("defrag: a TCP header split over tiny fragments is still reassembled and detected", "[sensors][defrag]") {
  Harness h;
  const Bytes segment = tcp(51000, 80, rules::kTcpPsh | rules::kTcpAck, text("GET /etc/passwd HTTP/1.0\r\n\r\n"));
  h.feed(v4_fragment(segment, 0, 8, true, 7, kProtoTcp), seconds(3));  // ports only, no flags
  h.feed(v4_fragment(segment, 8, 16, true, 7, kProtoTcp), seconds(3));
  h.feed(v4_fragment(segment, 24, segment.size() - 24, false, 7, kProtoTcp), seconds(3));
  CHECK(h.sids() == std::vector<uint32_t>{1000103});
  CHECK(h.processor.stats().decoder.invalid == 0);
}

TEST_CASE("defrag: overlapping fragments keep the bytes that came first", "[sensors][defrag]") {
  Harness h;
  // The datagram as first sent, and a later fragment rewriting bytes 16..31 with X's.
  h.feed(v4_fragment(kUdpAttack, 0, 32, true), seconds(4));
  Bytes forged = kUdpAttack;
  std::fill(forged.begin() + 16, forged.begin() + 40, 'X');
  h.feed(v4_fragment(forged, 16, 24, true), seconds(4));  // overlaps 16..31, adds 32..39 (X's)
  h.feed(v4_fragment(kUdpAttack, 40, 24, false), seconds(4));
  CHECK(h.anomalies("ipv4.frag_overlap") == 1);
  CHECK(h.processor.stats().defrag.overlaps == 1);
  REQUIRE(h.processor.stats().defrag.reassembled == 1);
  // Bytes 16..31 stay as first sent; 32..39 were a hole, which the forged fragment filled, so
  // the attack string (bytes 12..34) is broken and the X's are in.
  const auto anomalies = h.sink.of_type(EventType::anomaly);
  REQUIRE(anomalies.size() == 1);
  CHECK(anomalies[0].anomaly->event == "ipv4.frag_overlap");
  CHECK(h.sids() == std::vector<uint32_t>{1000102});  // the X's at 32..39 filled a hole: kept
}

TEST_CASE("defrag: first wins keeps an attack that a later overlap tries to hide", "[sensors][defrag]") {
  Harness h;
  Bytes hidden = kUdpAttack;
  std::fill(hidden.begin() + 8, hidden.end(), 'Y');
  h.feed(v4_fragment(kUdpAttack, 0, 40, true, 9), seconds(6));
  h.feed(v4_fragment(hidden, 0, 40, true, 9), seconds(6));  // the same bytes again, harmless-looking
  h.feed(v4_fragment(kUdpAttack, 40, 24, false, 9), seconds(6));
  CHECK(h.processor.stats().defrag.reassembled == 1);
  CHECK(h.anomalies("ipv4.frag_overlap") == 1);
  CHECK(h.sids() == std::vector<uint32_t>{1000101});
}

TEST_CASE("defrag: an incomplete datagram times out on packet time", "[sensors][defrag]") {
  Harness h;
  h.feed(v4_fragment(kUdpAttack, 0, 24, true), seconds(10));
  CHECK(h.processor.stats().defrag.active == 1);
  h.feed(v4_fragment(kUdpAttack, 24, 40, false), seconds(41));  // 31 s later: the head is gone
  const auto stats = h.processor.stats();
  CHECK(stats.defrag.timed_out == 1);
  CHECK(stats.defrag.reassembled == 0);
  CHECK(stats.defrag.active == 1);  // the tail waits for a head of its own
  CHECK(h.sids().empty());
  h.processor.advance_time(seconds(100));
  CHECK(h.processor.stats().defrag.timed_out == 2);
  CHECK(h.processor.stats().defrag.memory == 0);
}

TEST_CASE("defrag: the memory cap evicts the oldest datagrams and counts them", "[sensors][defrag]") {
  ProcessorOptions options;
  options.defrag.memory_cap = 4096;
  Harness h(options);
  for (uint16_t id = 1; id <= 40; ++id) h.feed(v4_fragment(kUdpAttack, 0, 24, true, id), seconds(20));
  const auto stats = h.processor.stats();
  CHECK(stats.defrag.evicted > 0);
  CHECK(stats.defrag.evicted + stats.defrag.active == 40);
  CHECK(stats.defrag.memory <= 4096);
  // The newest datagram is still there and completes.
  h.feed(v4_fragment(kUdpAttack, 24, 40, false, 40), seconds(20));
  CHECK(h.sids() == std::vector<uint32_t>{1000101});
}

TEST_CASE("defrag: bad fragments are named anomalies, never a crash", "[sensors][defrag]") {
  ProcessorOptions options;
  options.defrag.max_fragments = 4;
  Harness h(options);
  SECTION("past 64 KiB") {
    Ip4Spec spec;
    spec.frag = static_cast<uint16_t>(65528 / 8);
    h.feed(ether(0x0800, ipv4(spec, kProtoUdp, Bytes(100, 'a'))), seconds(1));
    CHECK(h.anomalies("ipv4.frag_pkt_too_large") == 1);
    CHECK(h.processor.stats().defrag.active == 0);
  }
  SECTION("too many fragments for one datagram") {
    for (size_t i = 0; i < 5; ++i) h.feed(v4_fragment(kUdpAttack, i * 8, 8, true), seconds(1));
    CHECK(h.anomalies("ipv4.frag_too_many") == 1);
    CHECK(h.processor.stats().defrag.dropped == 1);
  }
  SECTION("a non-last fragment whose size is not a multiple of 8") {
    h.feed(v6_fragment(kUdpAttack, 0, 20, true), seconds(1));
    CHECK(h.anomalies("ipv6.frag_invalid_length") == 1);
  }
  SECTION("two different ends") {
    h.feed(v4_fragment(kUdpAttack, 32, 32, false), seconds(1));
    h.feed(v4_fragment(kUdpAttack, 32, 16, false), seconds(1));
    CHECK(h.anomalies("ipv4.frag_overlap") == 1);
  }
  CHECK(h.sids().empty());
  CHECK_FALSE(h.sink.of_type(EventType::anomaly).empty());
}
