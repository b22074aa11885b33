// IP-only rules through the packet processor: Suricata evaluates them on the first packet of each
// flow direction only, while "like IP-only" rules (a negated address) and rules with packet
// keywords run on every packet.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "sensors/frames.h"
#include "vigil/sensors/packet_processor.h"

using namespace vigil;
using namespace vigil::sensors;
using namespace vigil::sensors::test;

namespace {

constexpr uint8_t kSyn = rules::kTcpSyn;
constexpr uint8_t kAck = rules::kTcpAck;
constexpr uint8_t kPsh = rules::kTcpPsh;

const std::string kClient = "192.168.1.10";  // inside HOME_NET
const std::string kServer = "10.1.1.1";      // also inside HOME_NET (10/8), on the "reputation list"

Bytes c2s(uint16_t port, uint8_t flags, const std::string& payload = "") {
  return ether(0x0800, ipv4(kProtoTcp, tcp(port, 80, flags, text(payload)), kClient, kServer));
}
Bytes s2c(uint16_t port, uint8_t flags, const std::string& payload = "") {
  return ether(0x0800, ipv4(kProtoTcp, tcp(80, port, flags, text(payload)), kServer, kClient));
}

std::map<uint32_t, int> alerts_by_sid(const FakeEventSink& sink) {
  std::map<uint32_t, int> out;
  for (const Event& e : sink.of_type(EventType::alert)) ++out[e.alert->signature_id];
  return out;
}

}  // namespace

TEST_CASE("ip-only: rules fire once per flow direction, on its first packet", "[sensors][integration]") {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(
      // IP-only: a reputation list on the source side (with flowbits:set, still IP-only).
      "alert ip [10.1.1.1,203.0.113.9] any -> $HOME_NET any (msg:\"rep src\"; flowbits:set,bad; sid:1;)\n"
      // IP-only with both sides wide: every flow direction once.
      "alert tcp any any -> any any (msg:\"any tcp\"; sid:2;)\n"
      // Like IP-only (negated address): every packet that matches, as Suricata does.
      "alert tcp 192.168.1.10 any -> !10.9.9.9 any (msg:\"negated\"; sid:3;)\n"
      // A packet keyword: every packet.
      "alert tcp 10.1.1.1 any -> any any (msg:\"syn-ack\"; flags:SA; sid:4;)\n",
      "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  REQUIRE(report.issues.empty());

  FakeEventSink sink;
  PacketProcessor processor(SensorIdentity{"sensor-a", "lab"}, *rule_set, sink);
  Timestamp t = seconds(1);
  // Two TCP sessions, each 4 packets client -> server and 2 server -> client.
  for (uint16_t port : {51000, 51001}) {
    processor.process(kLinkEthernet, raw_of(c2s(port, kSyn), t += 10));
    processor.process(kLinkEthernet, raw_of(s2c(port, kSyn | kAck), t += 10));
    processor.process(kLinkEthernet, raw_of(c2s(port, kAck), t += 10));
    processor.process(kLinkEthernet, raw_of(c2s(port, kPsh | kAck, "hello"), t += 10));
    processor.process(kLinkEthernet, raw_of(s2c(port, kPsh | kAck, "world"), t += 10));
    processor.process(kLinkEthernet, raw_of(c2s(port, kAck), t += 10));
  }
  processor.finish();

  const auto counts = alerts_by_sid(sink);
  CHECK(counts.at(1) == 2);  // the first server -> client packet of each session
  CHECK(counts.at(2) == 4);  // first packet each way, two sessions
  CHECK(counts.at(3) == 8);  // every client packet
  CHECK(counts.at(4) == 2);  // each SYN-ACK
}

TEST_CASE("ip-only: a rule with flow keywords is not IP-only and runs on every packet", "[sensors][integration]") {
  rules::RuleLoadReport report;
  auto rule_set = rules::compile_rule_text(
      "alert tcp 192.168.1.10 any -> 10.1.1.1 any (msg:\"est\"; flow:established; sid:5;)\n"
      "alert tcp 192.168.1.10 any -> 10.1.1.1 any (msg:\"ip-only\"; sid:6;)\n",
      "test.rules", rules::RuleVariables::suricata_defaults(), report);
  REQUIRE(rule_set.has_value());
  FakeEventSink sink;
  PacketProcessor processor(SensorIdentity{"sensor-a", "lab"}, *rule_set, sink);
  Timestamp t = seconds(1);
  processor.process(kLinkEthernet, raw_of(c2s(52000, kSyn), t += 10));
  processor.process(kLinkEthernet, raw_of(s2c(52000, kSyn | kAck), t += 10));
  processor.process(kLinkEthernet, raw_of(c2s(52000, kAck), t += 10));
  processor.process(kLinkEthernet, raw_of(c2s(52000, kPsh | kAck, "one"), t += 10));
  processor.process(kLinkEthernet, raw_of(c2s(52000, kPsh | kAck, "two"), t += 10));
  processor.finish();
  const auto counts = alerts_by_sid(sink);
  CHECK(counts.at(5) == 3);  // the three client packets after the handshake
  CHECK(counts.at(6) == 1);  // only the SYN: first packet client -> server
}
