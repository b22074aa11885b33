#include "vigil/sensors/flow_table.h"

#include <catch2/catch.hpp>

#include <string>

#include "sensors/frames.h"
#include "vigil/sensors/decoder.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kFin = rules::kTcpFin;
constexpr uint8_t kRst = rules::kTcpRst;
constexpr uint8_t kPsh = rules::kTcpPsh;

const std::string kClient = "192.168.1.10";
const std::string kServer = "10.1.1.1";

// Decodes a raw IPv4 packet so the flow table sees exactly what production code gives it.
rules::Packet packet_of(const Bytes& ip_packet, Timestamp ts) {
  Decoder decoder;
  rules::Packet packet;
  const auto result = decoder.decode(kLinkIpv4, raw_of(ip_packet, ts), packet);
  REQUIRE(result.decoded());
  packet.payload = {};  // they point into ip_packet, which is gone after this call
  packet.ip_header = {};
  return packet;
}

rules::Packet tcp_c2s(uint8_t flags, Timestamp ts, const std::string& payload = "", uint16_t cport = 51000) {
  return packet_of(ipv4(kProtoTcp, tcp(cport, 80, flags, text(payload)), kClient, kServer), ts);
}
rules::Packet tcp_s2c(uint8_t flags, Timestamp ts, const std::string& payload = "", uint16_t cport = 51000) {
  return packet_of(ipv4(kProtoTcp, tcp(80, cport, flags, text(payload)), kServer, kClient), ts);
}
rules::Packet udp_pkt(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport, Timestamp ts) {
  return packet_of(ipv4(kProtoUdp, udp(sport, dport, text("d")), src, dst), ts);
}

struct Table {
  explicit Table(FlowTableOptions options = {}) : table(sink, SensorIdentity{"s1", "wan"}, options) {}
  Flow& feed(rules::Packet packet, uint32_t bytes = 100) {
    last = packet;
    return table.update(last, bytes);
  }
  FakeEventSink sink;
  FlowTable table;
  rules::Packet last;
};

}  // namespace

TEST_CASE("flow table: TCP handshake sets direction and established", "[sensors][flow]") {
  Table t;
  t.feed(tcp_c2s(kSyn, seconds(1)));
  const uint64_t id = t.last.flow_id;
  CHECK(id != 0);
  CHECK(id < (uint64_t{1} << 53));
  CHECK(t.last.to_server);
  CHECK_FALSE(t.last.established);
  CHECK(t.last.flow_state != nullptr);

  t.feed(tcp_s2c(kSyn | kAck, seconds(1) + 100));
  CHECK(t.last.flow_id == id);
  CHECK_FALSE(t.last.to_server);
  CHECK_FALSE(t.last.established);

  Flow& flow = t.feed(tcp_c2s(kAck, seconds(1) + 200));
  CHECK(t.last.flow_id == id);
  CHECK(t.last.to_server);
  CHECK(t.last.established);
  CHECK(flow.state == FlowStateKind::established);

  t.feed(tcp_s2c(kPsh | kAck, seconds(2), "response"));
  CHECK_FALSE(t.last.to_server);
  CHECK(t.last.established);
  rules::FlowState* state = t.last.flow_state;
  t.feed(tcp_c2s(kAck, seconds(2) + 1));
  CHECK(t.last.flow_state == state);
  CHECK(t.table.size() == 1);
  CHECK(t.table.stats().created == 1);
}

TEST_CASE("flow table: a first-seen SYN-ACK makes its receiver the client", "[sensors][flow]") {
  Table t;
  t.feed(tcp_s2c(kSyn | kAck, seconds(5)));
  CHECK_FALSE(t.last.to_server);
  t.feed(tcp_c2s(kAck, seconds(5) + 10));
  CHECK(t.last.to_server);
  CHECK(t.last.established);
  t.table.flush_all();
  REQUIRE(t.sink.events.size() == 1);
  const Event& e = t.sink.events[0];
  CHECK(e.src_ip == ip(kClient));
  CHECK(e.dest_ip == ip(kServer));
  CHECK(e.src_port == 51000);
  CHECK(e.dest_port == 80);
  CHECK(e.flow->pkts_toserver == 1);
  CHECK(e.flow->pkts_toclient == 1);
}

TEST_CASE("flow table: midstream pickup", "[sensors][flow]") {
  SECTION("off by default, as Suricata: a flow without handshake never becomes established") {
    Table t;
    t.feed(tcp_c2s(kPsh | kAck, seconds(1), "data"));
    CHECK_FALSE(t.last.established);
    CHECK(t.last.to_server);
    t.feed(tcp_s2c(kAck, seconds(1) + 5));
    CHECK_FALSE(t.last.established);
  }
  SECTION("on: established from the first packet") {
    FlowTableOptions options;
    options.midstream = true;
    Table t(options);
    t.feed(tcp_c2s(kPsh | kAck, seconds(1), "data"));
    CHECK(t.last.established);
    CHECK(t.last.to_server);
  }
}

TEST_CASE("flow table: async-oneside completes a handshake seen from one side", "[sensors][flow]") {
  SECTION("client side only: SYN then ACK without the SYN-ACK") {
    for (const bool async : {false, true}) {
      FlowTableOptions options;
      options.async_oneside = async;
      Table t(options);
      t.feed(tcp_c2s(kSyn, seconds(1)));
      t.feed(tcp_c2s(kAck, seconds(1) + 10));
      t.feed(tcp_c2s(kPsh | kAck, seconds(1) + 20, "GET /"));
      CHECK(t.last.established == async);
    }
  }
  SECTION("server side only: SYN-ACK then the server's data") {
    FlowTableOptions options;
    options.async_oneside = true;
    Table t(options);
    t.feed(tcp_s2c(kSyn | kAck, seconds(1)));
    CHECK_FALSE(t.last.established);
    t.feed(tcp_s2c(kPsh | kAck, seconds(1) + 10, "HTTP/1.1 200"));
    CHECK(t.last.established);
    CHECK_FALSE(t.last.to_server);
  }
  SECTION("a client ACK before any SYN-ACK is not enough without it") {
    Table t;
    t.feed(tcp_c2s(kSyn, seconds(1)));
    t.feed(tcp_c2s(kAck, seconds(1) + 10));
    CHECK_FALSE(t.last.established);
  }
}

TEST_CASE("flow table: UDP and ICMP are established once both directions are seen", "[sensors][flow]") {
  Table t;
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(1)));
  CHECK_FALSE(t.last.established);
  CHECK(t.last.to_server);
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(1) + 1));
  CHECK_FALSE(t.last.established);
  t.feed(udp_pkt(kServer, 53, kClient, 5000, seconds(1) + 2));
  CHECK(t.last.established);
  CHECK_FALSE(t.last.to_server);

  t.feed(packet_of(ipv4(kProtoIcmp, icmp(8, 0, 7, 1), kClient, kServer), seconds(2)));
  const uint64_t ping = t.last.flow_id;
  CHECK_FALSE(t.last.established);
  t.feed(packet_of(ipv4(kProtoIcmp, icmp(0, 0, 7, 1), kServer, kClient), seconds(2) + 1));
  CHECK(t.last.flow_id == ping);
  CHECK_FALSE(t.last.to_server);
  CHECK(t.last.established);
  t.feed(packet_of(ipv4(kProtoIcmp, icmp(8, 0, 8, 1), kClient, kServer), seconds(2) + 2));
  CHECK(t.last.flow_id != ping);  // another echo identifier is another flow
}

TEST_CASE("flow table: close after FIN both ways or RST, then the closed timeout", "[sensors][flow]") {
  Table t;
  t.feed(tcp_c2s(kSyn, seconds(1)));
  t.feed(tcp_s2c(kSyn | kAck, seconds(1)));
  t.feed(tcp_c2s(kAck, seconds(1)));
  t.feed(tcp_c2s(kFin | kAck, seconds(2)));
  CHECK(t.last.established);
  Flow& flow = t.feed(tcp_s2c(kFin | kAck, seconds(2) + 5));
  CHECK(flow.state == FlowStateKind::closed);
  CHECK(t.last.established);  // closing packets still belong to an established session
  t.feed(tcp_c2s(kAck, seconds(2) + 6));

  // Another flow moves packet time; 10 s after its last packet the closed flow ends.
  t.feed(udp_pkt("1.1.1.1", 1, "2.2.2.2", 2, seconds(12)));
  CHECK(t.sink.events.empty());
  t.feed(udp_pkt("1.1.1.1", 1, "2.2.2.2", 2, seconds(13)));
  REQUIRE(t.sink.events.size() == 1);
  const Event& e = t.sink.events[0];
  CHECK(e.type == EventType::flow);
  CHECK(e.flow->state == "closed");
  CHECK(e.flow->reason == "timeout");
  CHECK(e.flow->pkts_toserver == 4);
  CHECK(e.flow->pkts_toclient == 2);
  CHECK(e.timestamp == seconds(2) + 6);
  CHECK(e.sensor == "s1");
  CHECK(e.zone == "wan");

  SECTION("RST closes at once") {
    Table r;
    Flow& f = r.feed(tcp_c2s(kSyn, seconds(1)));
    r.feed(tcp_s2c(kRst | kAck, seconds(1) + 1));
    CHECK(f.state == FlowStateKind::closed);
  }
}

TEST_CASE("flow table: a SYN on a closed flow's 5-tuple starts a new flow", "[sensors][flow]") {
  Table t;
  t.feed(tcp_c2s(kSyn, seconds(1)));
  const uint64_t first = t.last.flow_id;
  t.feed(tcp_s2c(kRst | kAck, seconds(1)));
  t.feed(tcp_c2s(kSyn, seconds(2)));
  CHECK(t.last.flow_id != first);
  CHECK(t.table.stats().tcp_reused == 1);
  REQUIRE(t.sink.events.size() == 1);
  CHECK(t.sink.events[0].flow_id == first);
}

TEST_CASE("flow table: timeouts by state on packet time", "[sensors][flow]") {
  FlowTableOptions options;
  options.midstream = true;  // the data packet below starts an established flow
  Table t(options);
  t.feed(tcp_c2s(kSyn, seconds(100)));  // new: 30 s
  const uint64_t syn_flow = t.last.flow_id;
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(100)));
  t.feed(udp_pkt(kServer, 53, kClient, 5000, seconds(100)));  // established UDP: 120 s
  t.feed(tcp_c2s(kPsh | kAck, seconds(100), "x", 52000));     // established TCP (midstream): 300 s
  // A busy flow elsewhere that moves packet time along.
  auto tick = [&t](Timestamp ts) {
    t.feed(udp_pkt("1.1.1.1", 1, "2.2.2.2", 2, ts));
    t.feed(udp_pkt("2.2.2.2", 2, "1.1.1.1", 1, ts));
  };
  tick(seconds(100));

  tick(seconds(129));
  CHECK(t.sink.events.empty());
  tick(seconds(131));
  REQUIRE(t.sink.events.size() == 1);
  CHECK(t.sink.events[0].flow_id == syn_flow);
  CHECK(t.sink.events[0].flow->state == "new");
  CHECK(t.sink.events[0].flow->reason == "timeout");

  tick(seconds(219));
  CHECK(t.sink.events.size() == 1);
  tick(seconds(221));
  REQUIRE(t.sink.events.size() == 2);
  CHECK(t.sink.events[1].proto == kProtoUdp);
  CHECK(t.sink.events[1].flow->state == "established");
  CHECK(t.sink.events[1].dest_port == 53);

  tick(seconds(300));
  tick(seconds(399));
  CHECK(t.sink.events.size() == 2);
  // No packets for a while (idle live capture): time still passes.
  t.table.advance_time(seconds(401));
  REQUIRE(t.sink.events.size() == 3);
  CHECK(t.sink.events[2].proto == kProtoTcp);
  CHECK(t.sink.events[2].src_port == 52000);
  CHECK(t.table.stats().timed_out == 3);
  CHECK(t.table.size() == 1);
}

TEST_CASE("flow table: a 5-tuple seen again after its timeout gets a new flow id", "[sensors][flow]") {
  Table t;
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(10)));
  const uint64_t first = t.last.flow_id;
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(10) + seconds(31)));
  CHECK(t.last.flow_id != first);
  CHECK(t.last.flow_id < (uint64_t{1} << 53));
  REQUIRE(t.sink.events.size() == 1);
  CHECK(t.sink.events[0].flow_id == first);
  CHECK(t.sink.events[0].flow->reason == "timeout");
}

TEST_CASE("flow table: time going backwards expires nothing", "[sensors][flow]") {
  Table t;
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(1000)));
  const uint64_t id = t.last.flow_id;
  t.feed(tcp_c2s(kSyn, seconds(990)));
  // A stitched capture jumps back a year, then continues from there.
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(1000) - hours(24 * 365)));
  CHECK(t.last.flow_id == id);
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(1000) - hours(24 * 365) + seconds(20)));
  CHECK(t.last.flow_id == id);
  CHECK(t.sink.events.empty());
  CHECK(t.table.now() == seconds(1000));
  CHECK(t.table.size() == 2);

  t.table.flush_all();
  REQUIRE(t.sink.events.size() == 2);
  for (const auto& e : t.sink.events) CHECK(e.flow->reason == "shutdown");
}

TEST_CASE("flow table: the memory cap evicts the least recently active flow", "[sensors][flow]") {
  FlowTableOptions options;
  options.max_flows = 2;
  Table t(options);
  t.feed(udp_pkt(kClient, 1, kServer, 53, seconds(1)));
  const uint64_t oldest = t.last.flow_id;
  t.feed(udp_pkt(kClient, 2, kServer, 53, seconds(2)));
  t.feed(udp_pkt(kClient, 3, kServer, 53, seconds(3)));
  CHECK(t.table.size() == 2);
  REQUIRE(t.sink.events.size() == 1);
  CHECK(t.sink.events[0].flow_id == oldest);
  CHECK(t.sink.events[0].flow->reason == "forced");
  CHECK(t.table.stats().evicted == 1);
  CHECK(t.table.stats().ended == 1);
  CHECK(t.table.stats().active == 2);
}

TEST_CASE("flow table: flush_all emits complete flow events", "[sensors][flow]") {
  Table t;
  Flow& flow = t.feed(tcp_c2s(kSyn, seconds(1)), 74);
  t.feed(tcp_s2c(kSyn | kAck, seconds(1) + 10), 74);
  t.feed(tcp_c2s(kAck, seconds(1) + 20), 66);
  t.feed(tcp_c2s(kPsh | kAck, seconds(2), "GET /"), 200);
  t.feed(tcp_s2c(kPsh | kAck, seconds(3), "200 OK"), 1500);
  flow.alerted = true;
  const uint64_t id = t.last.flow_id;
  t.table.flush_all();
  CHECK(t.table.size() == 0);
  REQUIRE(t.sink.events.size() == 1);
  const Event& e = t.sink.events[0];
  CHECK(e.type == EventType::flow);
  CHECK(e.flow_id == id);
  CHECK(e.timestamp == seconds(3));
  CHECK(e.src_ip == ip(kClient));
  CHECK(e.dest_ip == ip(kServer));
  CHECK(e.src_port == 51000);
  CHECK(e.dest_port == 80);
  CHECK(e.proto == kProtoTcp);
  REQUIRE(e.flow.has_value());
  CHECK(e.flow->pkts_toserver == 3);
  CHECK(e.flow->pkts_toclient == 2);
  CHECK(e.flow->bytes_toserver == 74 + 66 + 200);
  CHECK(e.flow->bytes_toclient == 74 + 1500);
  CHECK(e.flow->start == seconds(1));
  CHECK(e.flow->end == seconds(3));
  CHECK(e.flow->state == "established");
  CHECK(e.flow->reason == "shutdown");
  CHECK(e.flow->alerted);
  CHECK(t.table.stats().shutdown == 1);
}

TEST_CASE("flow table: the key hash is symmetric and stable", "[sensors][flow]") {
  Table t;
  t.feed(udp_pkt(kClient, 5000, kServer, 53, seconds(1)));
  const uint64_t forward = t.last.flow_id;
  t.feed(udp_pkt(kServer, 53, kClient, 5000, seconds(1)));
  CHECK(t.last.flow_id == forward);

  FlowKey key;
  key.addr_lo = ip("10.0.0.1").bytes();
  key.addr_hi = ip("10.0.0.2").bytes();
  key.port_lo = 1234;
  key.port_hi = 80;
  key.proto = kProtoTcp;
  // Pinned: flow ids must not change between builds, platforms or runs.
  CHECK(flow_key_hash(key) == flow_key_hash(key));
  CHECK(flow_key_hash(key) == UINT64_C(0xa9f65ef6fd58b63a));
}

TEST_CASE("flow table: same capture, same flow ids", "[sensors][flow]") {
  auto run = [] {
    Table t;
    std::vector<uint64_t> ids;
    for (int i = 0; i < 20; ++i) {
      t.feed(udp_pkt(kClient, static_cast<uint16_t>(1000 + i % 5), kServer, 53, seconds(i * 40)));
      ids.push_back(t.last.flow_id);
    }
    return ids;
  };
  CHECK(run() == run());
}
